package credits

import (
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"autopress/db"
)

// split builds a share input from percentages in pipeline order.
func split(cl, idea, content, prompts, images string) map[string]string {
	return map[string]string{"clustering": cl, "idea_generation": idea, "content_generation": content,
		"image_prompt_extraction": prompts, "image_generation": images}
}

func TestValidateShares(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		in     map[string]string
		want   map[string]int    // nil: no shares returned
		errs   map[string]string // field → a substring of its message
		noErrs bool
	}{
		{name: "defaults", mode: ModeCustom, in: split("15", "10", "40", "5", "30"),
			want: map[string]int{"clustering": 1500, "idea_generation": 1000, "content_generation": 4000, "image_prompt_extraction": 500, "image_generation": 3000}, noErrs: true},
		{name: "two decimals", mode: ModeCustom, in: split("15.25", "9.75", "40", "5.5", "29.5"),
			want: map[string]int{"clustering": 1525, "idea_generation": 975, "content_generation": 4000, "image_prompt_extraction": 550, "image_generation": 2950}, noErrs: true},
		{name: "all on one", mode: ModeCustom, in: split("0", "0", "100", "0", "0"),
			want: map[string]int{"clustering": 0, "idea_generation": 0, "content_generation": 10000, "image_prompt_extraction": 0, "image_generation": 0}, noErrs: true},
		{name: "percent signs and spaces", mode: ModeCustom, in: split(" 15% ", "10", "40", "5", "30"),
			want: map[string]int{"clustering": 1500, "idea_generation": 1000, "content_generation": 4000, "image_prompt_extraction": 500, "image_generation": 3000}, noErrs: true},
		{name: "99.99", mode: ModeCustom, in: split("15", "10", "39.99", "5", "30"),
			errs: map[string]string{FieldShares: "The shares add up to 99.99%; they must add up to exactly 100%"}},
		{name: "100.01", mode: ModeCustom, in: split("15", "10", "40.01", "5", "30"),
			errs: map[string]string{FieldShares: "add up to 100.01%"}},
		{name: "three decimals", mode: ModeCustom, in: split("15.255", "10", "40", "5", "29.745"),
			errs: map[string]string{"shares.clustering": "at most two decimals", "shares.image_generation": "at most two decimals"}},
		{name: "not numbers", mode: ModeCustom, in: split("abc", "", "40", "-5", "101"),
			errs: map[string]string{"shares.clustering": "not a percentage", "shares.idea_generation": "Enter a percentage",
				"shares.image_prompt_extraction": "not a percentage", "shares.image_generation": "more than 100%"}},
		{name: "missing and unknown", mode: ModeCustom, in: map[string]string{"clustering": "100", "writing": "0"},
			errs: map[string]string{"shares.idea_generation": "Missing", "shares.content_generation": "Missing",
				"shares.image_prompt_extraction": "Missing", "shares.image_generation": "Missing", "shares.writing": "Unknown operation"}},
		{name: "bad mode", mode: "split", in: split("15", "10", "40", "5", "30"), errs: map[string]string{FieldMode: "global, custom or off"}},
		{name: "empty mode", mode: "", errs: map[string]string{FieldMode: "Choose"}},
		// Global and off ignore the shares entirely, even broken ones.
		{name: "global ignores shares", mode: ModeGlobal, in: split("abc", "10", "40", "5", "30"), noErrs: true},
		{name: "off ignores shares", mode: ModeOff, in: split("1", "1", "1", "1", "1"), noErrs: true},
		{name: "global without shares", mode: ModeGlobal, noErrs: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := ValidateShares(tc.mode, tc.in)
			if tc.noErrs {
				if errs != nil {
					t.Fatalf("errors %v, want none", errs)
				}
				if !maps.Equal(got, tc.want) {
					t.Fatalf("shares %v, want %v", got, tc.want)
				}
				return
			}
			if got != nil {
				t.Errorf("shares %v returned with errors", got)
			}
			if len(errs) != len(tc.errs) {
				t.Fatalf("errors %v, want fields %v", errs, tc.errs)
			}
			for field, want := range tc.errs {
				if !strings.Contains(errs[field], want) {
					t.Errorf("error of %s = %q, want it to contain %q", field, errs[field], want)
				}
			}
		})
	}
}

// Whatever the input, ValidateShares accepts exactly the custom splits that
// parse and sum to 10000, and every error names a known field.
func TestValidateSharesProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		in := map[string]string{}
		sum := 0
		for _, op := range db.Operations {
			bp := r.IntN(10001)
			if r.IntN(3) == 0 {
				bp = r.IntN(2500)
			}
			sum += bp
			in[op] = FormatBP(bp)
		}
		got, errs := ValidateShares(ModeCustom, in)
		if (errs == nil) != (sum == FullShare) {
			t.Fatalf("%v (sum %d): errors %v", in, sum, errs)
		}
		if errs == nil && SumBP(got) != FullShare {
			t.Fatalf("%v accepted with sum %d", in, SumBP(got))
		}
		for field := range errs {
			if field != FieldShares && !strings.HasPrefix(field, FieldShares+".") {
				t.Fatalf("unexpected error field %q", field)
			}
		}
	}
}

func TestParseSharesKeepsWhatParses(t *testing.T) {
	got, errs := ParseShares(split("15", "x", "40", "5", "30"))
	if len(errs) != 1 || errs["shares.idea_generation"] == "" {
		t.Fatalf("errors %v", errs)
	}
	if SumBP(got) != 9000 {
		t.Fatalf("parsed %v, want the four good ones (90%%)", got)
	}
}

func TestSumError(t *testing.T) {
	if SumError(FullShare) != "" {
		t.Fatal("100% refused")
	}
	for sum, want := range map[int]string{9999: "99.99%", 10001: "100.01%", 0: "add up to 0%", 5050: "50.5%"} {
		if got := SumError(sum); !strings.Contains(got, want) {
			t.Errorf("SumError(%d) = %q, want %q in it", sum, got, want)
		}
	}
}
