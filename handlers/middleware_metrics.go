package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics counts requests and times them, labelled by the route pattern
// (/sites/:site, not /sites/42) so the label set stays small.
func (h *app) metrics() echo.MiddlewareFunc {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "HTTP request latency by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	h.Registry.MustRegister(requests, duration)

	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			method := metricMethod(c.Request().Method)
			requests.WithLabelValues(method, route, strconv.Itoa(c.Response().Status)).Inc()
			duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// MetricsHandler serves reg in the Prometheus text format. With a token,
// only requests bearing it ("Authorization: Bearer TOKEN") get an answer;
// the others get 401. The server serves it at /metrics when given a
// MetricsToken, and on a listener of its own with METRICS_ADDR.
func MetricsHandler(reg *prometheus.Registry, token string) http.Handler {
	return BearerOnly(token, "metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// BearerOnly lets through only the requests bearing token
// ("Authorization: Bearer TOKEN"); the others get 401 naming realm. An
// empty token lets every request through.
func BearerOnly(token, realm string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		// Hashes of equal length, compared in constant time: neither the
		// token nor its length shows in the timing.
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+realm+`"`)
			http.Error(w, realm+" need the bearer token (METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricMethod keeps the method label to the standard methods, so clients
// sending made-up methods cannot grow the label set.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
