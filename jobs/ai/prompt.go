package ai

import (
	"fmt"
	"strings"
)

// This file is the one place where a site's writing profile becomes words
// for a model: the system prompt of every chat function and the text of
// every image request. The task's data (keywords, the idea, the article)
// goes in the user message as JSON (openai_schema.go).

// systemPrompt is the system message of chat function op (opClustering,
// opIdeas, opArticle, opPrompts) for site s.
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
// the style the profile asks for. Images carry no text, so the language
// does not apply to them.
func imagePrompt(s Site, ip ImagePrompt) string {
	p := s.Profile.orDefault()
	text := strings.Join(strings.Fields(ip.Prompt), " ")
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
