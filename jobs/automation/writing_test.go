package automation

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
	"autopress/jobs/ai/aitest"
	"autopress/jobs/credits"
)

// setProfile changes the site's writing profile.
func (e *env) setProfile(f func(w *db.WritingProfile)) {
	e.t.Helper()
	w, err := e.d.GetWritingProfile(e.ctx, e.site.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	f(&w)
	if errs := ProfileOf(w).Validate(); errs != nil {
		e.t.Fatalf("test profile refused: %v", errs)
	}
	if err := e.d.SaveWritingProfile(e.ctx, w, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// publish adds n published articles with public URLs to the site; it
// returns their URLs, newest first.
func (e *env) publish(n int) []string {
	e.t.Helper()
	var urls []string
	for i := range n {
		u := fmt.Sprintf("https://coffee.example.com/p/%d/old-%d/", e.site.ID, i)
		at := t0.Add(-time.Duration(n-i) * time.Hour)
		if _, err := dbtest.Exec(e.ctx, e.d, (`INSERT INTO content (site_id, title, slug, html, status, published_at, remote_url, created_at, updated_at)
			VALUES (?, ?, ?, '<p>old</p>', 'published', ?, ?, ?, ?)`), e.site.ID, fmt.Sprintf("Old article %d", i), fmt.Sprintf("old-%d", i), at, u, at, at); err != nil {
			e.t.Fatal(err)
		}
		urls = append([]string{u}, urls...)
	}
	return urls
}

var hrefs = regexp.MustCompile(`href="([^"#][^"]*)"`)

// TestRunFollowsWritingProfile runs the writing, prompt and image stages
// with the local provider: every article is in the profile's language (tag
// and fixed phrases), within its length range, with the parts it asks for,
// SEO fields and links to published articles only; the profile is the one
// the run started with, not a later edit.
func TestRunFollowsWritingProfile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.queueTasks(3)
		published := e.publish(3)
		e.config(func(c *db.AutomationConfig) { c.Stage1Enabled, c.Stage2Enabled, c.Stage3Enabled = false, false, false })
		e.setProfile(func(w *db.WritingProfile) {
			w.Language, w.MinWords, w.MaxWords, w.TableOfContents, w.FAQ, w.Conclusion, w.MaxLinks = "fr", 1600, 1900, true, true, true, 2
		})
		r := e.start()
		// An edit after the start applies to the next run.
		e.setProfile(func(w *db.WritingProfile) { w.Language, w.MinWords, w.MaxWords = "de", 300, 400 })
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted {
			t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
		}
		var rows []db.Content
		if err := d.SelectContext(e.ctx, &rows, d.Rebind(`SELECT * FROM content WHERE run_id = ? ORDER BY id`), r.ID); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d articles written, want 3", len(rows))
		}
		allowed := map[string]bool{published[0]: true, published[1]: true, published[2]: true}
		for _, c := range rows {
			if !strings.HasPrefix(c.HTML, `<div lang="fr">`) {
				t.Errorf("article %d: HTML starts %.40q", c.ID, c.HTML)
			}
			if c.WordCount < 1600 || c.WordCount > 1900 {
				t.Errorf("article %d: %d words, want 1600-1900", c.ID, c.WordCount)
			}
			for _, want := range []string{"Sommaire", "Questions fréquentes", "<h2>Conclusion</h2>", "À lire aussi"} {
				if !strings.Contains(c.HTML, want) {
					t.Errorf("article %d lacks %q", c.ID, want)
				}
			}
			links := hrefs.FindAllStringSubmatch(c.HTML, -1)
			if len(links) != 2 {
				t.Errorf("article %d: %d internal links, want 2", c.ID, len(links))
			}
			for _, l := range links {
				if !allowed[l[1]] {
					t.Errorf("article %d links to %q", c.ID, l[1])
				}
			}
			if c.SEOTitle == "" || utf8.RuneCountInString(c.SEOTitle) > ai.MaxSEOTitle ||
				c.MetaDescription == "" || utf8.RuneCountInString(c.MetaDescription) > ai.MaxMetaDescription {
				t.Errorf("article %d: SEO title %q, meta description %q", c.ID, c.SEOTitle, c.MetaDescription)
			}
		}
		// Alt texts are the article's (French) headings.
		var alts []string
		if err := d.SelectContext(e.ctx, &alts, d.Rebind(`SELECT alt FROM images WHERE site_id = ?`), e.site.ID); err != nil {
			t.Fatal(err)
		}
		if len(alts) == 0 {
			t.Fatal("no images")
		}
		for _, alt := range alts {
			found := false
			for _, c := range rows {
				found = found || strings.Contains(c.HTML, ">"+alt+"</h2>")
			}
			if !found {
				t.Errorf("alt text %q is not a heading of the articles", alt)
			}
		}
		e.assertLedger()
	})
}

// TestProfileReachesEveryPromptInARun runs the whole pipeline through the
// OpenAI provider against the fake server, which records every request:
// the profile is in the prompt of every AI function.
func TestProfileReachesEveryPromptInARun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e, fake := openAIEnv(t, d)
		published := e.publish(2)
		e.config(func(c *db.AutomationConfig) { c.MaxTasksPerRun, c.MaxImagesPerRun = 2, 2 })
		e.setProfile(func(w *db.WritingProfile) {
			w.Language, w.Tone, w.PointOfView, w.Audience = "nl", "enthusiastic", "first_singular", "thuisbaristas in Utrecht"
			w.BrandVoice, w.Avoid, w.MinWords, w.MaxWords, w.MaxLinks = "Schrijf altijd koffie met een hoofdletter? Nee.", "goedkoop", 900, 1400, 1
		})
		r := e.start()
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted {
			t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
		}
		seen := map[string]int{}
		for _, q := range fake.Requests() {
			key, text := q.Schema, q.SystemPrompt()
			if q.Path == aitest.PathImages {
				key, text = aitest.PathImages, q.ImagePrompt()
			}
			seen[key]++
			wants := []string{"thuisbaristas in Utrecht"}
			switch key {
			case aitest.PathImages:
				wants = append(wants, "enthusiastic", "goedkoop")
			case aitest.SchemaClusters:
				wants = append(wants, "Dutch (nl)")
			case aitest.SchemaIdeas:
				wants = append(wants, "Dutch (nl)", "enthusiastic", "Schrijf altijd koffie", "goedkoop")
			case aitest.SchemaArticle:
				wants = append(wants, "Dutch (nl)", "enthusiastic", "first person singular", "900 to 1400 words", "Schrijf altijd koffie", "goedkoop", "at most 1 of the internal_links")
				in, _ := json.Marshal(q.Input())
				if !strings.Contains(string(in), published[0]) || !strings.Contains(string(in), published[1]) {
					t.Errorf("article request without the published articles: %s", in)
				}
			case aitest.SchemaPrompts:
				wants = append(wants, "alt texts in Dutch", "goedkoop")
			}
			for _, w := range wants {
				if !strings.Contains(text, w) {
					t.Errorf("%s request lacks %q:\n%s", key, w, text)
				}
			}
		}
		for _, key := range []string{aitest.SchemaClusters, aitest.SchemaIdeas, aitest.SchemaArticle, aitest.SchemaPrompts, aitest.PathImages} {
			if seen[key] == 0 {
				t.Errorf("no %s request", key)
			}
		}
		// What the fake answered is stored with the profile's language
		// tag, its SEO fields and its one allowed link.
		var rows []db.Content
		if err := d.SelectContext(e.ctx, &rows, d.Rebind(`SELECT * FROM content WHERE run_id = ?`), r.ID); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%d articles", len(rows))
		}
		for _, c := range rows {
			links := hrefs.FindAllStringSubmatch(c.HTML, -1)
			if !strings.HasPrefix(c.HTML, `<div lang="nl">`) || c.SEOTitle == "" || c.MetaDescription == "" ||
				len(links) != 1 || links[0][1] != published[0] {
				t.Errorf("article %d: %.60q, SEO %q / %q, links %v", c.ID, c.HTML, c.SEOTitle, c.MetaDescription, links)
			}
		}
	})
}

// TestLongerArticlesCostMore: a profile allowing 3,200 words makes an
// article three units of content_generation; the estimate, the holds and
// the run's spend agree.
func TestLongerArticlesCostMore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.queueTasks(4)
		e.config(func(c *db.AutomationConfig) {
			c.Stage1Enabled, c.Stage2Enabled, c.Stage3Enabled = false, false, false
			c.Stage5Enabled, c.Stage6Enabled = false, false
		})
		e.setProfile(func(w *db.WritingProfile) { w.MinWords, w.MaxWords = 2000, 3200 })
		units := credits.ArticleUnits(3200)
		if units != 3 {
			t.Fatalf("units %d", units)
		}
		f, err := e.svc.Forecast(e.ctx, e.site)
		if err != nil {
			t.Fatal(err)
		}
		price := Costs(mustCosts(e))[db.OpContentGeneration]
		se := f.Estimate.Stage(4)
		if se.Cost != price*units || se.Credits != 4*price*units || f.Input.Units[db.OpContentGeneration] != units {
			t.Fatalf("estimate: %d per call, %d in all, units %v; want %d per call", se.Cost, se.Credits, f.Input.Units, price*units)
		}
		r := e.start()
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted || got.CreditsUsed != se.Credits {
			t.Fatalf("run %s spent %d, estimate %d", got.Status, got.CreditsUsed, se.Credits)
		}
		if n := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'charge' AND operation = ? AND amount = ?`,
			r.ID, db.OpContentGeneration, -price*units); n != 4 {
			t.Errorf("%d holds of %d credits, want 4", n, price*units)
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE run_id = ? AND word_count BETWEEN 2000 AND 3200`, r.ID); n != 4 {
			t.Errorf("%d of 4 articles within 2000-3200 words", n)
		}
		e.assertLedger()
	})
}

func mustCosts(e *env) []db.CreditCost {
	e.t.Helper()
	list, err := e.d.CreditCosts(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}
