package ai

import (
	"fmt"
	"strings"
	"unicode"
)

// This file is the one place where a site's writing profile becomes words
// for a model: the system prompt of every chat function and the text of
// every image request, with the note of a person who asked for a new
// version. The task's data (keywords, the idea, the article) goes in the
// user message as JSON (openai_schema.go).

// systemPrompt is the system message of chat function op (opClustering,
// opIdeas, opArticle, opSEO, opPrompts) for site s.
func systemPrompt(op string, s Site) string {
	p := s.Profile.orDefault()
	lang := fmt.Sprintf("%s (%s)", LanguageName(p.Language), p.Language)
	var b strings.Builder
	line := func(format string, args ...any) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, format, args...)
	}
	switch op {
	case opClustering:
		line("You group search keywords into topical clusters for a website, so that each cluster can become a set of articles.")
		line("The user message is JSON with the site and the keywords (id and text).")
		line("Give each cluster a short descriptive name in %s and the ids of its keywords. A keyword belongs to at most one cluster; "+
			"leave out keywords that are meaningless or fit no topic. Use only ids from the input.", lang)
		audience(line, p)
	case opIdeas:
		line("You propose article ideas for a website. The user message is JSON with the site, the topic cluster, its keywords and count.")
		line("Propose exactly count distinct ideas with varied angles (guides, comparisons, lists, how-tos), each with a title and a short summary.")
		line("Write the titles and summaries in %s.", lang)
		audience(line, p)
		line("Tone: %s.", strings.ToLower(nameOf(Tones, p.Tone)))
		houseRules(line, p)
	case opArticle:
		line("You write articles for a website. The user message is JSON with the site, the title and summary of the idea, the keywords to use, " +
			"the site's published articles you may link to (internal_links) and how many of them at most (max_internal_links).")
		line("Write in %s: the title, the article, the excerpt, the SEO title and the meta description.", lang)
		audience(line, p)
		line("Tone: %s. Point of view: %s.", strings.ToLower(nameOf(Tones, p.Tone)), strings.ToLower(nameOf(PointsOfView, p.PointOfView)))
		line("Write an original, useful article of %d to %d words that uses the keywords naturally: an introduction and several sections under h2 headings.",
			p.MinWords, p.MaxWords)
		structure(line, p)
		houseRules(line, p)
		line("The html field is an HTML fragment using only p, h2, h3, ul, ol, li, strong, em and a; no h1, no scripts, no styles, no images.")
		if p.MaxLinks > 0 {
			line("You may link to at most %d of the internal_links, where they help the reader, with <a href=\"URL\"> using their exact url; "+
				"link to nothing else: any other link is removed.", p.MaxLinks)
		} else {
			line("Do not add links.")
		}
		line("seo_title: a title for search results of at most %d characters; meta_description: a summary for search results of at most %d characters.",
			MaxSEOTitle, MaxMetaDescription)
	case opSEO:
		line("You write what search results show of an article of a website: its SEO title and meta description. " +
			"The user message is JSON with the article's title, excerpt and HTML and its current seo_title and meta_description.")
		line("Write them anew in %s, as plain text: seo_title at most %d characters, meta_description at most %d characters.",
			lang, MaxSEOTitle, MaxMetaDescription)
		audience(line, p)
		line("Tone: %s.", strings.ToLower(nameOf(Tones, p.Tone)))
		houseRules(line, p)
	case opPrompts:
		line("You plan the illustrations of an article. The user message is JSON with its title, its HTML and max.")
		line("Propose at most max images that would illustrate the article's main sections, each with a detailed prompt for an image model " +
			"(subject, composition, style; no text in the image) and a short alt text.")
		line("Write the prompts in English and the alt texts in %s.", lang)
		audience(line, p)
		if avoid := p.avoidList(); len(avoid) > 0 {
			line("Never show or mention: %s.", strings.Join(avoid, "; "))
		}
	}
	return b.String()
}

// articlePrompt is the system message of WriteArticle: the profile's,
// with the length range the note asks for (Profile.ForNote), and for a
// new version of an article what the person wants changed.
func articlePrompt(s Site, req ArticleRequest) string {
	s.Profile = s.Profile.ForNote(req.Note)
	prompt := systemPrompt(opArticle, s)
	if req.Previous != nil {
		prompt += "\nThis is a new version of an article the site already has (previous in the user message): write it again from the idea, " +
			"in the same language, better where the note says."
	}
	return prompt + noteLine(req.Note)
}

// seoPrompt is the system message of WriteSEO.
func seoPrompt(s Site, note string) string {
	return systemPrompt(opSEO, s) + noteLine(note)
}

// noteLine is what the prompt says of a person's note ("" for none).
func noteLine(note string) string {
	note = strings.Join(strings.Fields(note), " ")
	if note == "" {
		return ""
	}
	return "\nThe person who asked for this version wants: " + note
}

// ForNote is the profile an article is written again with when a person
// asked for it with note: a note with the word "shorter" (or "shorten")
// halves the length range, one with "longer" (or "lengthen") doubles it,
// up to MaxArticleWords. Any other note leaves the range as it is (the
// model reads the note itself). The local provider follows the range, so
// a test can see the note reach the article; the price of the new version
// follows it too.
func (p Profile) ForNote(note string) Profile {
	p = p.orDefault()
	switch noteLength(note) {
	case -1:
		p.MinWords, p.MaxWords = p.MinWords/2, p.MaxWords/2
	case 1:
		p.MaxWords = min(p.MaxWords*2, MaxArticleWords)
		p.MinWords = min(p.MinWords*2, p.MaxWords-MinWordsSpread)
	}
	return p
}

// noteLength is -1 when note asks for a shorter text, 1 for a longer one,
// 0 otherwise (the first of those words in the note decides).
func noteLength(note string) int {
	for _, w := range strings.FieldsFunc(strings.ToLower(note), func(r rune) bool { return !unicode.IsLetter(r) }) {
		switch w {
		case "shorter", "shorten":
			return -1
		case "longer", "lengthen":
			return 1
		}
	}
	return 0
}

func audience(line func(string, ...any), p Profile) {
	if a := strings.TrimSpace(p.Audience); a != "" {
		line("The readers are: %s.", strings.TrimRight(a, "."))
	}
}

func houseRules(line func(string, ...any), p Profile) {
	if v := strings.TrimSpace(p.BrandVoice); v != "" {
		line("Brand voice and house rules:\n%s", v)
	}
	if avoid := p.avoidList(); len(avoid) > 0 {
		line("Never use these words and never make these claims: %s.", strings.Join(avoid, "; "))
	}
}

func structure(line func(string, ...any), p Profile) {
	if p.TableOfContents {
		line("After the introduction, add a table of contents: a list linking to each h2 section by its id (<h2 id=\"…\"> and <a href=\"#…\">).")
	}
	if p.FAQ {
		line("Before the end, add a section of frequently asked questions: an h2, then each question as an h3 followed by its answer.")
	}
	if p.Conclusion {
		line("End with a conclusion under its own h2.")
	} else {
		line("Do not add a conclusion section.")
	}
}

// imagePrompt is the text of an image request: the extracted prompt with
// the change a person asked for, and the style the profile asks for.
// Images carry no text, so the language does not apply to them.
func imagePrompt(s Site, ip ImagePrompt) string {
	p := s.Profile.orDefault()
	text := withNote(ip)
	var extra []string
	if a := strings.TrimSpace(p.Audience); a != "" {
		extra = append(extra, "Made for "+strings.TrimRight(a, ".")+".")
	}
	extra = append(extra, "Mood: "+strings.ToLower(nameOf(Tones, p.Tone))+".", "No text, letters or logos in the image.")
	if avoid := p.avoidList(); len(avoid) > 0 {
		extra = append(extra, "Do not show: "+strings.Join(avoid, "; ")+".")
	}
	return text + "\n" + strings.Join(extra, " ")
}

// withNote is an image's prompt with the change a person asked for
// when it is drawn again.
func withNote(ip ImagePrompt) string {
	text := strings.Join(strings.Fields(ip.Prompt), " ")
	if note := strings.Join(strings.Fields(ip.Note), " "); note != "" {
		text += " (changed as asked: " + note + ")"
	}
	return text
}
