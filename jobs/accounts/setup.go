package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"autopress/db"
	"autopress/jobs/keywords"
)

// CreateUser validates and creates an account with its first user (and the
// signup credit grant).
func CreateUser(ctx context.Context, d *db.DB, accountName, email, password string, admin bool, now time.Time) (db.User, error) {
	email = db.NormEmail(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return db.User{}, fmt.Errorf("accounts: %q is not an email address", email)
	}
	if len(password) < MinPasswordLen {
		return db.User{}, fmt.Errorf("accounts: password must be at least %d characters", MinPasswordLen)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return db.User{}, err
	}
	if accountName == "" {
		accountName = email
	}
	u, err := d.CreateAccountWithUser(ctx, accountName, email, hash, admin, now)
	if errors.Is(err, db.ErrDuplicate) {
		return u, fmt.Errorf("accounts: a user with email %s already exists", email)
	}
	return u, err
}

// FirstStart prepares an empty instance: an instance admin with the given
// email and password (the caller generates one when none was configured and
// tells it to the operator) and a demo site with sample keywords. It does
// nothing when any user exists.
func FirstStart(ctx context.Context, d *db.DB, log *slog.Logger, adminEmail, adminPassword string, now time.Time) error {
	n, err := d.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if adminEmail == "" {
		adminEmail = "admin@example.com"
	}
	u, err := CreateUser(ctx, d, "Demo account", adminEmail, adminPassword, true, now)
	if err != nil {
		return fmt.Errorf("accounts: first admin: %w", err)
	}
	log.Info("first start: created the instance admin", "email", u.Email)
	site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Demo: Home Coffee Blog", URL: "https://coffee.example.com", Timezone: "Europe/Berlin"}, now)
	if err != nil {
		return fmt.Errorf("accounts: demo site: %w", err)
	}
	rows := keywords.Parse(strings.Join(DemoKeywords, "\n")).Rows
	kws := make([]db.NewKeyword, 0, len(rows))
	for _, r := range rows {
		kws = append(kws, r.NewKeyword())
	}
	if _, err := d.ImportKeywords(ctx, site.ID, kws, now); err != nil {
		return fmt.Errorf("accounts: demo keywords: %w", err)
	}
	log.Info("first start: created a demo site", "site_id", site.ID, "keywords", len(kws))
	return nil
}

// DemoKeywords seed the demo site: several themes, so clustering has work.
var DemoKeywords = []string{
	"pour over coffee", "pour over coffee ratio", "best pour over kettle", "pour over vs french press",
	"french press coffee", "french press grind size", "how to clean a french press", "french press cold brew",
	"cold brew coffee", "cold brew ratio", "cold brew concentrate", "how long to steep cold brew",
	"espresso machine for beginners", "espresso grind size", "espresso tamping pressure", "home espresso setup",
	"coffee grinder burr vs blade", "best coffee grinder under 100", "hand coffee grinder", "coffee grinder cleaning",
	"light roast coffee", "dark roast coffee", "medium roast vs dark roast", "how coffee roast affects caffeine",
	"coffee beans storage", "how to store coffee beans", "freezing coffee beans", "coffee beans freshness",
	"latte art basics", "milk frothing for latte", "oat milk latte", "latte vs cappuccino",
	"aeropress recipe", "aeropress inverted method", "aeropress vs pour over", "aeropress cold brew",
	"moka pot coffee", "moka pot vs espresso", "moka pot grind size", "decaf coffee process",
}
