package targets

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// seoPlugin is an SEO plugin's pair of post meta keys for a post's title
// and description in search results.
type seoPlugin struct {
	Name        string
	Title       string
	Description string
}

// seoPlugins are the SEO plugins whose fields the WordPress target fills.
// WordPress stores them as post meta, which the REST API takes only for
// keys registered with show_in_rest (docs/publishing.md shows how): the
// target sends a plugin's pair when the posts endpoint lists its keys.
var seoPlugins = []seoPlugin{
	{Name: "Yoast SEO", Title: "_yoast_wpseo_title", Description: "_yoast_wpseo_metadesc"},
	{Name: "Rank Math", Title: "rank_math_title", Description: "rank_math_description"},
	{Name: "SEOPress", Title: "_seopress_titles_title", Description: "_seopress_titles_desc"},
	{Name: "The SEO Framework", Title: "_genesis_title", Description: "_genesis_description"},
}

// seoFields are the SEO plugins whose meta keys the site opens to the
// REST API (both of a plugin's keys registered), in seoPlugins' order.
type seoFields []seoPlugin

// meta is the post meta that carries p's SEO title and description to
// every plugin of f (nil when f has none, or p has no SEO fields).
func (f seoFields) meta(p Post) map[string]string {
	if len(f) == 0 || (p.SEOTitle == "" && p.MetaDescription == "") {
		return nil
	}
	m := map[string]string{}
	for _, pl := range f {
		m[pl.Title], m[pl.Description] = p.SEOTitle, p.MetaDescription
	}
	return m
}

func (f seoFields) names() string {
	var out []string
	for _, pl := range f {
		out = append(out, pl.Name)
	}
	return strings.Join(out, " and ")
}

// seoFields reads which SEO plugins' meta keys the posts endpoint takes:
// its schema (OPTIONS /wp/v2/posts) lists the registered meta keys. An
// answer that is not the schema (a security plugin refusing OPTIONS) means
// none: the post is published without SEO fields rather than not at all.
// Only an unreachable WordPress is an error.
func (wp *WordPress) seoFields(ctx context.Context) (seoFields, error) {
	status, body, err := wp.send(ctx, http.MethodOptions, "/posts", nil, "", nil, nil)
	if err != nil {
		return nil, err
	}
	if !is2xx(status) {
		return nil, nil
	}
	var schema struct {
		Schema struct {
			Properties struct {
				Meta struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"meta"`
			} `json:"properties"`
		} `json:"schema"`
	}
	if json.Unmarshal(body, &schema) != nil {
		return nil, nil
	}
	registered := schema.Schema.Properties.Meta.Properties
	var out seoFields
	for _, pl := range seoPlugins {
		_, title := registered[pl.Title]
		_, desc := registered[pl.Description]
		if title && desc {
			out = append(out, pl)
		}
	}
	return out, nil
}

// checkSEO says where the SEO title and meta description will go.
func (wp *WordPress) checkSEO(ctx context.Context) (string, error) {
	f, err := wp.seoFields(ctx)
	if err != nil {
		return "", wp.reachWords(err)
	}
	if len(f) == 0 {
		return "No SEO plugin's fields are open to the REST API: the SEO title and meta description are not sent. " +
			"To send them, register the plugin's fields with show_in_rest (autopress's documentation, publishing, shows how).", nil
	}
	return fmt.Sprintf("The SEO title and meta description go to %s.", f.names()), nil
}
