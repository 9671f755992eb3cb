package handlers

import (
	"net/http"
	"strconv"
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

// metricsHandler serves the registry in the Prometheus text format.
func (h *app) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(h.Registry, promhttp.HandlerOpts{}))
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
