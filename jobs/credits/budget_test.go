package credits

import (
	"math/rand/v2"
	"testing"
)

var ops = []string{"clustering", "idea_generation", "content_generation", "image_prompt_extraction", "image_generation"}
var defaults = map[string]int{"clustering": 1500, "idea_generation": 1000, "content_generation": 4000, "image_prompt_extraction": 500, "image_generation": 3000}

func TestOperationBudgets(t *testing.T) {
	custom := map[string]int{"clustering": 2000, "idea_generation": 2000, "content_generation": 2000, "image_prompt_extraction": 2000, "image_generation": 2000}
	g := OperationBudgets(ModeGlobal, custom, defaults, 1000, ops)
	if g["content_generation"] != 400 || g["clustering"] != 150 {
		t.Fatalf("global: %v", g)
	}
	c := OperationBudgets(ModeCustom, custom, defaults, 1000, ops)
	if c["content_generation"] != 200 {
		t.Fatalf("custom: %v", c)
	}
	o := OperationBudgets(ModeOff, custom, defaults, 1000, ops)
	if o["content_generation"] != Unlimited {
		t.Fatalf("off: %v", o)
	}
	// Floors: 999 × 15% = 149.85 → 149.
	if b := OperationBudgets(ModeGlobal, nil, defaults, 999, ops); b["clustering"] != 149 {
		t.Fatalf("floor: %v", b)
	}
}

func TestBudgetsNeverExceedBase(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		shares := map[string]int{}
		left := FullShare
		for j, op := range ops {
			v := left
			if j < len(ops)-1 {
				v = r.IntN(left + 1)
			}
			shares[op] = v
			left -= v
		}
		base := r.Int64N(1_000_000)
		var sum int64
		for _, b := range OperationBudgets(ModeCustom, shares, defaults, base, ops) {
			sum += b
		}
		if sum > base || sum < base-int64(len(ops)) {
			t.Fatalf("shares %v base %d: budgets sum to %d", shares, base, sum)
		}
	}
}

func TestParsePercent(t *testing.T) {
	good := map[string]int{"15": 1500, "15.5": 1550, "15.25": 1525, "0": 0, "100": 10000, "100.00": 10000, " 7.05 % ": 705, "0.01": 1}
	for in, want := range good {
		got, err := ParsePercent(in)
		if err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "15.255", "-1", "100.01", "101", "1.", ".5.5", "1.-5", "+5", "-0", "-0.5"} {
		if got, err := ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) = %d, want an error", in, got)
		}
	}
	for bp, want := range map[int]string{1500: "15", 1550: "15.5", 1525: "15.25", 0: "0", 10000: "100", 1: "0.01"} {
		if got := FormatBP(bp); got != want {
			t.Errorf("FormatBP(%d) = %q, want %q", bp, got, want)
		}
	}
}
