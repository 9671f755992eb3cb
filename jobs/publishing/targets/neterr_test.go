package targets

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWordPressSchemeMixUps(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	tests := []struct {
		name, url string
		client    *http.Client
		want      string
	}{
		{"https to plain", strings.Replace(plain.URL, "http:", "https:", 1), nil, "the server answers plain HTTP, not HTTPS, on that port: use an http:// address"},
		{"http to TLS", strings.Replace(tlsSrv.URL, "https:", "http:", 1), nil, "the server expects HTTPS on that port: use an https:// address"},
		{"untrusted certificate", tlsSrv.URL, nil, "TLS handshake failed: the certificate is not signed by a trusted authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wp := &WordPress{BaseURL: tt.url, Username: "u", AppPassword: "p", Client: tt.client}
			_, _, err := wp.Lookup(context.Background(), Post{Slug: "x"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
