package secretbox

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func mustNew(t *testing.T, secret string) *Box {
	t.Helper()
	b, err := New(secret)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := mustNew(t, "app-secret")
	for _, plain := range []string{"", "x", "abcd efgh ijkl mnop", strings.Repeat("ü", 1000)} {
		sealed, err := b.Seal(plain)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if !strings.HasPrefix(sealed, "v1:") {
			t.Fatalf("sealed %q lacks v1: prefix", sealed)
		}
		if len(plain) > 8 && strings.Contains(sealed, plain) {
			t.Fatalf("sealed value contains the plaintext")
		}
		got, err := b.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if got != plain {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
}

func TestSameKeyFromSameSecret(t *testing.T) {
	sealed, err := mustNew(t, "app-secret").Seal("pw")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mustNew(t, "app-secret").Open(sealed)
	if err != nil || got != "pw" {
		t.Fatalf("Open with a second Box from the same secret = %q, %v", got, err)
	}
}

func TestSealsDiffer(t *testing.T) {
	b := mustNew(t, "app-secret")
	a1, _ := b.Seal("same text")
	a2, _ := b.Seal("same text")
	if a1 == a2 {
		t.Fatal("two seals of the same text are equal")
	}
}

func TestTamper(t *testing.T) {
	b := mustNew(t, "app-secret")
	sealed, _ := b.Seal("secret value")
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	for i := range raw {
		c := append([]byte(nil), raw...)
		c[i] ^= 0x01
		if _, err := b.Open("v1:" + base64.StdEncoding.EncodeToString(c)); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipping byte %d: err = %v, want ErrOpen", i, err)
		}
	}
	truncated := "v1:" + base64.StdEncoding.EncodeToString(raw[:len(raw)-1])
	if _, err := b.Open(truncated); !errors.Is(err, ErrOpen) {
		t.Fatalf("truncated: err = %v", err)
	}
}

func TestWrongKey(t *testing.T) {
	sealed, _ := mustNew(t, "app-secret").Seal("secret value")
	if _, err := mustNew(t, "other-secret").Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("err = %v, want ErrOpen", err)
	}
}

func TestBadFormat(t *testing.T) {
	b := mustNew(t, "app-secret")
	for _, s := range []string{"", "plaintext", "v2:AAAA", "v1:!!!", "v1:", "v1:AAAA"} {
		if _, err := b.Open(s); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%q) err = %v, want ErrOpen", s, err)
		}
	}
}

func TestEmptySecret(t *testing.T) {
	if _, err := New(""); !errors.Is(err, ErrEmptySecret) {
		t.Fatalf("New(\"\") err = %v", err)
	}
}
