package credits

import (
	"fmt"
	"sort"
	"unicode"
	"unicode/utf8"

	"autopress/db"
)

// Field names of share validation errors: the same names serve the page's
// form inputs and the API's "field" in a 422 body.
const (
	// FieldMode is the budget mode (global, custom, off).
	FieldMode = "mode"
	// FieldShares is the shares as a whole: their sum.
	FieldShares = "shares"
)

// ShareField is the field name of one operation's share ("shares.clustering").
func ShareField(op string) string { return FieldShares + "." + op }

// ValidMode reports whether mode is a budget mode.
func ValidMode(mode string) bool {
	return mode == ModeGlobal || mode == ModeCustom || mode == ModeOff
}

// ValidateShares is the one rule for a site's budget split, used by the
// page and the API alike. It returns the shares in basis points and the
// errors by field (FieldMode, FieldShares, ShareField(op)); a nil error map
// means the input is valid.
//
// Only custom mode stores shares: each of the five must be a percentage
// from 0 to 100 with at most two decimals, and together they must make
// exactly 100% (10000 bp). In global and off mode the shares are ignored
// (nil, no error): the site's stored custom split stays as it is, ready for
// when the site switches back to custom.
func ValidateShares(mode string, in map[string]string) (map[string]int, map[string]string) {
	if !ValidMode(mode) {
		return nil, map[string]string{FieldMode: "Choose global, custom or off."}
	}
	if mode != ModeCustom {
		return nil, nil
	}
	shares, errs := ParseShares(in)
	if errs != nil {
		return nil, errs
	}
	if msg := SumError(SumBP(shares)); msg != "" {
		return nil, map[string]string{FieldShares: msg}
	}
	return shares, nil
}

// ParseShares parses one percentage per operation, without the sum rule
// (the live preview shows the sum of whatever parses). Every operation must
// be present; keys that are not operations are errors too. Errors are keyed
// ShareField(op); nil when everything parsed.
func ParseShares(in map[string]string) (map[string]int, map[string]string) {
	shares := make(map[string]int, len(db.Operations))
	errs := map[string]string{}
	for _, op := range db.Operations {
		s, ok := in[op]
		if !ok {
			errs[ShareField(op)] = "Missing: give every operation a share (0 is fine)."
			continue
		}
		bp, err := ParsePercent(s)
		if err != nil {
			errs[ShareField(op)] = sentence(err.Error())
			continue
		}
		shares[op] = bp
	}
	known := map[string]bool{}
	for _, op := range db.Operations {
		known[op] = true
	}
	var unknown []string
	for k := range in {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs[ShareField(k)] = fmt.Sprintf("Unknown operation %q.", k)
	}
	if len(errs) > 0 {
		return shares, errs
	}
	return shares, nil
}

// SumError is the message for shares that do not add up to exactly 100%
// ("" when they do).
func SumError(sum int) string {
	if sum == FullShare {
		return ""
	}
	return fmt.Sprintf("The shares add up to %s%%; they must add up to exactly 100%%", FormatBP(sum))
}

// sentence capitalises a message and ends it with a full stop.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[n:]
	if last, _ := utf8.DecodeLastRuneInString(s); last != '.' {
		s += "."
	}
	return s
}
