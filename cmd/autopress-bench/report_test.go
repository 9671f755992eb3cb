package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1234567: "1,234,567", 302.6: "303", 5.178: "5.18", 0.1484: "0.148", -1500: "-1,500", math.NaN(): ""} {
		if got := number(v); got != want {
			t.Errorf("number(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestSortedKeys(t *testing.T) {
	got := sortedKeys(map[string]float64{"postgres/1000_due": 1, "sqlite/1000_due": 1, "postgres/none_due": 1, "sqlite/none_due": 1})
	want := []string{"sqlite/none_due", "sqlite/1000_due", "postgres/none_due", "postgres/1000_due"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestTableAndMarkdown(t *testing.T) {
	res := []result{{scenario: scenario{Name: "x", Title: "X", About: "about x"}, rows: []row{
		against("speed", 95, "/min", 100, "/min limit").goal("≥ 0.9", true).note("a | note"),
		against("share", 3, "%", 2, "% goal").goal("≤ 2 %", false),
	}}}
	tab := table(res)
	if !strings.Contains(tab, "0.950") || !strings.Contains(tab, "MISSED") {
		t.Errorf("table:\n%s", tab)
	}
	md := markdown(machineInfo{}, res, 0)
	if !strings.Contains(md, "| x | speed | 95 /min | 100 /min limit | 0.950 | ≥ 0.9 — met |") || !strings.Contains(md, "**missed**") || !strings.Contains(md, "- speed: a | note") {
		t.Errorf("markdown:\n%s", md)
	}
}
