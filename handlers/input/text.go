package input

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxLine bounds a single-line field that has no limit of its own, in
// characters.
const MaxLine = 2000

// Text is what one text field accepts. Every text a person or a client
// sends goes through Check: forms (each field, and every form value once
// more before any handler runs), the JSON API (every string of a body,
// keys included), keyword imports (each row).
type Text struct {
	// Max is the most characters (not bytes) accepted. Zero means MaxLine
	// for a single line and no limit of its own for several lines (the
	// request's size bounds them).
	Max int
	// Multiline accepts line breaks and tabs (a textarea).
	Multiline bool
}

// Line is a single-line field of at most max characters.
func Line(max int) Text { return Text{Max: max} }

// TextError says why a text was refused, in a sentence for the person
// who typed it.
type TextError struct{ msg string }

func (e *TextError) Error() string { return e.msg }

func textErr(format string, args ...any) error { return &TextError{fmt.Sprintf(format, args...)} }

// Check returns nil when s is acceptable, else a *TextError: s must be
// valid UTF-8 without NUL or other control characters (a line break or a
// tab only where Multiline), without the invisible characters that
// reorder text (bidi embeddings, overrides and isolates, which can make a
// name or a keyword read differently from what it is), and at most Max
// characters long.
func (t Text) Check(s string) error {
	if !utf8.ValidString(s) {
		return textErr("This is not valid UTF-8 text.")
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if !t.Multiline {
				return textErr("Use a single line: remove the line break.")
			}
		case r == '\t':
			if !t.Multiline {
				return textErr("Remove the tab character.")
			}
		case bidiControl(r):
			return textErr("Remove the invisible text-direction character U+%04X.", r)
		case unicode.IsControl(r):
			return textErr("Remove the invisible control character U+%04X.", r)
		}
	}
	max := t.Max
	if max == 0 && !t.Multiline {
		max = MaxLine
	}
	if max > 0 && n > max {
		return textErr("Use at most %d characters.", max)
	}
	return nil
}

// CheckField records field's message in errs when t refuses value, unless
// the field already has one: the form validators' way of using Check.
func (t Text) CheckField(errs map[string]string, field, value string) {
	if _, done := errs[field]; done {
		return
	}
	if err := t.Check(value); err != nil {
		errs[field] = err.Error()
	}
}

// bidiControl reports the explicit direction embeddings, overrides and
// isolates: U+202A–U+202E and U+2066–U+2069.
func bidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
