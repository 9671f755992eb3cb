package ai

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"unicode"
)

// ideaAngle is one way of looking at a topic. needsTwo angles compare two
// keywords and are skipped when the cluster has only one.
type ideaAngle struct {
	title, summary string
	needsTwo       bool
}

// GenerateIdeas returns n ideas for the cluster in the profile's language,
// cycling through angles (a beginner's guide, common mistakes, a comparison
// when there are two keywords or more, …) and rotating through the
// keywords. Titles are unique.
func (l *Local) GenerateIdeas(ctx context.Context, s Site, cluster string, keywords []string, n int) ([]Idea, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	ph := phrasesFor(s.Profile.orDefault().Language)
	kws := subjects(cleanKeywords(keywords))
	topic := strings.TrimSpace(cluster)
	if topic == "" && len(kws) > 0 {
		topic = kws[0]
	}
	if topic == "" {
		topic = ph.thisTopic
	}
	if len(kws) == 0 {
		kws = []string{strings.ToLower(topic)}
	}

	seen := map[string]bool{}
	ideas := make([]Idea, 0, n)
	for i := 0; len(ideas) < n; i++ {
		a := ph.angles[i%len(ph.angles)]
		if a.needsTwo && len(kws) < 2 {
			continue
		}
		r := strings.NewReplacer(
			"{topic}", topic,
			"{kw}", kws[i%len(kws)],
			"{kw2}", kws[(i+1)%len(kws)],
			"{list}", listOf(kws, 3, ph.and),
			"{n}", fmt.Sprint(3+hashOf(topic, kws[i%len(kws)], a.title)%5),
			"{site}", siteName(s.Name, ph),
		)
		base := upperFirst(plainText(r.Replace(a.title)))
		title := base
		for k := 2; seen[strings.ToLower(title)]; k++ {
			title = fmt.Sprintf("%s (%s %d)", base, ph.part, k)
		}
		seen[strings.ToLower(title)] = true
		ideas = append(ideas, Idea{Title: title, Summary: upperFirst(plainText(r.Replace(a.summary)))})
	}
	return ideas, nil
}

// section is one h2 section of a local article while it grows: escaped
// heading and sentences, word counts kept alongside.
type section struct {
	heading string
	paras   [][]string
	list    string // escaped <ul>, after the first paragraph ("" for none)
}

// Sections grow paragraph by paragraph: a paragraph takes up to
// sentencesPerPara sentences, a section up to parasPerSection paragraphs
// before a new section starts.
const (
	sentencesPerPara = 3
	parasPerSection  = 3
)

// WriteArticle writes, in the profile's language, an intro, h2 sections of
// paragraphs drawn from a sentence bank with the keywords woven in, one
// bullet list, a link to each of the first MaxLinks of req.Links, and, as
// the profile asks, a table of contents, an FAQ and a conclusion. Sections
// and sentences are added until the article reaches the middle of the
// profile's length range, never beyond its maximum (a sentence that would
// overshoot is swapped for one that fits), so the word count always falls
// in the range. All text is escaped and the result sanitized.
func (l *Local) WriteArticle(ctx context.Context, s Site, req ArticleRequest) (Article, error) {
	if err := l.wait(ctx); err != nil {
		return Article{}, err
	}
	p := s.Profile.orDefault()
	ph := phrasesFor(p.Language)
	idea := req.Idea
	verbatim := cleanKeywords(req.Keywords)
	kws := subjects(verbatim)
	if len(kws) == 0 {
		for _, t := range terms(plainText(idea.Title)) {
			kws = append(kws, t.word)
		}
	}
	if len(kws) == 0 {
		kws = []string{ph.thisTopic}
	}
	topic := kws[0]
	rng := rand.New(rand.NewPCG(hashOf(s.Name, p.Language, idea.Title, idea.Summary), hashOf(kws...)))
	// A replacer per keyword pair: building one costs more than using it.
	replacers := map[[2]string]*strings.Replacer{}
	fill := func(t, kw, kw2 string) string {
		r, ok := replacers[[2]string{kw, kw2}]
		if !ok {
			r = strings.NewReplacer(
				"{KW}", upperFirst(kw), "{kw}", kw, "{kw2}", kw2,
				"{topic}", topic, "{site}", siteName(s.Name, ph), "{list}", listOf(kws, 4, ph.and))
			replacers[[2]string{kw, kw2}] = r
		}
		return html.EscapeString(r.Replace(t))
	}

	// Sentences repeat (a small bank, a few keywords): count each once.
	counted := map[string]int{}
	words := func(fragment string) int {
		n, ok := counted[fragment]
		if !ok {
			n = countWords(fragment)
			counted[fragment] = n
		}
		return n
	}

	// The fixed parts: intro, links, FAQ, conclusion.
	intro := strings.TrimSpace(plainText(idea.Summary))
	if intro == "" {
		intro = strings.ReplaceAll(ph.intro, "{topic}", topic)
	}
	if len(verbatim) > 0 {
		intro += " " + strings.ReplaceAll(ph.below, "{list}", listOf(verbatim, len(verbatim), ph.and))
	}
	introHTML := "<p>" + html.EscapeString(intro) + "</p>\n"
	var links []string
	for _, ln := range req.Links[:min(max(p.MaxLinks, 0), len(req.Links))] {
		links = append(links, "<p>"+html.EscapeString(ph.seeAlso)+` <a href="`+html.EscapeString(ln.URL)+`">`+
			html.EscapeString(plainText(ln.Title))+"</a></p>\n")
	}
	var tail strings.Builder
	if p.FAQ {
		tail.WriteString("<h2>" + html.EscapeString(ph.faqHeading) + "</h2>\n")
		for _, qa := range ph.faq {
			tail.WriteString("<h3>" + fill(qa[0], topic, topic) + "</h3>\n<p>" + fill(qa[1], topic, topic) + "</p>\n")
		}
	}
	if p.Conclusion {
		tail.WriteString("<h2>" + html.EscapeString(ph.conclusionHeading) + "</h2>\n<p>" + fill(ph.conclusion, topic, topic) + "</p>\n")
	}
	total := words(introHTML) + words(strings.Join(links, "")) + words(tail.String())
	if p.TableOfContents {
		total += words(ph.contents)
	}

	// The sections, grown to the target.
	var secs []section
	firstHeading := int(rng.Uint64() % uint64(len(ph.headings)))
	addSection := func(kwAt int) int {
		kw, kw2 := kws[kwAt%len(kws)], kws[(kwAt+1)%len(kws)]
		h := fill(upperFirst(ph.headings[(firstHeading+len(secs))%len(ph.headings)]), kw, kw2)
		secs = append(secs, section{heading: h})
		n := words(h)
		if p.TableOfContents {
			n *= 2 // the heading is listed in the contents too
		}
		return n
	}
	sentence := func(si int) string {
		kw, kw2 := kws[si%len(kws)], kws[(si+1)%len(kws)]
		return fill(ph.sentences[rng.IntN(len(ph.sentences))], kw, kw2)
	}
	// addSentence adds a sentence to section si if one fits under the
	// maximum (ok false: none does).
	addSentence := func(si int) bool {
		sec := &secs[si]
		if len(sec.paras) == 0 || len(sec.paras[len(sec.paras)-1]) == sentencesPerPara {
			sec.paras = append(sec.paras, nil)
		}
		last := &sec.paras[len(sec.paras)-1]
		for range len(ph.sentences) * 2 {
			t := sentence(si)
			if c := words(t); total+c <= p.MaxWords {
				*last = append(*last, t)
				total += c
				return true
			}
		}
		if len(*last) == 0 {
			sec.paras = sec.paras[:len(sec.paras)-1]
		}
		return false
	}
	initial := min(max(len(kws)+1, 3), 5)
	for i := range initial {
		total += addSection(i)
	}
	listAt := rng.IntN(initial)
	var list strings.Builder
	list.WriteString("<ul>\n")
	for i, item := range ph.list {
		list.WriteString("<li>" + fill(item, kws[(listAt+i)%len(kws)], kws[(listAt+i+1)%len(kws)]) + "</li>\n")
	}
	list.WriteString("</ul>\n")
	if c := words(list.String()); total+c <= p.MaxWords {
		secs[listAt].list = list.String()
		total += c
	}
	target := p.MinWords + (p.MaxWords-p.MinWords)/2
	for i := 0; total < target; i++ {
		si := i % len(secs)
		if si == 0 && i > 0 && len(secs[len(secs)-1].paras) >= parasPerSection {
			// Every section is full: start a new one if its heading fits.
			save := total
			total += addSection(len(secs))
			if total > p.MaxWords || !addSentence(len(secs)-1) {
				secs, total = secs[:len(secs)-1], save
			} else {
				continue
			}
		}
		if !addSentence(si) {
			break
		}
	}

	// Assembled in reading order.
	var b strings.Builder
	b.WriteString(introHTML)
	if p.TableOfContents {
		b.WriteString("<p><strong>" + html.EscapeString(ph.contents) + "</strong></p>\n<ol>\n")
		for i, sec := range secs {
			fmt.Fprintf(&b, "<li><a href=\"#section-%d\">%s</a></li>\n", i+1, sec.heading)
		}
		b.WriteString("</ol>\n")
	}
	for i, sec := range secs {
		if p.TableOfContents {
			fmt.Fprintf(&b, "<h2 id=\"section-%d\">%s</h2>\n", i+1, sec.heading)
		} else {
			b.WriteString("<h2>" + sec.heading + "</h2>\n")
		}
		if len(sec.paras) == 0 {
			b.WriteString(sec.list)
		}
		for j, para := range sec.paras {
			b.WriteString("<p>" + strings.Join(para, " ") + "</p>\n")
			if j == 0 {
				b.WriteString(sec.list)
			}
		}
		for j := i; j < len(links); j += len(secs) {
			b.WriteString(links[j])
		}
	}
	b.WriteString(tail.String())

	excerptText := intro
	if w := strings.Fields(intro); len(w) > excerptWords {
		excerptText = strings.Join(w[:excerptWords], " ") + "…"
	}
	return finishArticle(s, req.LinkPolicy(p), draft{Title: idea.Title, HTML: b.String(), Excerpt: excerptText})
}

// cleanKeywords trims, drops empty and duplicate (case-insensitive) keywords.
func cleanKeywords(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range in {
		k = strings.Join(strings.Fields(k), " ")
		if k == "" || seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	return out
}

// listOf joins up to max items as "a, b and c" (with the language's and).
func listOf(items []string, max int, and string) string {
	items = items[:min(len(items), max)]
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + and + " " + items[len(items)-1]
}

// siteName is how the site is referred to in generated text.
func siteName(site string, ph *phrases) string {
	if s := strings.TrimSpace(site); s != "" {
		return s
	}
	return ph.thisSite
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
