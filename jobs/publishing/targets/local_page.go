package targets

import (
	"html/template"
	"regexp"
	"time"
)

// bodyLang finds the language tag articles carry on their outer element.
var bodyLang = regexp.MustCompile(`^\s*<div lang="([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)">`)

// langOf is an article body's language tag, "en" when it has none.
func langOf(body string) string {
	if m := bodyLang.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return "en"
}

type localImage struct {
	Src string // relative to the page
	Alt string
}

type localPage struct {
	// Lang is the article's language tag (its body's, "en" when it has
	// none).
	Lang    string
	Title   string
	Excerpt string
	// HeadTitle and Description are the page's <title> and meta
	// description: the SEO fields, else the title and the excerpt.
	HeadTitle   string
	Description string
	Body        template.HTML // sanitized upstream
	PublishedAt time.Time
	Tags        []string
	Categories  []string
	Featured    *localImage
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.HeadTitle}}</title>
{{- with .Description}}
<meta name="description" content="{{.}}">
{{- end}}
<style>
body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 system-ui,sans-serif;color:#222}
img{max-width:100%;height:auto}
figure{margin:1.5rem 0}
.meta{color:#666;font-size:.9rem}
</style>
</head>
<body>
<article>
<header>
<h1>{{.Title}}</h1>
{{- if not .PublishedAt.IsZero}}
<p class="meta"><time datetime="{{.PublishedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.PublishedAt.Format "2 January 2006"}}</time></p>
{{- end}}
</header>
{{- with .Featured}}
<figure><img src="{{.Src}}" alt="{{.Alt}}"></figure>
{{- end}}
{{.Body}}
{{- if or .Categories .Tags}}
<footer class="meta">
{{- if .Categories}}<p>Categories: {{range $i, $c := .Categories}}{{if $i}}, {{end}}{{$c}}{{end}}</p>{{end}}
{{- if .Tags}}<p>Tags: {{range $i, $t := .Tags}}{{if $i}}, {{end}}{{$t}}{{end}}</p>{{end}}
</footer>
{{- end}}
</article>
</body>
</html>
`))
