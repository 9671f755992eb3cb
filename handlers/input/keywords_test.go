package input

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	res := Parse("  Pour  Over Coffee \n\npour over coffee\nCold brew\r\n" + strings.Repeat("x", MaxLen+1))
	if len(res.Rows) != 2 || res.Rows[0].Text != "Pour Over Coffee" || res.Rows[0].Norm != "pour over coffee" || res.Duplicates != 1 {
		t.Fatalf("rows %+v dup %d", res.Rows, res.Duplicates)
	}
	if len(res.Errors) != 1 || res.Errors[0].Line != 5 || res.Errors[0].Message != "Use at most 200 characters." {
		t.Fatalf("errors %+v", res.Errors)
	}
}

func TestParseCSV(t *testing.T) {
	in := "\xef\xbb\xbfkeyword,volume,difficulty\ncold brew,1200,35\n,10,1\nespresso,abc,1\nlatte,10,101\nmoka pot\n\"a, b\",5\nx,1,2,3\n"
	res, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 || res.Rows[0].Volume != 1200 || res.Rows[0].Difficulty != 35 || res.Rows[2].Text != "a, b" {
		t.Fatalf("rows %+v", res.Rows)
	}
	want := map[int]string{3: "empty keyword", 4: "volume", 5: "difficulty", 8: "too many columns"}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors %+v", res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Message, want[e.Line]) {
			t.Errorf("line %d: %q, want it to mention %q", e.Line, e.Message, want[e.Line])
		}
	}
}

func TestTooManyRows(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= MaxRows; i++ {
		fmt.Fprintf(&b, "keyword %d\n", i)
	}
	res := Parse(b.String())
	if len(res.Rows) != MaxRows || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "too many rows") {
		t.Fatalf("rows %d, errors %+v", len(res.Rows), res.Errors)
	}
}

// Rows with text no field accepts are refused one by one, whatever the
// source (pasted lines or CSV cells).
func TestParseRefusesHostileText(t *testing.T) {
	in := "keyword\ncold brew\nnul\x00byte\ninvalid \xff utf-8\nrtl \u202Eoverride\nbell\x07\n"
	res, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Text != "cold brew" {
		t.Fatalf("rows %+v: want only cold brew", res.Rows)
	}
	want := map[int]string{3: "U+0000", 4: "not valid UTF-8", 5: "U+202E", 6: "U+0007"}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors %+v", res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Message, want[e.Line]) {
			t.Errorf("line %d: %q, want it to mention %q", e.Line, e.Message, want[e.Line])
		}
	}
	pasted := Parse("ok\nrtl \u2067isolate\u2069\n")
	if len(pasted.Rows) != 1 || len(pasted.Errors) != 1 || pasted.Errors[0].Line != 2 {
		t.Fatalf("pasted: rows %+v, errors %+v", pasted.Rows, pasted.Errors)
	}
}
