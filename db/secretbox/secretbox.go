// Package secretbox encrypts small secrets (application passwords, webhook
// secrets) before they are stored, with a key derived from APP_SECRET.
//
// Sealed values are versioned ("v1:" + base64(nonce|ciphertext)) so the scheme
// can change later without guessing what a stored value is.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/hkdf"
)

const (
	prefix  = "v1:"
	hkdfKey = "autopress secretbox v1"
)

// ErrEmptySecret is returned by New when APP_SECRET is empty.
var ErrEmptySecret = errors.New("secretbox: app secret is empty")

// ErrOpen is returned by Open for any sealed value that cannot be decrypted:
// malformed input, tampering, or a different APP_SECRET. The causes are not
// distinguished on purpose; an attacker learns nothing from the error.
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// Box seals and opens secrets with AES-256-GCM. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New derives a 256-bit key from appSecret with HKDF-SHA256 (no salt, info
// "autopress secretbox v1") and returns a Box using it.
func New(appSecret string) (*Box, error) {
	if appSecret == "" {
		return nil, ErrEmptySecret
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, []byte(appSecret), nil, []byte(hkdfKey)), key); err != nil {
		return nil, fmt.Errorf("secretbox: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext under a fresh random nonce, so sealing the same text
// twice gives different outputs.
func (b *Box) Seal(plaintext string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(prefix))
	return prefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value produced by Seal. Any failure returns an error wrapping
// ErrOpen.
func (b *Box) Open(sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", fmt.Errorf("%w: unknown format", ErrOpen)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("%w: bad encoding", ErrOpen)
	}
	ns := b.aead.NonceSize()
	if len(raw) < ns+b.aead.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	plain, err := b.aead.Open(nil, raw[:ns], raw[ns:], []byte(prefix))
	if err != nil {
		return "", fmt.Errorf("%w: wrong key or tampered", ErrOpen)
	}
	return string(plain), nil
}
