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

// Placeholders: {topic} cluster name, {kw} and {kw2} keywords, {list} several
// keywords, {n} a number, {site} the site.
var ideaAngles = []ideaAngle{
	{title: "A beginner's guide to {topic}", summary: "Everything a newcomer needs to know about {topic}: the basics of {list}, explained step by step."},
	{title: "{n} mistakes people make with {kw}", summary: "The most common {kw} mistakes, why they happen and how readers of {site} can avoid them."},
	{title: "{kw} vs {kw2}: which is right for you?", summary: "A side-by-side look at {kw} and {kw2}, with the trade-offs that actually matter.", needsTwo: true},
	{title: "How to choose the right {kw}", summary: "A practical way to choose {kw}, from first questions to long-term value."},
	{title: "{topic}: {n} questions answered", summary: "Short, clear answers to the questions people ask most about {list}."},
	{title: "{n} expert tips for better {kw}", summary: "Tips from experienced practitioners that make {kw} simpler, cheaper and more reliable."},
	{title: "What nobody tells you about {kw}", summary: "The less obvious side of {kw}: hidden costs, surprising benefits and what to watch for."},
	{title: "The complete {kw} checklist", summary: "A checklist that covers {list}, so nothing important about {topic} is forgotten."},
}

// GenerateIdeas returns n ideas for the cluster, cycling through angles (a
// beginner's guide, common mistakes, a comparison when there are two keywords
// or more, …) and rotating through the keywords. Titles are unique.
func (l *Local) GenerateIdeas(ctx context.Context, site, cluster string, keywords []string, n int) ([]Idea, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	kws := subjects(cleanKeywords(keywords))
	topic := strings.TrimSpace(cluster)
	if topic == "" && len(kws) > 0 {
		topic = kws[0]
	}
	if topic == "" {
		topic = "this topic"
	}
	if len(kws) == 0 {
		kws = []string{strings.ToLower(topic)}
	}

	seen := map[string]bool{}
	ideas := make([]Idea, 0, n)
	for i := 0; len(ideas) < n; i++ {
		a := ideaAngles[i%len(ideaAngles)]
		if a.needsTwo && len(kws) < 2 {
			continue
		}
		r := strings.NewReplacer(
			"{topic}", topic,
			"{kw}", kws[i%len(kws)],
			"{kw2}", kws[(i+1)%len(kws)],
			"{list}", listOf(kws, 3),
			"{n}", fmt.Sprint(3+hashOf(topic, kws[i%len(kws)], a.title)%5),
			"{site}", siteName(site),
		)
		base := upperFirst(plainText(r.Replace(a.title)))
		title := base
		for k := 2; seen[strings.ToLower(title)]; k++ {
			title = fmt.Sprintf("%s (part %d)", base, k)
		}
		seen[strings.ToLower(title)] = true
		ideas = append(ideas, Idea{Title: title, Summary: upperFirst(plainText(r.Replace(a.summary)))})
	}
	return ideas, nil
}

// sectionHeadings are the h2 headings an article draws from; {kw} is the
// section's keyword and {kw2} the next one.
var sectionHeadings = []string{
	"What {kw} really means",
	"Why {kw} matters",
	"Getting started with {kw}",
	"Common mistakes with {kw}",
	"Tips to get more out of {kw}",
	"How {kw} fits together with {kw2}",
	"Choosing the right {kw}",
}

// sentences are the bank paragraphs are drawn from.
var sentences = []string{
	"{KW} is one of those subjects where a little knowledge goes a long way.",
	"Many readers of {site} first came across {kw} while looking into {topic}.",
	"The key to {kw} is to start small, measure what happens and adjust.",
	"When it comes to {kw}, the details matter more than most people expect.",
	"A common question is how {kw} relates to {kw2}; in practice the two work best together.",
	"Set aside an hour to compare your options for {kw} before you commit.",
	"Experienced people treat {kw} as a habit rather than a one-off project.",
	"Price is rarely the deciding factor for {kw}; fit and consistency matter more.",
	"If you are short on time, focus on the one part of {kw} that affects you most.",
	"Keep notes as you go: what worked for {kw} last month is a good guide for the next one.",
	"Do not be put off by the jargon around {topic}; the underlying ideas are simple.",
	"Most problems with {kw} come from skipping the basics.",
	"Ask people who already use {kw2} what they wish they had known earlier.",
	"A simple checklist makes {kw} repeatable and easier to improve.",
	"There is no single right answer for {kw}, but there are clearly wrong ones.",
	"Quality beats quantity with {kw}, especially at the start.",
}

// WriteArticle writes an intro, three to five h2 sections (more keywords, more
// sections) of paragraphs drawn from a sentence bank with the keywords woven
// in, one bullet list, and a conclusion. All text is escaped and the result
// sanitized.
func (l *Local) WriteArticle(ctx context.Context, site string, idea Idea, keywords []string) (Article, error) {
	if err := l.wait(ctx); err != nil {
		return Article{}, err
	}
	verbatim := cleanKeywords(keywords)
	kws := subjects(verbatim)
	if len(kws) == 0 {
		for _, t := range terms(plainText(idea.Title)) {
			kws = append(kws, t.word)
		}
	}
	if len(kws) == 0 {
		kws = []string{"this topic"}
	}
	topic := kws[0]
	rng := rand.New(rand.NewPCG(hashOf(site, idea.Title, idea.Summary), hashOf(kws...)))
	fill := func(s, kw, kw2 string) string {
		return html.EscapeString(strings.NewReplacer(
			"{KW}", upperFirst(kw), "{kw}", kw, "{kw2}", kw2,
			"{topic}", topic, "{site}", siteName(site), "{list}", listOf(kws, 4),
		).Replace(s))
	}
	paragraph := func(kw, kw2 string) string {
		var b strings.Builder
		for i, j := range rng.Perm(len(sentences))[:3] {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(fill(sentences[j], kw, kw2))
		}
		return "<p>" + b.String() + "</p>\n"
	}

	var b strings.Builder
	intro := strings.TrimSpace(plainText(idea.Summary))
	if intro == "" {
		intro = "This article is about " + topic + "."
	}
	if len(verbatim) > 0 {
		intro += " Below we look at " + listOf(verbatim, len(verbatim)) + " and what they mean for you in practice."
	}
	b.WriteString("<p>" + html.EscapeString(intro) + "</p>\n")
	b.WriteString(paragraph(topic, kws[min(1, len(kws)-1)]))

	n := min(max(len(kws)+1, 3), 5)
	first := int(rng.Uint64() % uint64(len(sectionHeadings)))
	listAt := rng.IntN(n)
	for s := range n {
		kw, kw2 := kws[s%len(kws)], kws[(s+1)%len(kws)]
		b.WriteString("<h2>" + fill(upperFirst(sectionHeadings[(first+s)%len(sectionHeadings)]), kw, kw2) + "</h2>\n")
		b.WriteString(paragraph(kw, kw2))
		if s == listAt {
			b.WriteString("<ul>\n")
			for i := range 3 {
				b.WriteString("<li>" + fill([]string{
					"Start with the basics of {kw}.",
					"Compare {kw} with {kw2} before deciding.",
					"Review your approach to {kw} regularly.",
				}[i], kws[(s+i)%len(kws)], kws[(s+i+1)%len(kws)]) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		}
		b.WriteString(paragraph(kw, kw2))
	}
	b.WriteString("<h2>Conclusion</h2>\n<p>" + fill(
		"{KW} rewards patience and a clear plan. Start with one step from this article, see what changes, and come back to {site} for more on {topic}.",
		topic, topic) + "</p>\n")

	return finishArticle(idea.Title, b.String(), "")
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

// listOf joins up to max items as "a, b and c".
func listOf(items []string, max int) string {
	items = items[:min(len(items), max)]
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// siteName is how the site is referred to in generated text.
func siteName(site string) string {
	if s := strings.TrimSpace(site); s != "" {
		return s
	}
	return "this site"
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
