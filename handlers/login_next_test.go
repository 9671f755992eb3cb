package handlers

import "testing"

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/sites":                   "/sites",
		"/sites/1/keywords?page=2": "/sites/1/keywords?page=2",
		"//evil.example/x":         "",
		"https://evil.example/":    "",
		"/\\evil.example":          "",
		"javascript:alert(1)":      "",
		"":                         "",
		"sites":                    "",
		"/x\r\nSet-Cookie: a=b":    "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
