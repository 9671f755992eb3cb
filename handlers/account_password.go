package handlers

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/handlers/auth"
	"autopress/views"
)

// passwordChange sets a new password after checking the current one. The
// session is renewed; the first-start password file, if it still holds the
// old password, is removed.
func (h *app) passwordChange(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	current, next, confirm := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password")
	errs := map[string]string{}
	if !auth.CheckPassword(u.PasswordHash, current) {
		errs["current_password"] = "This is not your current password."
	}
	switch {
	case len([]rune(next)) < auth.MinPasswordLen:
		errs["new_password"] = fmt.Sprintf("Use at least %d characters.", auth.MinPasswordLen)
	case len(next) > 72:
		errs["new_password"] = "Use at most 72 bytes (bcrypt ignores the rest)."
	case next == current:
		errs["new_password"] = "Choose a password different from the current one."
	}
	if confirm != next {
		errs["confirm_password"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		a, err := h.accountPage(c)
		if err != nil {
			return err
		}
		a.PasswordErrors = errs
		return h.render(c, http.StatusUnprocessableEntity, views.Account(h.page(c, "Account", "account"), a))
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if err := h.DB.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.forgetInitialPassword(current)
	h.flash(c, "Your password was changed.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

// forgetInitialPassword removes DATA_DIR/initial-admin-password when it holds
// the password just replaced: it no longer opens anything.
func (h *app) forgetInitialPassword(old string) {
	if h.DataDir == "" {
		return
	}
	path := filepath.Join(h.DataDir, "initial-admin-password")
	b, err := os.ReadFile(path)
	if err != nil || !sameSecret(string(b), old) {
		return
	}
	if err := os.Remove(path); err != nil {
		h.Log.Warn("could not remove the initial admin password file", "file", path, "err", err)
	}
}

// sameSecret compares a password file's content (with its trailing newline)
// with a password, in constant time.
func sameSecret(file, password string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.TrimRight(file, "\r\n")), []byte(password)) == 1
}
