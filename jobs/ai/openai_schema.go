package ai

import "slices"

// Operation names, used in errors (they match the credit operations).
const (
	opClustering = "clustering"
	opIdeas      = "idea_generation"
	opArticle    = "content_generation"
	opPrompts    = "image_prompt_extraction"
	opImage      = "image_generation"
)

// Schema names sent as response_format.json_schema.name. aitest's fake server
// answers by these names (aitest.Schema* mirror them; a test keeps them equal).
const (
	schemaClusters = "keyword_clusters"
	schemaIdeas    = "article_ideas"
	schemaArticle  = "article"
	schemaPrompts  = "image_prompts"
)

// responseFormat is a strict json_schema response format.
type responseFormat struct {
	name   string
	schema map[string]any
}

// object is a strict-mode JSON schema object: no additional properties and
// every property required, as OpenAI's structured outputs demand.
func object(props map[string]any) map[string]any {
	required := make([]string, 0, len(props))
	for k := range props {
		required = append(required, k)
	}
	slices.Sort(required)
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

func arrayOf(items any) map[string]any { return map[string]any{"type": "array", "items": items} }

func str(desc string) map[string]any {
	return map[string]any{"type": "string", "description": desc}
}

var (
	clusterFormat = responseFormat{name: schemaClusters, schema: object(map[string]any{
		"clusters": arrayOf(object(map[string]any{
			"name":        str("short topic name of the cluster, in title case"),
			"keyword_ids": arrayOf(map[string]any{"type": "integer"}),
		})),
	})}
	ideasFormat = responseFormat{name: schemaIdeas, schema: object(map[string]any{
		"ideas": arrayOf(object(map[string]any{
			"title":   str("article title"),
			"summary": str("one or two sentences on what the article covers"),
		})),
	})}
	articleFormat = responseFormat{name: schemaArticle, schema: object(map[string]any{
		"title":            str("article title, plain text"),
		"html":             str("article body as an HTML fragment: p, h2, h3, ul, ol, li, strong, em, a; no h1, no scripts, no styles"),
		"excerpt":          str("plain-text summary of about 30 words"),
		"seo_title":        str("title for search results, plain text, at most 60 characters"),
		"meta_description": str("summary for search results, plain text, at most 160 characters"),
	})}
	promptsFormat = responseFormat{name: schemaPrompts, schema: object(map[string]any{
		"prompts": arrayOf(object(map[string]any{
			"prompt": str("a detailed prompt for an image generation model"),
			"alt":    str("short alt text describing the image"),
		})),
	})}
)

// Inputs, sent as the user message.
type (
	clusterInput struct {
		Site     string                `json:"site"`
		Keywords []clusterInputKeyword `json:"keywords"`
	}
	clusterInputKeyword struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	}
	ideasInput struct {
		Site     string   `json:"site"`
		Cluster  string   `json:"cluster"`
		Keywords []string `json:"keywords"`
		Count    int      `json:"count"`
	}
	articleInput struct {
		Site             string      `json:"site"`
		Title            string      `json:"title"`
		Summary          string      `json:"summary"`
		Keywords         []string    `json:"keywords"`
		InternalLinks    []linkInput `json:"internal_links"`
		MaxInternalLinks int         `json:"max_internal_links"`
	}
	linkInput struct {
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	promptsInput struct {
		Title string `json:"title"`
		HTML  string `json:"html"`
		Max   int    `json:"max"`
	}
)

// answer is a decoded structured answer. Required top-level fields are
// pointers so that a missing one is told apart from an empty one.
type answer interface {
	missing() string
	setRaw(string)
}

// rawAnswer keeps the raw content for error excerpts after validation.
type rawAnswer struct{ raw string }

func (r *rawAnswer) setRaw(s string) { r.raw = s }

type clusterAnswer struct {
	rawAnswer
	Clusters *[]struct {
		Name       string  `json:"name"`
		KeywordIDs []int64 `json:"keyword_ids"`
	} `json:"clusters"`
}

func (a *clusterAnswer) missing() string { return missingField(a.Clusters == nil, "clusters") }

type ideasAnswer struct {
	rawAnswer
	Ideas *[]struct {
		Title   string `json:"title"`
		Summary string `json:"summary"`
	} `json:"ideas"`
}

func (a *ideasAnswer) missing() string { return missingField(a.Ideas == nil, "ideas") }

type articleAnswer struct {
	rawAnswer
	Title   *string `json:"title"`
	HTML    *string `json:"html"`
	Excerpt *string `json:"excerpt"`
	// The SEO fields may be missing (a server that does not enforce the
	// schema): they are then made from the title and the excerpt.
	SEOTitle        string `json:"seo_title"`
	MetaDescription string `json:"meta_description"`
}

func (a *articleAnswer) missing() string {
	return missingField(a.Title == nil, "title") + missingField(a.HTML == nil, "html") + missingField(a.Excerpt == nil, "excerpt")
}

type promptsAnswer struct {
	rawAnswer
	Prompts *[]struct {
		Prompt string `json:"prompt"`
		Alt    string `json:"alt"`
	} `json:"prompts"`
}

func (a *promptsAnswer) missing() string { return missingField(a.Prompts == nil, "prompts") }

func missingField(isMissing bool, name string) string {
	if isMissing {
		return " " + name
	}
	return ""
}
