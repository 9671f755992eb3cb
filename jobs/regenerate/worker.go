package regenerate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync/atomic"

	"autopress/db"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
)

// worker works one job while it holds the job's lease.
type worker struct {
	s      *Service
	job    db.RegenJob
	ctx    context.Context
	cancel context.CancelCauseFunc
	log    *slog.Logger

	// crashed makes the worker vanish without any cleanup (tests: an
	// instance that dies between the AI call and the commit).
	crashed atomic.Bool
}

// failure is a job's end as failed, with the reason the person reads.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func failed(format string, args ...any) error { return &failure{msg: fmt.Sprintf(format, args...)} }

// run works the job, then records how it ended.
func (w *worker) run() {
	s := w.s
	defer func() {
		s.mu.Lock()
		delete(s.running, w.job.ID)
		s.mu.Unlock()
		if s.cfg.OnStop != nil {
			s.cfg.OnStop(w.job.ID)
		}
	}()
	hbDone := make(chan struct{})
	go func() { defer close(hbDone); w.heartbeat() }()
	err := w.work()
	cause := context.Cause(w.ctx)
	w.cancel(errors.New("worker finished")) // stops the heartbeat
	<-hbDone
	if w.crashed.Load() {
		return
	}
	var f *failure
	switch {
	case err == nil:
		w.log.Info("regeneration done")
	case errors.Is(cause, errShutdown):
		s.release(w.ctx, w.job.ID)
		w.log.Info("regeneration stopped for shutdown; the next executor goes on with it")
	case errors.Is(cause, errCancelled), errors.Is(err, db.ErrLeaseLost), errors.Is(cause, errLost):
		// Cancelled (its hold was refunded with the cancel) or taken over.
		w.log.Info("regeneration stopped: cancelled or taken over")
	case errors.As(err, &f):
		w.fail(f.msg)
	default:
		// The database failed us: the lease expires and the job is
		// claimed again (at most MaxClaims times).
		w.log.Error("regeneration interrupted", "err", err)
	}
}

// fail ends the job as failed with msg and refunds its hold.
func (w *worker) fail(msg string) {
	msg = shorten(msg)
	err := w.s.db.FailRegeneration(context.WithoutCancel(w.ctx), w.job, w.s.owner, msg, w.s.clock.Now())
	switch {
	case errors.Is(err, db.ErrLeaseLost):
		w.log.Info("regeneration failed, but it was cancelled or taken over meanwhile", "reason", msg)
	case err != nil:
		w.log.Error("record a failed regeneration", "reason", msg, "err", err)
	default:
		w.log.Warn("regeneration failed", "reason", msg)
	}
}

// heartbeat renews the lease every RenewEvery and stops the worker when
// the job is no longer its own (cancelled on another instance, or taken
// over after renewals failed for longer than the lease).
func (w *worker) heartbeat() {
	s := w.s
	t := s.clock.NewTicker(s.cfg.RenewEvery)
	defer t.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-t.Chan():
		}
		err := s.db.RenewRegeneration(w.ctx, w.job.ID, s.owner, s.clock.Now(), s.cfg.LeaseTTL)
		if errors.Is(err, db.ErrLeaseLost) {
			w.cancel(errLost)
			return
		}
		if err != nil && w.ctx.Err() == nil {
			w.log.Warn("renew regeneration lease", "err", err)
		}
	}
}

// work checks the job can still commit, takes its hold, makes the AI call
// and commits. A *failure ends the job as failed.
func (w *worker) work() error {
	s, j := w.s, w.job
	if j.Claims > s.cfg.MaxClaims {
		return failed("The regeneration was taken over %d times after its executor stopped; giving up.", j.Claims-1)
	}
	c, err := s.db.ContentByID(w.ctx, j.ContentID)
	if err != nil {
		return err
	}
	if c.Status == db.ContentPublishing || c.Status == db.ContentPublished {
		return failed("The article is %s: it is no longer regenerated.", c.Status)
	}
	if j.Kind != db.RegenImage && c.Version != j.BaseVersion {
		return failed("The article changed since the regeneration was asked for (someone saved it, or a run moved it on): nothing was replaced.")
	}
	site, err := s.db.SiteByID(w.ctx, j.SiteID)
	if err != nil {
		return err
	}
	wp, err := s.db.GetWritingProfile(w.ctx, j.SiteID)
	if err != nil {
		return err
	}
	brief := ai.Site{Name: site.Name, URL: site.URL, Profile: automation.ProfileOf(wp)}
	switch j.Kind {
	case db.RegenArticle:
		return w.article(c, brief)
	case db.RegenSEO:
		return w.seo(c, brief)
	case db.RegenImage:
		return w.image(c, brief)
	}
	return failed("Unknown kind of regeneration %q.", j.Kind)
}

// hold takes the job's credit hold just before its AI call (a free job
// takes none; a job taken over finds the hold of its first executor).
func (w *worker) hold() error {
	s, j := w.s, w.job
	if j.Cost <= 0 {
		return nil
	}
	if err := s.ai.Ready(w.ctx, j.Operation); err != nil {
		return err
	}
	_, err := s.db.TakeRegenerationHold(w.ctx, j, s.owner, s.clock.Now())
	if errors.Is(err, db.ErrInsufficientCredits) {
		balance := int64(0)
		if acc, aerr := s.db.AccountByID(w.ctx, j.AccountID); aerr == nil {
			balance = acc.Credits
		}
		return failed("Not enough credits: the balance is %d, the regeneration costs %d.", balance, j.Cost)
	}
	return err
}

// called turns the AI call's error into the job's end: the executor
// stopping is not the call failing.
func (w *worker) called(err error) error {
	if err == nil || w.ctx.Err() != nil {
		return err
	}
	return failed("The AI call failed: %s", err.Error())
}

// committed maps a refused commit to the job's end.
func (w *worker) committed(err error) error {
	var na *db.NotAllowedError
	switch {
	case errors.Is(err, db.ErrStale):
		return failed("The article changed while it was being regenerated (someone saved it, or a run moved it on): nothing was replaced.")
	case errors.As(err, &na):
		return failed("The article is %s: it is no longer regenerated.", na.Status)
	}
	return err
}

// article writes the article again from its idea, with the person's note
// and the current text, and commits it as a revision.
func (w *worker) article(c db.Content, brief ai.Site) error {
	s, j := w.s, w.job
	req, err := w.articleRequest(c, brief)
	if err != nil {
		return err
	}
	if err := w.hold(); err != nil {
		return err
	}
	a, err := s.ai.WriteArticle(w.ctx, brief, req)
	if err := w.called(err); err != nil {
		return err
	}
	html := ai.SanitizeArticle(a.HTML, req.LinkPolicy(brief.Profile))
	if strings.TrimSpace(html) == "" {
		return failed("The AI wrote an empty article.")
	}
	title := strings.TrimSpace(a.Title)
	if title == "" {
		title = c.Title
	}
	_, err = s.db.CommitRegeneratedArticle(w.ctx, j, s.owner, db.NewArticle{Title: title, HTML: html, Excerpt: a.Excerpt,
		SEOTitle: a.SEOTitle, MetaDescription: a.MetaDescription, WordCount: a.WordCount}, s.clock.Now())
	return w.committed(err)
}

// maxLinkCandidates caps the published articles offered as link targets,
// as the writing stage does.
const maxLinkCandidates = 50

// articleRequest is what the article is written again from: its idea
// (the article's title and excerpt when the idea is gone), its keywords,
// the link candidates, the note and the current text.
func (w *worker) articleRequest(c db.Content, brief ai.Site) (ai.ArticleRequest, error) {
	s := w.s
	idea := ai.Idea{Title: c.Title, Summary: c.Excerpt}
	if c.TaskID != nil {
		_, i, err := s.db.TaskWithIdea(w.ctx, *c.TaskID)
		switch {
		case err == nil:
			idea = ai.Idea{Title: i.Title, Summary: i.Summary}
		case !errors.Is(err, db.ErrNotFound):
			return ai.ArticleRequest{}, err
		}
	}
	req := ai.ArticleRequest{Idea: idea, Keywords: lines(c.Keywords), Note: w.job.Note,
		Previous: &ai.Article{Title: c.Title, HTML: c.HTML, Excerpt: c.Excerpt, SEOTitle: c.SEOTitle, MetaDescription: c.MetaDescription, WordCount: c.WordCount}}
	if brief.Profile.MaxLinks > 0 {
		links, err := s.db.PublishedLinks(w.ctx, c.SiteID, maxLinkCandidates)
		if err != nil {
			return req, err
		}
		for _, l := range links {
			req.Links = append(req.Links, ai.Link{Title: l.Title, URL: l.URL})
		}
	}
	return req, nil
}

// seo writes the SEO title and meta description again and commits them
// as a revision.
func (w *worker) seo(c db.Content, brief ai.Site) error {
	s, j := w.s, w.job
	if err := w.hold(); err != nil {
		return err
	}
	seo, err := s.ai.WriteSEO(w.ctx, brief, ai.Article{Title: c.Title, HTML: c.HTML, Excerpt: c.Excerpt, SEOTitle: c.SEOTitle,
		MetaDescription: c.MetaDescription, WordCount: c.WordCount}, j.Note)
	if err := w.called(err); err != nil {
		return err
	}
	_, err = s.db.CommitRegeneratedSEO(w.ctx, j, s.owner, seo.Title, seo.Description, s.clock.Now())
	return w.committed(err)
}

// image draws the image again from its prompt, the note and the job as
// the variation, and commits the new bytes under a key of the job's.
func (w *worker) image(c db.Content, brief ai.Site) error {
	s, j := w.s, w.job
	if j.ImageID == nil {
		return failed("The regeneration names no image.")
	}
	im, err := s.db.ContentImage(w.ctx, c.ID, *j.ImageID)
	if errors.Is(err, db.ErrNotFound) {
		return failed("The image is gone.")
	}
	if err != nil {
		return err
	}
	p, err := s.db.ImagePromptByID(w.ctx, im.ImagePromptID)
	if err != nil {
		return err
	}
	if p.Version != j.BaseVersion {
		return failed("The image changed since the regeneration was asked for: nothing was replaced.")
	}
	if err := w.hold(); err != nil {
		return err
	}
	img, err := s.ai.GenerateImage(w.ctx, brief, ai.ImagePrompt{Prompt: p.Prompt, Alt: im.Alt, Note: j.Note, Variation: j.ID})
	if err := w.called(err); err != nil {
		return err
	}
	if len(img.Data) == 0 {
		return failed("The AI drew an empty image.")
	}
	key := path.Join("images", fmt.Sprint(c.SiteID), fmt.Sprintf("%d-%d-r%d%s", c.ID, p.ID, j.ID, imageExt(img.Ext)))
	blob, err := s.cfg.Blobs.Put(w.ctx, key, img.Data)
	if err != nil {
		return fmt.Errorf("regenerate: store image: %w", err)
	}
	_, err = s.db.CommitRegeneratedImage(w.ctx, j, s.owner, db.NewImage{Path: key, MIME: img.MIME, Alt: im.Alt, Bytes: int64(len(img.Data)), Blob: blob}, s.clock.Now())
	return w.committed(err)
}

// imageExt keeps the extensions of image formats; anything else is .bin.
func imageExt(ext string) string {
	switch ext {
	case ".png", ".jpg", ".jpeg", ".webp", ".svg", ".gif":
		return ext
	}
	return ".bin"
}

// lines splits stored keywords, one per line.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
