package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// Session keys.
const (
	sessUserID     = "user_id"
	sessFlash      = "flash"
	sessFlashError = "flash_error"
	// sessFlashLink and sessFlashLinkText: an optional link (a local path)
	// shown after the flash message.
	sessFlashLink     = "flash_link"
	sessFlashLinkText = "flash_link_text"
)

// ctxSessionLoaded marks a request whose session the middleware loaded;
// stateless paths have none, and touching it there would panic.
const ctxSessionLoaded = "session_loaded"

// NewSessions returns an scs manager stored in the database (db's session
// store: reads on the read pool, writes through the writer); cookie name
// "autopress_session", 30-day lifetime, HttpOnly, SameSite=Lax, Secure per
// flag. Expired sessions are removed by a periodic job (SessionsCleanup).
func NewSessions(d *db.DB, secure bool) *scs.SessionManager {
	s := scs.New()
	s.Store = d.Sessions()
	s.Lifetime = 30 * 24 * time.Hour
	s.Cookie.Name = "autopress_session"
	s.Cookie.Path = "/"
	s.Cookie.HttpOnly = true
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Secure = secure
	return s
}

// loadSession loads and saves the session around every stateful request,
// and sends a failure of the session store to the error handler.
func (h *app) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	withSession := echo.WrapMiddleware(h.Sessions.LoadAndSave)(func(c echo.Context) error {
		c.Set(ctxSessionLoaded, true)
		return next(c)
	})
	return func(c echo.Context) error {
		if stateless(c.Request().URL.Path) {
			return next(c)
		}
		return withSession(c)
	}
}

// sessionStoreError renders a failed session load like any other error
// (scs calls it instead of the handler).
func (h *app) sessionStoreError(e *echo.Echo) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		h.handleError(fmt.Errorf("handlers: session store: %w", err), e.NewContext(r, w))
	}
}

func sessionLoaded(c echo.Context) bool {
	ok, _ := c.Get(ctxSessionLoaded).(bool)
	return ok
}

// flash stores a message for the next page the user sees.
func (h *app) flash(c echo.Context, msg string) {
	h.Sessions.Put(c.Request().Context(), sessFlash, msg)
}

// flashError stores an error message for the next page the user sees.
func (h *app) flashError(c echo.Context, msg string) {
	h.Sessions.Put(c.Request().Context(), sessFlashError, msg)
}

// flashErrorLink stores an error message with a link to a local path.
func (h *app) flashErrorLink(c echo.Context, msg, path, text string) {
	ctx := c.Request().Context()
	h.Sessions.Put(ctx, sessFlashError, msg)
	h.Sessions.Put(ctx, sessFlashLink, path)
	h.Sessions.Put(ctx, sessFlashLinkText, text)
}

// flashLink stores a message with a link to a local path.
func (h *app) flashLink(c echo.Context, msg, path, text string) {
	ctx := c.Request().Context()
	h.Sessions.Put(ctx, sessFlash, msg)
	h.Sessions.Put(ctx, sessFlashLink, path)
	h.Sessions.Put(ctx, sessFlashLinkText, text)
}

// popFlash takes the pending message, if any.
func (h *app) popFlash(c echo.Context) views.Flash {
	if !sessionLoaded(c) {
		return views.Flash{}
	}
	ctx := c.Request().Context()
	f := views.Flash{Link: h.Sessions.PopString(ctx, sessFlashLink), LinkText: h.Sessions.PopString(ctx, sessFlashLinkText)}
	if msg := h.Sessions.PopString(ctx, sessFlashError); msg != "" {
		f.Message, f.Error = msg, true
		return f
	}
	f.Message = h.Sessions.PopString(ctx, sessFlash)
	return f
}
