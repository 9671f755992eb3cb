package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// NormalizeKeyword lowercases, trims and collapses inner white space: the
// dedupe key stored as keyword_norm.
func NormalizeKeyword(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

// SeedDemoSite creates the demo site of a first start, with DemoKeywords.
func (d *DB) SeedDemoSite(ctx context.Context, accountID int64, now time.Time) (Site, error) {
	site, err := d.CreateSite(ctx, Site{AccountID: accountID, Name: "Demo: Home Coffee Blog", URL: "https://coffee.example.com", Timezone: "Europe/Berlin"}, now)
	if err != nil {
		return site, fmt.Errorf("db: demo site: %w", err)
	}
	kws := make([]NewKeyword, 0, len(DemoKeywords))
	for _, k := range DemoKeywords {
		kws = append(kws, NewKeyword{Text: k, Norm: NormalizeKeyword(k)})
	}
	if _, err := d.ImportKeywords(ctx, site.ID, kws, now); err != nil {
		return site, fmt.Errorf("db: demo keywords: %w", err)
	}
	return site, nil
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
