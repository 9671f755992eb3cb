package publishing

import (
	"fmt"
	"net/http"

	"autopress/db"
	"autopress/db/secretbox"
	"autopress/jobs/publishing/egress"
	"autopress/jobs/publishing/targets"
)

// Targets builds sites' targets: local pages under dir, served at baseURL;
// webhook and WordPress secrets are decrypted with box.
type Targets struct {
	LocalDir string
	BaseURL  string
	Box      *secretbox.Box
	// Client makes the webhook and WordPress requests. Nil is
	// egress.Default(), which refuses internal addresses; pass an
	// egress.NewClient to allow them (PUBLISH_ALLOW_PRIVATE).
	Client *http.Client
}

// For builds the target of a site's settings.
func (t Targets) For(s db.PublishingSettings) (targets.Target, error) {
	client := t.Client
	if client == nil {
		client = egress.Default()
	}
	switch s.TargetKind {
	case "", targets.KindLocal:
		return targets.NewLocal(t.LocalDir, t.BaseURL), nil
	case targets.KindWebhook:
		secret, err := t.open(s.WebhookSecretEnc)
		if err != nil {
			return nil, err
		}
		return &targets.Webhook{URL: s.WebhookURL, Secret: secret, Client: client}, nil
	case targets.KindWordPress:
		pw, err := t.open(s.WPAppPasswordEnc)
		if err != nil {
			return nil, err
		}
		return &targets.WordPress{BaseURL: s.WPURL, Username: s.WPUsername, AppPassword: pw, Client: client,
			Categories: s.Categories(), Tags: s.Tags()}, nil
	}
	return nil, fmt.Errorf("publishing: unknown target %q", s.TargetKind)
}

func (t Targets) open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if t.Box == nil {
		return "", ErrNoSecret
	}
	return t.Box.Open(sealed)
}
