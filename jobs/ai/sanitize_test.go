package ai

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<h2>Title</h2><p>Text <strong>bold</strong> <a href="https://example.com">link</a></p>`,
			`<h2>Title</h2><p>Text <strong>bold</strong> <a href="https://example.com" rel="nofollow">link</a></p>`},
		{`<p onclick="x()">hi</p><script>alert(1)</script>`, `<p>hi</p>`},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<iframe src="https://evil"></iframe><style>p{}</style>ok`, `ok`},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cats &amp; dogs", "Cats & dogs"},
		{"a < b", "a < b"},
		{"<b>Bold</b>  title\n", "Bold title"},
		{"&lt;script&gt;alert(1)&lt;/script&gt;Safe", "Safe"},
		{`x<img src=x onerror=alert(1)>y`, "xy"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFinishArticle(t *testing.T) {
	a, err := finishArticle("", "<h2>One two</h2><p>three "+strings.Repeat("w ", 40)+"</p>", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Untitled" || a.WordCount != 43 || !strings.HasPrefix(a.Excerpt, "One two three w") ||
		len(strings.Fields(a.Excerpt)) != excerptWords {
		t.Errorf("article %+v", a)
	}
	if _, err := finishArticle("t", "<p> </p><script>x</script>", ""); err == nil {
		t.Error("article without text: want ErrMalformed")
	}
}
