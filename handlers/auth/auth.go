// Package auth holds the rules of authentication shared by the web handlers
// and the command line: password hashing, API token minting, the login
// throttle and the creation of users. It knows no HTTP.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// ErrBadCredentials is returned for an unknown email or a wrong password
// (deliberately the same error for both).
var ErrBadCredentials = errors.New("auth: wrong email or password")

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(b), err
}

// CheckPassword compares a password with its hash.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// dummyHash lets a login for an unknown email cost as much as a real one,
// so response times do not reveal which emails exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("autopress-dummy-password"), bcrypt.DefaultCost)

// BurnPasswordCheck spends the time of one bcrypt comparison.
func BurnPasswordCheck(pw string) { _ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw)) }

// TokenPrefix starts every API token, so leaked tokens are recognisable.
const TokenPrefix = "ap_"

// NewAPIToken mints a token: the plaintext (shown once), its SHA-256 hash
// (stored) and a short display prefix.
func NewAPIToken() (plain, hash, display string) {
	b := make([]byte, 24)
	rand.Read(b)
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain), plain[:len(TokenPrefix)+6]
}

// HashToken is how tokens are looked up.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(plain)))
	return hex.EncodeToString(sum[:])
}

// RandomPassword generates a printable password for the first admin.
func RandomPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
