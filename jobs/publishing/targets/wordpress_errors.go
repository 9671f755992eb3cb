package targets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// wpOp is the request a WordPress answer belongs to, for explaining it.
type wpOp struct {
	kind wpOpKind
	// what completes "while …" and "may not …" ("upload image 2").
	what string
	// mime and size of an uploaded image.
	mime string
	size int
}

type wpOpKind int

const (
	opRead wpOpKind = iota
	opUpload
	opCreatePost
	opCreateTerm
	opEditMedia
	opDeleteMedia
)

// wpErrorBody is WordPress's error answer: {"code", "message", "data":
// {"status", "params", "details": {param: {"code", "data": {"status"}}}}}.
// The message is read only to tell a refused file type from other sideload
// failures; it is never shown.
type wpErrorBody struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

type wpErrorData struct {
	Status  int                        `json:"status"`
	Params  map[string]json.RawMessage `json:"params"`
	Details map[string]struct {
		Code string `json:"code"`
		Data struct {
			Status int `json:"status"`
		} `json:"data"`
	} `json:"details"`
}

// answerError explains a WordPress error answer. WordPress's code and
// data.status decide, more than the HTTP status: a wrong application
// password makes WordPress treat the request as anonymous, so a post lookup
// answers 400 rest_invalid_param whose details say rest_forbidden_status
// with status 401.
func (wp *WordPress) answerError(op wpOp, status int, body []byte) *StatusError {
	se := statusError(status, body)
	var eb wpErrorBody
	var data wpErrorData
	if json.Unmarshal(body, &eb) == nil {
		_ = json.Unmarshal(eb.Data, &data) // data is sometimes not an object
	}
	codes := []string{eb.Code}
	statuses := []int{status, data.Status}
	for _, d := range data.Details {
		codes = append(codes, d.Code)
		statuses = append(statuses, d.Data.Status)
	}
	has := func(match func(string) bool) bool {
		for _, c := range codes {
			if c != "" && match(c) {
				return true
			}
		}
		return false
	}
	hasStatus := func(s int) bool {
		for _, v := range statuses {
			if v == s {
				return true
			}
		}
		return false
	}
	is := func(names ...string) func(string) bool {
		return func(c string) bool {
			for _, n := range names {
				if c == n {
					return true
				}
			}
			return false
		}
	}
	prefix := func(p string) func(string) bool { return func(c string) bool { return strings.HasPrefix(c, p) } }

	switch {
	case status == http.StatusBadRequest && plainToTLS(body):
		se.Kind, se.Reason = ErrConfig, "the server expects HTTPS on that port: use an https:// address"
	case has(is("application_passwords_disabled", "application_passwords_disabled_for_user")):
		se.Kind, se.Reason = ErrAuth, "WordPress has application passwords turned off for this site or user: they need HTTPS, and a plugin or setting may disable them"
	case hasStatus(http.StatusUnauthorized) || has(is("rest_not_logged_in", "incorrect_password", "invalid_username", "invalid_email", "rest_forbidden_status")):
		se.Kind, se.Reason = ErrAuth, wp.credentialsReason()
	case op.kind == opUpload && (has(prefix("rest_upload_")) && !has(is("rest_upload_unknown_error")) || status == http.StatusRequestEntityTooLarge):
		se.Kind, se.Reason = ErrRefused, uploadRefusal(op, eb, status)
	case hasStatus(http.StatusForbidden) || has(prefix("rest_cannot_")) || has(prefix("rest_forbidden")):
		se.Kind, se.Reason = ErrAuth, wp.permissionReason(op)
	case status == http.StatusNotFound && (eb.Code == "rest_no_route" || eb.Code == ""):
		se.Kind, se.Reason = ErrConfig, wp.noAPIReason()
	case has(is("rest_invalid_param", "rest_missing_callback_param")):
		se.Kind, se.Reason = ErrInvalidPost, fmt.Sprintf("WordPress refused the request to %s: invalid %s", op.what, paramNames(data.Params))
	case status == http.StatusTooManyRequests:
		se.Reason = "WordPress (or its host) is limiting requests"
	case status == http.StatusRequestTimeout || status >= 500:
		se.Reason = "WordPress failed to " + op.what
	default:
		se.Reason = "WordPress refused to " + op.what
	}
	return se
}

func (wp *WordPress) credentialsReason() string {
	return fmt.Sprintf("WordPress did not accept user %q with this application password: check the username and the application password "+
		"(in WordPress: Users → Profile → Application Passwords; it is not the login password)", wp.Username)
}

func (wp *WordPress) permissionReason(op wpOp) string {
	switch op.kind {
	case opUpload:
		return fmt.Sprintf("WordPress user %q may not upload media: give them the Author role or higher", wp.Username)
	case opCreatePost:
		return fmt.Sprintf("WordPress user %q may not publish posts: give them the Author role or higher", wp.Username)
	case opCreateTerm:
		return fmt.Sprintf("WordPress user %q may not %s: create it in WordPress first, or give the user the Editor role", wp.Username, op.what)
	}
	return fmt.Sprintf("WordPress user %q may not %s", wp.Username, op.what)
}

func (wp *WordPress) noAPIReason() string {
	return fmt.Sprintf("no WordPress REST API at %s: check the site address; the REST API needs pretty permalinks (Settings → Permalinks) and must not be disabled by a plugin", wp.base())
}

// uploadRefusal explains a refused upload. WordPress reports a disallowed
// file type and a failure to store the file under the same code, so the
// (English) message tells them apart.
func uploadRefusal(op wpOp, eb wpErrorBody, status int) string {
	size := fmt.Sprintf("%.1f MB", float64(op.size)/(1<<20))
	switch {
	case status == http.StatusRequestEntityTooLarge || eb.Code == "rest_upload_file_too_big":
		return fmt.Sprintf("WordPress or its web server refused %s as too large (%s): raise the upload limit (PHP's upload_max_filesize and post_max_size, the web server's request body limit)", op.what, size)
	case eb.Code == "rest_upload_limited_space" || eb.Code == "rest_upload_user_quota_exceeded":
		return "WordPress has no upload space left for this site or user"
	case eb.Code == "rest_upload_sideload_error" && strings.Contains(strings.ToLower(eb.Message), "file type"):
		return fmt.Sprintf("WordPress does not accept %s files on this site (while trying to %s)", op.mime, op.what)
	case eb.Code == "rest_upload_sideload_error":
		return fmt.Sprintf("WordPress could not store the file while trying to %s: check that its uploads folder is writable and has space", op.what)
	}
	return "WordPress refused to " + op.what
}

// plainToTLS spots the answers of servers that got plain HTTP on their
// HTTPS port (Go's, nginx's).
func plainToTLS(body []byte) bool {
	b := string(body[:min(len(body), 1024)])
	return strings.Contains(b, "HTTP request to an HTTPS server") || strings.Contains(b, "plain HTTP request was sent to HTTPS port")
}

// paramNames lists the parameters WordPress found invalid (its keys are
// parameter names, not free text).
func paramNames(params map[string]json.RawMessage) string {
	var names []string
	for k := range params {
		if errorCodeRE.MatchString(k) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return "parameters"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
