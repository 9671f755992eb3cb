// Package credits holds the budget rules (docs/credits.md): how a run's
// credits are split across AI functions, and how percentages are parsed.
package credits

import (
	"fmt"
	"strconv"
	"strings"
)

// Budget modes of a site.
const (
	ModeGlobal = "global"
	ModeCustom = "custom"
	ModeOff    = "off"
)

// Unlimited marks an operation without its own budget.
const Unlimited int64 = -1

// FullShare is 100% in basis points.
const FullShare = 10000

// OperationBudgets computes each operation's budget for a run:
// floor(base × share / 10000), with the site's own shares in custom mode,
// the global defaults in global mode, and no per-operation budget when off.
func OperationBudgets(mode string, custom, defaults map[string]int, base int64, ops []string) map[string]int64 {
	out := make(map[string]int64, len(ops))
	for _, op := range ops {
		switch mode {
		case ModeOff:
			out[op] = Unlimited
		case ModeCustom:
			out[op] = base * int64(custom[op]) / FullShare
		default:
			out[op] = base * int64(defaults[op]) / FullShare
		}
	}
	return out
}

// ParsePercent parses a percentage with up to two decimals ("15", "15.5",
// "15.25") into basis points, 0–10000.
func ParsePercent(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, fmt.Errorf("enter a percentage")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("%q: use at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || strings.HasPrefix(whole, "+") || strings.HasPrefix(whole, "-") {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	f, err := strconv.Atoi(frac)
	if err != nil || strings.HasPrefix(frac, "+") || strings.HasPrefix(frac, "-") {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	bp := w*100 + f
	if bp > FullShare {
		return 0, fmt.Errorf("%s%% is more than 100%%", s)
	}
	return bp, nil
}

// FormatBP renders basis points as a percentage ("15", "15.5", "15.25").
func FormatBP(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// SumBP adds shares.
func SumBP(shares map[string]int) int {
	t := 0
	for _, v := range shares {
		t += v
	}
	return t
}
