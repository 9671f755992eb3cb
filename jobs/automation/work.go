package automation

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"autopress/db"
	"autopress/jobs/ai"
)

// process works one work item of stage st: the AI call outside any
// transaction, then the commit. A failure is recorded on the item (with a
// refund of its hold in the same transaction) and never stops the other
// items.
func (x *executor) process(st Stage, it workItem) {
	c := db.ItemCommit{RunID: x.run.ID, Owner: x.s.owner, SiteID: x.run.SiteID, Stage: st.Number}
	if it.hold != nil {
		c.HoldKey = it.hold.Key()
	}
	err := st.work(x, c, it)
	if err == nil {
		x.s.m.item(st.Number, "processed", it.units)
		return
	}
	if x.ctx.Err() != nil || errors.Is(err, db.ErrLeaseLost) {
		// Cancelled, shut down or lost: nothing commits; the hold is
		// refunded on cancel or reused by the run's next executor.
		_ = x.lost(err)
		return
	}
	if st.Failed == "" {
		// Items of a stage that cannot fail only fail on the database:
		// stop the executor and let the run be taken over rather than mark
		// them failed.
		x.cancel(fmt.Errorf("automation: %s batch: %w", st.Name, err))
		return
	}
	x.fail(st, c, it, err)
}

// fail records a failed attempt of an AI item.
func (x *executor) fail(st Stage, c db.ItemCommit, it workItem, cause error) {
	msg := cause.Error()
	switch {
	case errors.Is(cause, db.ErrChangedByPerson):
		msg = "changed by a person while it was being processed"
	case errors.Is(cause, db.ErrConflict):
		msg = "the item changed while it was being processed"
	}
	c.Now = x.now()
	c.HoldKey = ""
	c.Failed = it.units
	f := db.ItemFailure{Stage: st.Number, IDs: it.ids, Message: msg}
	if it.hold != nil {
		f.Refund = &db.Refund{Hold: *it.hold, Reason: "AI call failed"}
		f.Refund.Now = c.Now
	}
	c.Events = []db.Event{{Level: "error", Message: fmt.Sprintf("%s failed: %s", st.label(it.ids), msg)}}
	forGood, err := x.s.db.CommitItemFailure(x.ctx, c, f)
	if err != nil {
		_ = x.lost(err)
		return
	}
	x.s.m.item(st.Number, "failed", it.units)
	if forGood > 0 {
		x.event(db.Event{Stage: st.Number, Level: "error",
			Message: fmt.Sprintf("%d item(s) failed %d times and are now marked failed", forGood, db.MaxItemAttempts)})
	}
	x.noteError(msg)
}

// cluster is Clustering: one AI call per batch of keywords.
func (x *executor) cluster(c db.ItemCommit, it workItem) error {
	ids := it.ids
	kws, err := x.s.db.KeywordsByIDs(x.ctx, ids)
	if err != nil {
		return err
	}
	in := make([]ai.Keyword, len(kws))
	inBatch := map[int64]bool{}
	for i, k := range kws {
		in[i] = ai.Keyword{ID: k.ID, Text: k.Keyword}
		inBatch[k.ID] = true
	}
	out, err := x.s.ai.ClusterKeywords(x.ctx, x.brief, in)
	if err != nil {
		return err
	}
	// Trust nothing: ids outside the batch are dropped, each keyword joins
	// its first cluster only, empty clusters vanish.
	seen := map[int64]bool{}
	var clusters []db.NewCluster
	for _, cl := range out {
		var members []int64
		for _, id := range cl.KeywordIDs {
			if inBatch[id] && !seen[id] {
				seen[id] = true
				members = append(members, id)
			}
		}
		if len(members) > 0 {
			name := strings.TrimSpace(cl.Name)
			if name == "" {
				name = "Untitled cluster"
			}
			clusters = append(clusters, db.NewCluster{Name: name, KeywordIDs: members})
		}
	}
	var leftOut []int64
	for _, k := range kws {
		if !seen[k.ID] {
			leftOut = append(leftOut, k.ID)
		}
	}
	c.Processed, c.Skipped, c.Now = len(seen), len(leftOut), x.now()
	msg := fmt.Sprintf("Clustered %d keyword(s) into %d cluster(s)", len(seen), len(clusters))
	if len(leftOut) > 0 {
		msg += fmt.Sprintf("; %d left out stay pending (unclustered after %d tries)", len(leftOut), db.MaxItemAttempts)
	}
	c.Events = []db.Event{{Message: msg}}
	return x.s.db.CommitClustering(x.ctx, c, clusters, leftOut)
}

// ideas is Ideas: one AI call per cluster.
func (x *executor) ideas(c db.ItemCommit, it workItem) error {
	clusterID := it.ids[0]
	cl, kws, err := x.s.db.ClusterWithKeywords(x.ctx, clusterID)
	if err != nil {
		return err
	}
	n := min(x.s.cfg.IdeasPerCluster, max(1, len(kws)))
	out, err := x.s.ai.GenerateIdeas(x.ctx, x.brief, cl.Name, kws, n)
	if err != nil {
		return err
	}
	var ideas []db.NewIdea
	for _, i := range out {
		if t := strings.TrimSpace(i.Title); t != "" && len(ideas) < n {
			ideas = append(ideas, db.NewIdea{Title: t, Summary: i.Summary, Keywords: strings.Join(kws, "\n")})
		}
	}
	if len(ideas) == 0 {
		return fmt.Errorf("%w: no usable idea", ai.ErrMalformed)
	}
	c.Processed, c.Now = 1, x.now()
	c.Events = []db.Event{{Message: fmt.Sprintf("Cluster %q: %d idea(s)", cl.Name, len(ideas))}}
	return x.s.db.CommitIdeas(x.ctx, c, cl, ideas)
}

// tasks is Tasks (free): ideas become writing tasks, a batch per commit.
func (x *executor) tasks(c db.ItemCommit, it workItem) error {
	ideas, err := x.s.db.IdeasByIDs(x.ctx, it.ids)
	if err != nil {
		return err
	}
	c.Processed, c.Now = len(ideas), x.now()
	return x.s.db.CommitTasks(x.ctx, c, ideas)
}

// article is Writing: one AI call per writing task, written to the run's
// writing profile with the site's published articles as link targets.
func (x *executor) article(c db.ItemCommit, it workItem) error {
	taskID := it.ids[0]
	t, idea, err := x.s.db.TaskWithIdea(x.ctx, taskID)
	if err != nil {
		return err
	}
	req, err := x.articleRequest(idea)
	if err != nil {
		return err
	}
	a, err := x.s.ai.WriteArticle(x.ctx, x.brief, req)
	if err != nil {
		return err
	}
	html := ai.SanitizeArticle(a.HTML, req.LinkPolicy(x.brief.Profile))
	if strings.TrimSpace(html) == "" {
		return fmt.Errorf("%w: empty article", ai.ErrMalformed)
	}
	title := strings.TrimSpace(a.Title)
	if title == "" {
		title = t.Title
	}
	c.Processed, c.Now = 1, x.now()
	c.Events = []db.Event{{Message: fmt.Sprintf("Wrote %q (%d words)", title, a.WordCount)}}
	_, err = x.s.db.CommitArticle(x.ctx, c, t, db.NewArticle{Title: title, Slug: Slugify(title), HTML: html,
		Excerpt: a.Excerpt, SEOTitle: a.SEOTitle, MetaDescription: a.MetaDescription, Keywords: idea.Keywords, WordCount: a.WordCount})
	return err
}

// prompts is Image prompts: one AI call per article.
func (x *executor) prompts(c db.ItemCommit, it workItem) error {
	contentID := it.ids[0]
	content, err := x.s.db.ContentByID(x.ctx, contentID)
	if err != nil {
		return err
	}
	out, err := x.s.ai.ExtractImagePrompts(x.ctx, x.brief, ai.Article{Title: content.Title, HTML: content.HTML, Excerpt: content.Excerpt, WordCount: content.WordCount}, x.s.cfg.ImagesPerArticle)
	if err != nil {
		return err
	}
	var ps []db.NewPrompt
	for _, p := range out {
		if t := strings.TrimSpace(p.Prompt); t != "" && len(ps) < x.s.cfg.ImagesPerArticle {
			ps = append(ps, db.NewPrompt{Prompt: t, Alt: p.Alt})
		}
	}
	c.Processed, c.Now = 1, x.now()
	c.Events = []db.Event{{Message: fmt.Sprintf("Article #%d: %d image prompt(s)", contentID, len(ps))}}
	return x.s.db.CommitImagePrompts(x.ctx, c, content, ps)
}

// image is Images: one AI call per prompt. The bytes go to the blob store
// under a key fixed by the prompt (a retry overwrites them); the database's
// store writes them in the item's commit.
func (x *executor) image(c db.ItemCommit, it workItem) error {
	promptID := it.ids[0]
	p, err := x.s.db.ImagePromptByID(x.ctx, promptID)
	if err != nil {
		return err
	}
	img, err := x.s.ai.GenerateImage(x.ctx, x.brief, ai.ImagePrompt{Prompt: p.Prompt, Alt: p.Alt})
	if err != nil {
		return err
	}
	if len(img.Data) == 0 {
		return fmt.Errorf("%w: empty image", ai.ErrMalformed)
	}
	key := path.Join("images", fmt.Sprint(x.run.SiteID), fmt.Sprintf("%d-%d%s", p.ContentID, p.ID, safeExt(img.Ext)))
	blob, err := x.s.cfg.Blobs.Put(x.ctx, key, img.Data)
	if err != nil {
		return fmt.Errorf("automation: store image: %w", err)
	}
	c.Processed, c.Now = 1, x.now()
	return x.s.db.CommitImage(x.ctx, c, p, db.NewImage{Path: key, MIME: img.MIME, Alt: p.Alt, Bytes: int64(len(img.Data)), Blob: blob})
}

// approve is Approval (free): articles in review are approved, a batch per
// commit.
func (x *executor) approve(c db.ItemCommit, it workItem) error {
	c.Processed = len(it.ids)
	c.Now = x.now()
	return x.s.db.CommitApprovals(x.ctx, c, it.ids)
}

func safeExt(ext string) string {
	switch ext {
	case ".png", ".jpg", ".jpeg", ".webp", ".svg", ".gif":
		return ext
	}
	return ".bin"
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify makes a URL slug from a title: lowercase ASCII letters, digits and
// hyphens, at most 80 characters.
func Slugify(title string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		s = "article"
	}
	return s
}
