// Package input parses and checks what people type or upload: the rules
// for every text field (Text) and keyword imports (pasted lines or CSV).
package input

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"autopress/db"
)

// MaxLen is the longest keyword accepted, in characters.
const MaxLen = 200

// MaxRows caps one import.
const MaxRows = 10000

// Row is one parsed, valid keyword.
type Row struct {
	Line       int
	Text       string
	Norm       string
	Volume     int
	Difficulty int
}

// NewKeyword converts a row for the store.
func (r Row) NewKeyword() db.NewKeyword {
	return db.NewKeyword{Text: r.Text, Norm: r.Norm, Volume: r.Volume, Difficulty: r.Difficulty}
}

// RowError reports why one input line was refused.
type RowError struct {
	Line    int    `json:"line"`
	Input   string `json:"input"`
	Message string `json:"error"`
}

// Result is a parsed import: the valid rows (deduplicated within the batch)
// and the per-row errors. A batch with any error should not be imported.
type Result struct {
	Rows       []Row
	Errors     []RowError
	Duplicates int // repeated within the batch

	seen map[string]bool
}

// clean collapses white space but keeps the user's casing for display.
func clean(s string) string { return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ") }

// Parse parses pasted lines and returns the full result.
func Parse(text string) Result {
	var res Result
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		res.add(i+1, line, line, "", "")
	}
	return res
}

// ParseCSV parses CSV with columns keyword, volume, difficulty (the last two
// optional). A first row whose first cell is "keyword" is a header.
func ParseCSV(r io.Reader) (Result, error) {
	var res Result
	data, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return res, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	line := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Errors = append(res.Errors, RowError{Line: pe.Line, Message: "unreadable CSV: " + pe.Err.Error()})
				continue
			}
			return res, err
		}
		if line == 1 && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "keyword") {
			continue
		}
		if len(rec) == 0 || (len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			continue
		}
		if len(rec) > 3 {
			res.Errors = append(res.Errors, RowError{Line: line, Input: strings.Join(rec, ","), Message: "too many columns (want keyword, volume, difficulty)"})
			continue
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		res.add(line, strings.Join(rec, ","), get(0), get(1), get(2))
	}
	return res, nil
}

func (res *Result) add(line int, input, text, volume, difficulty string) {
	if len(res.Rows)+len(res.Errors) >= MaxRows {
		if len(res.Errors) == 0 || res.Errors[len(res.Errors)-1].Message != tooMany {
			res.Errors = append(res.Errors, RowError{Line: line, Message: tooMany})
		}
		return
	}
	text = clean(text)
	fail := func(msg string) { res.Errors = append(res.Errors, RowError{Line: line, Input: input, Message: msg}) }
	if text == "" {
		fail("empty keyword")
		return
	}
	if err := Line(MaxLen).Check(text); err != nil {
		fail(err.Error())
		return
	}
	vol, ok := number(volume, 0, 1<<31-1)
	if !ok {
		fail(fmt.Sprintf("volume %q is not a whole number ≥ 0", volume))
		return
	}
	dif, ok := number(difficulty, 0, 100)
	if !ok {
		fail(fmt.Sprintf("difficulty %q is not a whole number from 0 to 100", difficulty))
		return
	}
	norm := db.NormalizeKeyword(text)
	if res.seen == nil {
		res.seen = map[string]bool{}
	}
	if res.seen[norm] {
		res.Duplicates++
		return
	}
	res.seen[norm] = true
	res.Rows = append(res.Rows, Row{Line: line, Text: text, Norm: norm, Volume: vol, Difficulty: dif})
}

const tooMany = "too many rows: import at most 10000 keywords at once"

func number(s string, lo, hi int) (int, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}
