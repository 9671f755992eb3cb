package main

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		ListenAddr: "127.0.0.1:8080",
		DataDir:    "./data",
		BaseURL:    "http://127.0.0.1:8080",
		LogLevel:   slog.LevelInfo,
		LogFormat:  "text",

		AIProvider:    "local",
		OpenAIBaseURL: "https://api.openai.com/v1",
		AITextModel:   "gpt-4o-mini",
		AIImageModel:  "gpt-image-1",
		AIConcurrency: 4,
		AITimeout:     120 * time.Second,
		AIMaxAttempts: 4,

		RunLeaseTTL: 30 * time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.Postgres() {
		t.Error("no DATABASE_URL must mean SQLite")
	}
}

func TestConfigValues(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"DATABASE_URL": "postgres://postgres@db:5432/autopress?sslmode=disable",
		"APP_SECRET":   "s3cret-s3cret-s3cret",
		"LISTEN_ADDR":  ":9000",
		"BASE_URL":     "https://press.example.com/",
		"LOG_LEVEL":    "DEBUG",
		"LOG_FORMAT":   "json",
		"ADMIN_EMAIL":  "ops@example.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Postgres() || c.BaseURL != "https://press.example.com" || c.LogLevel != slog.LevelDebug || c.LogFormat != "json" {
		t.Fatalf("unexpected config %+v", c)
	}
	if !c.SecureCookies {
		t.Error("an https BASE_URL must turn secure cookies on by default")
	}
	c, err = loadConfig(env(map[string]string{"PUBLISH_ALLOW_PRIVATE": "true", "METRICS_TOKEN": "0123456789abcdef", "METRICS_ADDR": "127.0.0.1:9090", "PPROF": "true"}))
	if err != nil || !c.PublishAllowPrivate || c.MetricsToken != "0123456789abcdef" || c.MetricsAddr != "127.0.0.1:9090" || !c.Pprof {
		t.Fatalf("publishing and metrics settings: %+v, %v", c, err)
	}
	c, err = loadConfig(env(map[string]string{"RUN_LEASE_TTL": "2m"}))
	if err != nil || c.RunLeaseTTL != 2*time.Minute {
		t.Fatalf("RUN_LEASE_TTL: %+v, %v", c, err)
	}
	c, err = loadConfig(env(map[string]string{"BASE_URL": "https://x.example", "SECURE_COOKIES": "false"}))
	if err != nil || c.SecureCookies {
		t.Fatalf("SECURE_COOKIES=false must win: %+v, %v", c, err)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DATABASE_URL": "postgres://db/x"}, "APP_SECRET is required with PostgreSQL"},
		{map[string]string{"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL want empty, sqlite:PATH or postgres://"},
		{map[string]string{"LOG_LEVEL": "loud"}, `LOG_LEVEL want one of debug, info, warn, error, got "loud"`},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT want one of text, json"},
		{map[string]string{"SECURE_COOKIES": "maybe"}, "SECURE_COOKIES want true or false"},
		{map[string]string{"LISTEN_ADDR": "8080"}, "LISTEN_ADDR want HOST:PORT"},
		{map[string]string{"BASE_URL": "example.com"}, "BASE_URL want an absolute http(s) URL"},
		{map[string]string{"ADMIN_EMAIL": "nobody"}, "ADMIN_EMAIL"},
		{map[string]string{"ADMIN_PASSWORD": "long-enough-pw"}, "ADMIN_PASSWORD is set but ADMIN_EMAIL is not"},
		{map[string]string{"ADMIN_EMAIL": "a@example.com", "ADMIN_PASSWORD": "short"}, "ADMIN_PASSWORD must be at least 10 characters"},
		{map[string]string{"PUBLISH_ALLOW_PRIVATE": "sometimes"}, "PUBLISH_ALLOW_PRIVATE want true or false"},
		{map[string]string{"METRICS_ADDR": "9090"}, "METRICS_ADDR want HOST:PORT"},
		{map[string]string{"METRICS_ADDR": "127.0.0.1:8080"}, "METRICS_ADDR must differ from LISTEN_ADDR"},
		{map[string]string{"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be at least 16 characters"},
		{map[string]string{"PPROF": "true"}, "PPROF needs METRICS_ADDR"},
		{map[string]string{"RUN_LEASE_TTL": "1s"}, "RUN_LEASE_TTL must be between 3s and 10m"},
		{map[string]string{"RUN_LEASE_TTL": "soon"}, "RUN_LEASE_TTL want a duration"},
	} {
		_, err := loadConfig(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), "config: "+tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.env, err, tc.want)
		}
	}
	// All problems at once, not one per attempt.
	_, err := loadConfig(env(map[string]string{"LOG_LEVEL": "x", "LOG_FORMAT": "y"}))
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Errorf("want both errors, got %v", err)
	}
}

func TestEnvReaderNumbers(t *testing.T) {
	e := &envReader{getenv: env(map[string]string{"N": "12", "BADN": "x", "D": "90s", "BADD": "soon"})}
	if got := e.int("N", 1); got != 12 {
		t.Errorf("int = %d", got)
	}
	if got := e.int("MISSING", 7); got != 7 {
		t.Errorf("int default = %d", got)
	}
	if got := e.duration("D", 0); got != 90*time.Second {
		t.Errorf("duration = %v", got)
	}
	e.int("BADN", 0)
	e.duration("BADD", 0)
	if err := e.err(); err == nil || !strings.Contains(err.Error(), "BADN") || !strings.Contains(err.Error(), "BADD") {
		t.Errorf("want errors for BADN and BADD, got %v", err)
	}
}

func TestConfigAI(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"AI_PROVIDER": "openai", "OPENAI_BASE_URL": "http://localhost:11434/v1/", "AI_TEXT_MODEL": "llama3.1",
		"AI_CONCURRENCY": "2", "AI_REQUESTS_PER_MINUTE": "30", "AI_IMAGES_PER_MINUTE": "5", "LOCAL_AI_LATENCY": "300ms", "AI_TIMEOUT": "45s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AIProvider != "openai" || c.OpenAIBaseURL != "http://localhost:11434/v1" || c.AITextModel != "llama3.1" ||
		c.AIConcurrency != 2 || c.AIRequestsPerMin != 30 || c.AIImagesPerMin != 5 || c.LocalAILatency != 300*time.Millisecond || c.AITimeout != 45*time.Second {
		t.Fatalf("got %+v", c)
	}
	_, err = loadConfig(env(map[string]string{"AI_PROVIDER": "gpt", "AI_CONCURRENCY": "0", "OPENAI_BASE_URL": "nope", "AI_IMAGES_PER_MINUTE": "-1"}))
	for _, name := range []string{"AI_PROVIDER", "AI_CONCURRENCY", "AI_IMAGES_PER_MINUTE"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad %s not reported: %v", name, err)
		}
	}
	if _, err := loadConfig(env(map[string]string{"AI_PROVIDER": "openai", "OPENAI_BASE_URL": "nope"})); err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
		t.Errorf("bad OPENAI_BASE_URL not reported: %v", err)
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[0].String() != "10.0.0.1/32" || c.TrustedProxies[2].String() != "::1/128" {
		t.Fatalf("got %v", c.TrustedProxies)
	}
	if _, err := loadConfig(env(map[string]string{"TRUSTED_PROXIES": "proxy.local"})); err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
		t.Fatalf("bad TRUSTED_PROXIES: %v", err)
	}
}
