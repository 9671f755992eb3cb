package ai

import "testing"

// BenchmarkLocalWriteArticle writes one article of the default profile
// (600–1,200 words) and one of 4,000–5,000 words with every part.
func BenchmarkLocalWriteArticle(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    Profile
	}{
		{"default", DefaultProfile()},
		{"long", Profile{Language: "de", Tone: "neutral", PointOfView: "second", MinWords: 4000, MaxWords: 5000,
			FAQ: true, TableOfContents: true, Conclusion: true, MaxLinks: 3}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			l := NewLocal(0)
			req := ArticleRequest{Idea: Idea{Title: "Espresso at home", Summary: "All about espresso."},
				Keywords: []string{"espresso machine", "burr grinder", "milk frother"},
				Links:    []Link{{Title: "Older", URL: "https://coffee.example/p/1/older/"}}}
			for b.Loop() {
				if _, err := l.WriteArticle(b.Context(), Site{Name: "Coffee", Profile: bc.p}, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
