package handlers

import (
	"testing"
	"time"

	"autopress/jobs/ai"
	"autopress/jobs/automation"
)

func TestProviderWaitText(t *testing.T) {
	tests := []struct {
		w    *automation.ProviderWait
		want string
	}{
		{nil, ""},
		{&automation.ProviderWait{Model: "gpt-image-1", Kind: ai.KindImages, For: 42400 * time.Millisecond, RequestsPerMinute: 4.8, Source: ai.SourceLearned},
			"Waiting for the AI provider's rate limit for 42s (gpt-image-1: about 5 images a minute, learned from the provider's answers)"},
		{&automation.ProviderWait{Model: "gpt-4o-mini", Kind: ai.KindText, For: 90 * time.Second, RequestsPerMinute: 500, Source: ai.SourceHeaders},
			"Waiting for the AI provider's rate limit for 1m30s (gpt-4o-mini: about 500 requests a minute, announced by the provider)"},
		{&automation.ProviderWait{Model: "m", Kind: ai.KindText, For: 3 * time.Second},
			"Waiting for the AI provider's rate limit for 3s (m)"},
	}
	for _, tt := range tests {
		if got := providerWaitText(tt.w); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}
