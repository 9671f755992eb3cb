package targets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
)

// Names of the steps of WordPress's connection test.
const (
	CheckWPAPI     = "WordPress REST API"
	CheckWPSignIn  = "Sign in"
	CheckWPPublish = "Publish posts"
	CheckWPUpload  = "Upload images"
	CheckWPTerms   = "Categories and tags"
	CheckWPSEO     = "SEO fields"
)

// testPNG is the 1×1 PNG the connection test uploads: the type autopress
// sends images as.
var testPNG = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff})
	var b bytes.Buffer
	_ = png.Encode(&b, img) // a bytes.Buffer never fails to write
	return b.Bytes()
}()

// Test does what publishing will do, step by step: reaches the REST API
// (and sees whether WordPress offers application passwords there), signs in,
// checks the user may publish posts and upload media, uploads a 1×1 PNG and
// deletes it, checks the configured categories and tags exist or may be
// created, and says which SEO plugin's fields receive the SEO title and
// meta description (none is not a failure).
func (wp *WordPress) Test(ctx context.Context) []Check {
	var checks []Check
	done := func(name string, err error, detail string) bool {
		c := Check{Name: name, Status: CheckOK, Detail: detail}
		if err != nil {
			c.Status, c.Err, c.Detail = CheckFailed, err, sentence(err.Error())
		}
		checks = append(checks, c)
		return err == nil
	}
	skip := func(names ...string) []Check {
		for _, n := range names {
			checks = append(checks, Check{Name: n, Status: CheckSkipped, Detail: "Not checked: an earlier step failed."})
		}
		return checks
	}
	rest := []string{CheckWPSignIn, CheckWPPublish, CheckWPUpload}
	if len(wp.Categories)+len(wp.Tags) > 0 {
		rest = append(rest, CheckWPTerms)
	}
	rest = append(rest, CheckWPSEO)

	if err := wp.checkConfig(); err != nil {
		done(CheckWPAPI, err, "")
		return skip(rest...)
	}
	detail, err := wp.checkAPI(ctx)
	if !done(CheckWPAPI, err, detail) {
		return skip(rest...)
	}
	me, err := wp.me(ctx)
	if !done(CheckWPSignIn, err, fmt.Sprintf("Signed in as %q.", me.Name)) {
		return skip(rest[1:]...)
	}
	done(CheckWPPublish, wp.needCap(me, "publish_posts", opCreatePost, "publish posts"), "The user may publish posts.")
	if err := wp.needCap(me, "upload_files", opUpload, "upload media"); err != nil {
		done(CheckWPUpload, err, "")
	} else {
		detail, err := wp.checkUpload(ctx)
		done(CheckWPUpload, err, detail)
	}
	if len(wp.Categories)+len(wp.Tags) > 0 {
		detail, err := wp.checkTerms(ctx, me)
		done(CheckWPTerms, err, detail)
	}
	detail, err = wp.checkSEO(ctx)
	done(CheckWPSEO, err, detail)
	return checks
}

// checkAPI reads the REST API's index: it must be WordPress's, offering
// application passwords.
func (wp *WordPress) checkAPI(ctx context.Context) (string, error) {
	status, body, err := wp.sendURL(ctx, http.MethodGet, wp.base()+"/wp-json/", nil, "", nil, nil)
	if err != nil {
		return "", wp.reachWords(err)
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		// Some security plugins hide the index from visitors; signing in
		// below tells more.
		return "The REST API answers (its index is not public).", nil
	}
	if !is2xx(status) {
		return "", wp.answerError(wpOp{kind: opRead, what: "read the REST API's index"}, status, body)
	}
	var idx struct {
		Namespaces     []string                   `json:"namespaces"`
		Authentication map[string]json.RawMessage `json:"authentication"`
	}
	if json.Unmarshal(body, &idx) != nil || !contains(idx.Namespaces, "wp/v2") {
		return "", &configError{"wordpress", fmt.Sprintf("%s answers, but not as the WordPress REST API: check the address", wp.base())}
	}
	if _, ok := idx.Authentication["application-passwords"]; !ok {
		msg := "WordPress does not offer application passwords at this address"
		if strings.HasPrefix(wp.base(), "http://") {
			msg += ": it offers them only over HTTPS, so use the https:// address (a test site may set WP_ENVIRONMENT_TYPE to local instead)"
		} else {
			msg += ": a plugin or setting has turned them off"
		}
		return "", userErr(msg, ErrAuth)
	}
	return "The REST API answers and offers application passwords.", nil
}

type wpMe struct {
	Name         string          `json:"name"`
	Capabilities map[string]bool `json:"capabilities"`
}

func (wp *WordPress) me(ctx context.Context) (wpMe, error) {
	var me wpMe
	status, body, err := wp.send(ctx, http.MethodGet, "/users/me", url.Values{"context": {"edit"}}, "", nil, nil)
	if err != nil {
		return me, wp.reachWords(err)
	}
	if !is2xx(status) {
		se := wp.answerError(wpOp{kind: opRead, what: "read the user's profile"}, status, body)
		if se.Code == "rest_not_logged_in" {
			// WordPress answers a wrong application password as if none
			// was sent; so does it when a server drops the header.
			se.Reason += ". If both are right, the web server may be removing the Authorization header before WordPress sees it"
		}
		return me, se
	}
	if err := json.Unmarshal(body, &me); err != nil {
		return me, &configError{"wordpress", fmt.Sprintf("%s answers, but not as the WordPress REST API: check the address", wp.base())}
	}
	return me, nil
}

// needCap fails when the user's capabilities (context=edit lists those
// granted) lack c. Without a list, the steps that try things decide.
func (wp *WordPress) needCap(me wpMe, c string, kind wpOpKind, what string) error {
	if me.Capabilities == nil || me.Capabilities[c] {
		return nil
	}
	return &StatusError{Status: http.StatusForbidden, Code: c, Kind: ErrAuth, Reason: wp.permissionReason(wpOp{kind: kind, what: what})}
}

// checkUpload uploads the 1×1 PNG and deletes it.
func (wp *WordPress) checkUpload(ctx context.Context) (string, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	slug := "autopress-connection-test-" + hex.EncodeToString(b)
	img := Image{MIME: "image/png", Data: testPNG, Alt: "autopress connection test"}
	id, _, err := wp.upload(ctx, img, slug, "autopress connection test", "upload a 1×1 PNG test image")
	if err != nil {
		var re *reachError
		if errors.As(err, &re) {
			return "", wp.reachWords(err)
		}
		return "", err
	}
	if err := wp.deleteMedia(ctx, id); err != nil {
		return fmt.Sprintf("Uploaded a 1×1 PNG test image, but could not delete it (%s): delete “autopress connection test” under Media.", err), nil
	}
	return "Uploaded a 1×1 PNG test image and deleted it.", nil
}

// checkTerms finds the configured categories and tags; missing ones need a
// user who may create them.
func (wp *WordPress) checkTerms(ctx context.Context, me wpMe) (string, error) {
	var missing []string
	found := 0
	for _, tax := range []struct {
		name  string
		terms []string
	}{{"categories", wp.Categories}, {"tags", wp.Tags}} {
		seen := map[string]bool{}
		for _, t := range tax.terms {
			t = strings.TrimSpace(t)
			if t == "" || seen[strings.ToLower(t)] {
				continue
			}
			seen[strings.ToLower(t)] = true
			_, ok, err := wp.findTerm(ctx, tax.name, t)
			if err != nil {
				return "", err
			}
			if ok {
				found++
			} else {
				missing = append(missing, fmt.Sprintf("the %s %q", termWord(tax.name), t))
			}
		}
	}
	if len(missing) == 0 {
		return fmt.Sprintf("All %d exist.", found), nil
	}
	if me.Capabilities != nil && !me.Capabilities["manage_categories"] {
		return "", &StatusError{Status: http.StatusForbidden, Code: "manage_categories", Kind: ErrAuth,
			Reason: fmt.Sprintf("WordPress user %q may not create %s: create them in WordPress first, or give the user the Editor role", wp.Username, strings.Join(missing, ", "))}
	}
	return fmt.Sprintf("%d exist; %s will be created.", found, strings.Join(missing, ", ")), nil
}

// reachWords says that WordPress could not be reached, and why.
func (wp *WordPress) reachWords(err error) error {
	var re *reachError
	if errors.As(err, &re) {
		return userErr("cannot reach WordPress at "+re.url+": "+re.cause(), err)
	}
	return err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sentence capitalises a message's first letter and ends it with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "http") {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
