package handlertest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Response is a fully read response.
type Response struct {
	Status int
	Header http.Header
	Body   string

	doc    *html.Node
	parsed bool
}

// Location is the redirect target (Location, or HX-Redirect for htmx).
func (r *Response) Location() string {
	if l := r.Header.Get("Location"); l != "" {
		return l
	}
	return r.Header.Get("HX-Redirect")
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("handlertest: status %d body is not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// TestID returns the text of the first element with data-testid=id
// (white space collapsed), failing the test when there is none.
func (r *Response) TestID(t testing.TB, id string) string {
	t.Helper()
	texts := r.TestIDs(id)
	if len(texts) == 0 {
		t.Fatalf("handlertest: no data-testid=%q in the status %d page\n%s", id, r.Status, r.Body)
	}
	return texts[0]
}

// TestIDs returns the texts of every element with data-testid=id.
func (r *Response) TestIDs(id string) []string {
	var out []string
	r.walk(func(n *html.Node) {
		if attr(n, "data-testid") == id {
			out = append(out, text(n))
		}
	})
	return out
}

// Attr returns an attribute of the first element with data-testid=id, and
// whether that element has it ("checked" has the value "").
func (r *Response) Attr(id, name string) (string, bool) {
	val, found, done := "", false, false
	r.walk(func(n *html.Node) {
		if done || attr(n, "data-testid") != id {
			return
		}
		done = true
		for _, a := range n.Attr {
			if a.Key == name {
				val, found = a.Val, true
			}
		}
	})
	return val, found
}

// Has reports whether an element with data-testid=id exists.
func (r *Response) Has(id string) bool { return len(r.TestIDs(id)) > 0 }

// Meta returns the content of <meta name=name> ("" if absent).
func (r *Response) Meta(name string) string {
	out := ""
	r.walk(func(n *html.Node) {
		if out == "" && n.Data == "meta" && attr(n, "name") == name {
			out = attr(n, "content")
		}
	})
	return out
}

// FormValue returns the value of the first <input name=name>, failing the
// test when there is none.
func (r *Response) FormValue(t testing.TB, name string) string {
	t.Helper()
	found, out := false, ""
	r.walk(func(n *html.Node) {
		if !found && n.Data == "input" && attr(n, "name") == name {
			found, out = true, attr(n, "value")
		}
	})
	if !found {
		t.Fatalf("handlertest: no <input name=%q> in the status %d page\n%s", name, r.Status, r.Body)
	}
	return out
}

// Selected returns the value of the selected option of <select name=name>
// (its first option when none is marked), failing the test when there is
// no such select.
func (r *Response) Selected(t testing.TB, name string) string {
	t.Helper()
	var sel *html.Node
	r.walk(func(n *html.Node) {
		if sel == nil && n.Data == "select" && attr(n, "name") == name {
			sel = n
		}
	})
	if sel == nil {
		t.Fatalf("handlertest: no <select name=%q> in the status %d page\n%s", name, r.Status, r.Body)
	}
	first, chosen := "", ""
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "option" {
			v := attr(n, "value")
			if first == "" {
				first = v
			}
			if hasAttr(n, "selected") {
				chosen = v
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			visit(ch)
		}
	}
	visit(sel)
	if chosen == "" {
		return first
	}
	return chosen
}

// Checked reports whether <input name=name> is checked.
func (r *Response) Checked(name string) bool {
	out := false
	r.walk(func(n *html.Node) {
		if n.Data == "input" && attr(n, "name") == name && hasAttr(n, "checked") {
			out = true
		}
	})
	return out
}

// walk visits every element of an HTML body (nothing for other bodies).
func (r *Response) walk(fn func(*html.Node)) {
	if !r.parsed {
		r.parsed = true
		if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			r.doc, _ = html.Parse(strings.NewReader(r.Body))
		}
	}
	if r.doc == nil {
		return
	}
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			fn(n)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			visit(ch)
		}
	}
	visit(r.doc)
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			visit(ch)
		}
	}
	visit(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
