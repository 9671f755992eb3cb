package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// ctxCSRF is where the CSRF middleware leaves the token for the views.
const ctxCSRF = "csrf"

// csrf protects every unsafe request of the pages. Browsers that send
// Sec-Fetch-Site: same-origin pass on that alone (echo ≥ 4.15); others must
// send the token of the _csrf cookie as the form field _csrf or the header
// X-CSRF-Token (which htmx adds from the body's hx-headers).
func (h *app) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        func(c echo.Context) bool { return stateless(c.Request().URL.Path) },
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		ContextKey:     ctxCSRF,
		CookieName:     "_csrf",
		CookiePath:     "/",
		CookieMaxAge:   30 * 24 * 3600,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieSecure:   h.Secure,
		ErrorHandler: func(err error, c echo.Context) error {
			return &fieldError{Status: http.StatusForbidden,
				Msg: "This form has expired or came from another site. Reload the page and try again."}
		},
	})
}

// csrfToken is the token to put in this response's forms.
func csrfToken(c echo.Context) string {
	s, _ := c.Get(ctxCSRF).(string)
	return s
}
