package targets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"autopress/jobs/publishing/egress"
)

// Bodies as WordPress 6.1 sends them (taken from the real one).
const (
	bodyNotLoggedIn   = `{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}`
	bodyForbiddenStat = `{"code":"rest_invalid_param","message":"Invalid parameter(s): status","data":{"status":400,"params":{"status":"Status is forbidden."},"details":{"status":{"code":"rest_forbidden_status","message":"Status is forbidden.","data":{"status":401}}}}}`
	bodyCannotCreate  = `{"code":"rest_cannot_create","message":"Sorry, you are not allowed to create posts as this user.","data":{"status":403}}`
	bodyFileType      = `{"code":"rest_upload_sideload_error","message":"Sorry, you are not allowed to upload this file type.","data":{"status":500}}`
	bodyCannotMove    = `{"code":"rest_upload_sideload_error","message":"The uploaded file could not be moved to wp-content/uploads/2026/11.","data":{"status":500}}`
	bodyUnknownUpload = `{"code":"rest_upload_unknown_error","message":"Could not write file.","data":{"status":500}}`
	bodyBadParam      = `{"code":"rest_invalid_param","message":"Invalid parameter(s): date_gmt","data":{"status":400,"params":{"date_gmt":"Invalid date.","<script>":"x"}}}`
	bodyCritical      = `{"code":"internal_server_error","message":"<p>There has been a critical error on this website.</p>","data":{"status":500}}`
	bodyAppPwOff      = `{"code":"application_passwords_disabled","message":"Application passwords are not available.","data":{"status":401}}`
	bodyNoRoute       = `{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}`
	bodyTooBig        = `{"code":"rest_upload_file_too_big","message":"This file is too big. Files must be less than 1 MB in size.","data":{"status":400}}`
)

func TestWordPressAnswerError(t *testing.T) {
	wp := &WordPress{BaseURL: "https://blog.example/", Username: "ed"}
	upload := wpOp{kind: opUpload, what: "upload image 2 of 3", mime: "image/png", size: 3 << 20}
	post := wpOp{kind: opCreatePost, what: "create the post"}
	read := wpOp{kind: opRead, what: "look up the post by its slug"}
	term := wpOp{kind: opCreateTerm, what: `create the category "Q&A"`}
	creds := `WordPress did not accept user "ed" with this application password: check the username and the application password (in WordPress: Users → Profile → Application Passwords; it is not the login password)`
	tests := []struct {
		name      string
		op        wpOp
		status    int
		body      string
		kind      error
		permanent bool
		want      string
	}{
		{"anonymous lookup", read, 400, bodyForbiddenStat, ErrAuth, true, creds + " (HTTP 400 rest_invalid_param)"},
		{"not logged in", read, 401, bodyNotLoggedIn, ErrAuth, true, creds + " (HTTP 401 rest_not_logged_in)"},
		{"application passwords off", read, 401, bodyAppPwOff, ErrAuth, true, "WordPress has application passwords turned off for this site or user: they need HTTPS, and a plugin or setting may disable them (HTTP 401 application_passwords_disabled)"},
		{"no upload right", upload, 403, bodyCannotCreate, ErrAuth, true, `WordPress user "ed" may not upload media: give them the Author role or higher (HTTP 403 rest_cannot_create)`},
		{"no publish right", post, 403, bodyCannotCreate, ErrAuth, true, `WordPress user "ed" may not publish posts: give them the Author role or higher (HTTP 403 rest_cannot_create)`},
		{"no term right", term, 403, bodyCannotCreate, ErrAuth, true, `WordPress user "ed" may not create the category "Q&A": create it in WordPress first, or give the user the Editor role (HTTP 403 rest_cannot_create)`},
		{"file type", upload, 500, bodyFileType, ErrRefused, true, "WordPress does not accept image/png files on this site (while trying to upload image 2 of 3) (HTTP 500 rest_upload_sideload_error)"},
		{"cannot store", upload, 500, bodyCannotMove, ErrRefused, true, "WordPress could not store the file while trying to upload image 2 of 3: check that its uploads folder is writable and has space (HTTP 500 rest_upload_sideload_error)"},
		{"too big", upload, 400, bodyTooBig, ErrRefused, true, "WordPress or its web server refused upload image 2 of 3 as too large (3.0 MB): raise the upload limit (PHP's upload_max_filesize and post_max_size, the web server's request body limit) (HTTP 400 rest_upload_file_too_big)"},
		{"413 from the web server", upload, 413, `<html>413 Request Entity Too Large</html>`, ErrRefused, true, "WordPress or its web server refused upload image 2 of 3 as too large (3.0 MB): raise the upload limit (PHP's upload_max_filesize and post_max_size, the web server's request body limit) (HTTP 413)"},
		{"write failure is retried", upload, 500, bodyUnknownUpload, nil, false, "WordPress failed to upload image 2 of 3 (HTTP 500 rest_upload_unknown_error)"},
		{"bad parameter", post, 400, bodyBadParam, ErrInvalidPost, true, "WordPress refused the request to create the post: invalid date_gmt (HTTP 400 rest_invalid_param)"},
		{"critical error is retried", post, 500, bodyCritical, nil, false, "WordPress failed to create the post (HTTP 500 internal_server_error)"},
		{"bad gateway page", post, 502, `<html><body>Bad Gateway</body></html>`, nil, false, "WordPress failed to create the post (HTTP 502)"},
		{"rate limited", post, 429, ``, nil, false, "WordPress (or its host) is limiting requests (HTTP 429)"},
		{"no route", read, 404, bodyNoRoute, ErrConfig, true, "no WordPress REST API at https://blog.example: check the site address; the REST API needs pretty permalinks (Settings → Permalinks) and must not be disabled by a plugin (HTTP 404 rest_no_route)"},
		{"gone", read, 410, `{"code":"x y"}`, nil, true, "WordPress refused to look up the post by its slug (HTTP 410)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := error(wp.answerError(tt.op, tt.status, []byte(tt.body)))
			if err.Error() != tt.want {
				t.Errorf("error\n %q\nwant\n %q", err, tt.want)
			}
			if Permanent(err) != tt.permanent {
				t.Errorf("Permanent = %v, want %v", Permanent(err), tt.permanent)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("not a %v", tt.kind)
			}
			for _, remote := range []string{"Sorry", "critical", "Status is forbidden", "<script>", "could not be moved", "Bad Gateway"} {
				if strings.Contains(err.Error(), remote) {
					t.Errorf("error shows WordPress's text %q", remote)
				}
			}
		})
	}
}

func TestPermanent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"auth", &StatusError{Status: 401, Kind: ErrAuth}, true},
		{"refused 500", &StatusError{Status: 500, Code: "rest_upload_sideload_error", Kind: ErrRefused}, true},
		{"invalid post", userErr("slug", ErrInvalidPost), true},
		{"config", &configError{"webhook", "no URL configured"}, true},
		{"400", &StatusError{Status: 400}, true},
		{"404", &StatusError{Status: 404}, true},
		{"422", &StatusError{Status: 422}, true},
		{"408", &StatusError{Status: 408}, false},
		{"429", &StatusError{Status: 429}, false},
		{"500", &StatusError{Status: 500}, false},
		{"503", &StatusError{Status: 503}, false},
		{"network", &reachError{url: "http://x", err: errors.New("connection refused")}, false},
		{"internal address", &reachError{url: "http://x", err: &egress.RefusedError{Kind: egress.KindPrivate}}, true},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"canceled", context.Canceled, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Permanent(tt.err); got != tt.want {
				t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
