package input

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextCheck(t *testing.T) {
	long := strings.Repeat("é", 100) // 100 characters, 200 bytes
	tests := []struct {
		name string
		text Text
		in   string
		want string // "" = accepted
	}{
		{"plain", Line(100), "Home Coffee Blog", ""},
		{"accents and emoji", Line(100), "Café ☕ Zürich 日本", ""},
		{"right-to-left script", Line(100), "مدونة القهوة", ""},
		{"length in characters", Line(100), long, ""},
		{"one character too many", Line(100), long + "e", "Use at most 100 characters."},
		{"default line limit", Text{}, strings.Repeat("a", MaxLine), ""},
		{"over the default line limit", Text{}, strings.Repeat("a", MaxLine+1), "Use at most 2000 characters."},
		{"multiline has no limit of its own", Text{Multiline: true}, strings.Repeat("a\n", MaxLine), ""},
		{"invalid UTF-8", Line(100), "caf\xe9", "This is not valid UTF-8 text."},
		{"truncated UTF-8", Line(100), "\xe2\x82", "This is not valid UTF-8 text."},
		{"NUL", Line(100), "a\x00b", "Remove the invisible control character U+0000."},
		{"bell", Line(100), "a\x07b", "Remove the invisible control character U+0007."},
		{"DEL", Line(100), "a\x7fb", "Remove the invisible control character U+007F."},
		{"C1 control", Line(100), "a\u0085b", "Remove the invisible control character U+0085."},
		{"newline in a line", Line(100), "a\nb", "Use a single line: remove the line break."},
		{"carriage return in a line", Line(100), "a\rb", "Use a single line: remove the line break."},
		{"line separator in a line", Line(100), "a\u2028b", "Use a single line: remove the line break."},
		{"tab in a line", Line(100), "a\tb", "Remove the tab character."},
		{"lines in a textarea", Text{Multiline: true}, "a\r\nb\tc\n", ""},
		{"NUL in a textarea", Text{Multiline: true}, "a\n\x00", "Remove the invisible control character U+0000."},
		{"right-to-left override", Line(100), "invoice\u202Efdp.exe", "Remove the invisible text-direction character U+202E."},
		{"left-to-right embedding", Line(100), "\u202Aabc", "Remove the invisible text-direction character U+202A."},
		{"isolate", Line(100), "a\u2066b\u2069", "Remove the invisible text-direction character U+2066."},
		{"pop isolate", Text{Multiline: true}, "a\u2069", "Remove the invisible text-direction character U+2069."},
	}
	for _, tt := range tests {
		err := tt.text.Check(tt.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: Check(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// Whatever Check accepts is valid UTF-8 without control or direction
// characters (line breaks and tabs only with Multiline), within Max.
func FuzzTextCheck(f *testing.F) {
	for _, s := range []string{"", "abc", "a\x00", "\xff", "a\u202Eb", "a\nb", "é\t"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		txt := Text{Max: 10, Multiline: multiline}
		if txt.Check(s) != nil {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 10 {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			allowed := multiline && (r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029')
			if !allowed && (r < 0x20 || (r >= 0x7f && r < 0xa0) || bidiControl(r) || r == '\u2028' || r == '\u2029') {
				t.Fatalf("accepted %q with U+%04X", s, r)
			}
		}
	})
}
