package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// appSecretFile is where a single SQLite instance keeps the APP_SECRET it
// generated for itself.
const appSecretFile = "app_secret"

// ensureAppSecret fills cfg.AppSecret when it is empty: from
// DATA_DIR/app_secret, or by generating 32 random bytes into that file
// (mode 0600) on the first start. PostgreSQL never gets here without a
// secret (loadConfig requires one: instances must share it).
func ensureAppSecret(cfg *Config, log *slog.Logger) error {
	if cfg.AppSecret != "" {
		return nil
	}
	path := filepath.Join(cfg.DataDir, appSecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		cfg.AppSecret = strings.TrimSpace(string(b))
		if cfg.AppSecret == "" {
			return fmt.Errorf("autopress: %s is empty; delete it to generate a new secret (secrets sealed with the old one are lost) or set APP_SECRET", path)
		}
		log.Debug("APP_SECRET read from the data directory", "path", path)
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("autopress: read app secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("autopress: generate app secret: %w", err)
	}
	secret := hex.EncodeToString(raw)
	if err := writeSecretFile(path, secret+"\n"); err != nil {
		return fmt.Errorf("autopress: write app secret: %w", err)
	}
	cfg.AppSecret = secret
	log.Info("APP_SECRET not set: generated one and kept it in the data directory; back it up with the database", "path", path)
	return nil
}
