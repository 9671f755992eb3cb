package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"autopress/handlers/auth"
)

// Config is the server's configuration, read from the environment by
// loadConfig; the README's configuration table documents every variable.
type Config struct {
	DatabaseURL   string
	ListenAddr    string
	DataDir       string
	BaseURL       string
	AppSecret     string
	AdminEmail    string
	AdminPassword string
	LogLevel      slog.Level
	LogFormat     string
	SecureCookies bool
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// PublishAllowPrivate lets publishing targets reach internal addresses.
	PublishAllowPrivate bool
	// MetricsToken, when set, is the bearer token /metrics requires;
	// MetricsAddr, when set, serves /metrics on a listener of its own
	// instead of the main one. With neither, /metrics is not served.
	MetricsToken string
	MetricsAddr  string
	// Pprof serves Go's profiles (/debug/pprof/) on the METRICS_ADDR
	// listener, behind METRICS_TOKEN when it is set.
	Pprof bool

	// AI provider (README: Configuration).
	AIProvider       string // local or openai
	LocalAILatency   time.Duration
	OpenAIBaseURL    string
	OpenAIAPIKey     string
	AITextModel      string
	AIImageModel     string
	AIConcurrency    int
	AIRequestsPerMin int
	AIImagesPerMin   int
	AITimeout        time.Duration
	AIMaxAttempts    int

	// RunLeaseTTL is how long a run's lease lasts without renewal (renewed
	// every third of it); also how long an executor rides out an
	// unreachable database.
	RunLeaseTTL time.Duration
}

// Postgres reports whether DATABASE_URL selects PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// loadConfig reads and validates the configuration. getenv is os.Getenv in
// the binary and a map in tests. Every problem found is reported, not just
// the first.
func loadConfig(getenv func(string) string) (Config, error) {
	e := &envReader{getenv: getenv}
	var c Config
	c.DatabaseURL = e.str("DATABASE_URL", "")
	c.ListenAddr = e.str("LISTEN_ADDR", "127.0.0.1:8080")
	c.DataDir = e.str("DATA_DIR", "./data")
	c.BaseURL = strings.TrimRight(e.str("BASE_URL", "http://"+c.ListenAddr), "/")
	c.AppSecret = e.str("APP_SECRET", "")
	c.AdminEmail = e.str("ADMIN_EMAIL", "")
	c.AdminPassword = e.str("ADMIN_PASSWORD", "")
	c.LogLevel = e.level("LOG_LEVEL", slog.LevelInfo)
	c.LogFormat = e.oneOf("LOG_FORMAT", "text", "text", "json")
	c.SecureCookies = e.bool("SECURE_COOKIES", strings.HasPrefix(c.BaseURL, "https://"))
	for _, v := range strings.Split(e.str("TRUSTED_PROXIES", ""), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			if strings.Contains(v, ":") {
				v += "/128"
			} else {
				v += "/32"
			}
		}
		_, n, err := net.ParseCIDR(v)
		if err != nil {
			e.fail("TRUSTED_PROXIES", fmt.Sprintf("want addresses or CIDR ranges separated by commas, got %q", v))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	c.PublishAllowPrivate = e.bool("PUBLISH_ALLOW_PRIVATE", false)
	c.MetricsToken = e.str("METRICS_TOKEN", "")
	c.MetricsAddr = e.str("METRICS_ADDR", "")
	c.Pprof = e.bool("PPROF", false)
	c.AIProvider = e.oneOf("AI_PROVIDER", "local", "local", "openai")
	c.LocalAILatency = e.duration("LOCAL_AI_LATENCY", 0)
	c.OpenAIBaseURL = strings.TrimRight(e.str("OPENAI_BASE_URL", "https://api.openai.com/v1"), "/")
	c.OpenAIAPIKey = e.str("OPENAI_API_KEY", "")
	c.AITextModel = e.str("AI_TEXT_MODEL", "gpt-4o-mini")
	c.AIImageModel = e.str("AI_IMAGE_MODEL", "gpt-image-1")
	if strings.EqualFold(c.AIImageModel, "none") {
		c.AIImageModel = "" // no images API (Ollama): stage 6 items fail
	}
	c.AIConcurrency = e.int("AI_CONCURRENCY", 4)
	c.AIRequestsPerMin = e.int("AI_REQUESTS_PER_MINUTE", 0)
	c.AIImagesPerMin = e.int("AI_IMAGES_PER_MINUTE", 0)
	c.AITimeout = e.duration("AI_TIMEOUT", 120*time.Second)
	c.AIMaxAttempts = e.int("AI_MAX_ATTEMPTS", 4)
	c.RunLeaseTTL = e.duration("RUN_LEASE_TTL", 30*time.Second)
	if c.AIProvider == "openai" {
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.fail("OPENAI_BASE_URL", fmt.Sprintf("want an absolute http(s) URL such as https://api.openai.com/v1, got %q", c.OpenAIBaseURL))
		}
	}
	if c.AIConcurrency < 1 || c.AIConcurrency > 256 {
		e.fail("AI_CONCURRENCY", "must be between 1 and 256")
	}
	if c.AIRequestsPerMin < 0 {
		e.fail("AI_REQUESTS_PER_MINUTE", "must be 0 (no cap) or more")
	}
	if c.AIImagesPerMin < 0 {
		e.fail("AI_IMAGES_PER_MINUTE", "must be 0 (no cap) or more")
	}
	if c.AIMaxAttempts < 1 || c.AIMaxAttempts > 20 {
		e.fail("AI_MAX_ATTEMPTS", "must be between 1 and 20")
	}
	if c.RunLeaseTTL < 3*time.Second || c.RunLeaseTTL > 10*time.Minute {
		e.fail("RUN_LEASE_TTL", "must be between 3s and 10m")
	}

	switch {
	case c.DatabaseURL == "", strings.HasPrefix(c.DatabaseURL, "sqlite:"):
	case c.Postgres():
		if c.AppSecret == "" {
			e.fail("APP_SECRET", "is required with PostgreSQL (every instance must share it); generate one with: openssl rand -hex 32")
		}
	default:
		e.fail("DATABASE_URL", "want empty, sqlite:PATH or postgres://USER@HOST:PORT/DB")
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		e.fail("LISTEN_ADDR", fmt.Sprintf("want HOST:PORT, got %q", c.ListenAddr))
	}
	if c.DataDir == "" {
		e.fail("DATA_DIR", "must not be empty")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			e.fail("METRICS_ADDR", fmt.Sprintf("want HOST:PORT, got %q", c.MetricsAddr))
		} else if c.MetricsAddr == c.ListenAddr {
			e.fail("METRICS_ADDR", "must differ from LISTEN_ADDR")
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		e.fail("PPROF", "needs METRICS_ADDR: the profiles are served on that listener only")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		e.fail("METRICS_TOKEN", "must be at least 16 characters; generate one with: openssl rand -hex 32")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.fail("BASE_URL", fmt.Sprintf("want an absolute http(s) URL, got %q", c.BaseURL))
	}
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		e.fail("ADMIN_EMAIL", fmt.Sprintf("%q is not an email address", c.AdminEmail))
	}
	if c.AdminPassword != "" && c.AdminEmail == "" {
		e.fail("ADMIN_PASSWORD", "is set but ADMIN_EMAIL is not")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < auth.MinPasswordLen {
		e.fail("ADMIN_PASSWORD", fmt.Sprintf("must be at least %d characters", auth.MinPasswordLen))
	}
	return c, e.err()
}

// envReader reads variables with defaults and collects what is wrong.
type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) fail(name, msg string) {
	e.errs = append(e.errs, fmt.Errorf("config: %s %s", name, msg))
}

func (e *envReader) err() error { return errors.Join(e.errs...) }

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(e.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.fail(name, fmt.Sprintf("want one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (e *envReader) bool(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, fmt.Sprintf("want true or false, got %q", v))
		return def
	}
	return b
}

func (e *envReader) int(name string, def int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.fail(name, fmt.Sprintf("want a whole number, got %q", v))
		return def
	}
	return n
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.fail(name, fmt.Sprintf("want a duration such as 30s or 5m, got %q", v))
		return def
	}
	return d
}

func (e *envReader) level(name string, def slog.Level) slog.Level {
	switch e.oneOf(name, strings.ToLower(def.String()), "debug", "info", "warn", "error") {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
