package automation

import (
	"context"
	"fmt"

	"autopress/db"
	"autopress/jobs/ai"
)

// maxLinkCandidates caps the published articles offered to a model as link
// targets (the newest ones): enough choice, a bounded prompt.
const maxLinkCandidates = 50

// ProfileOf is a stored writing profile as the AI functions take it.
func ProfileOf(w db.WritingProfile) ai.Profile {
	return ai.Profile{Language: w.Language, Tone: w.Tone, PointOfView: w.PointOfView, Audience: w.Audience,
		MinWords: w.MinWords, MaxWords: w.MaxWords, BrandVoice: w.BrandVoice, Avoid: w.Avoid,
		FAQ: w.FAQ, TableOfContents: w.TableOfContents, Conclusion: w.Conclusion, MaxLinks: w.MaxLinks}
}

// brief is who a run's AI calls work for: the site and the writing profile
// the run fixed when it started. A run started before profiles existed has
// none in its snapshot and uses the site's current one.
func (s *Service) brief(ctx context.Context, site db.Site, snap Snapshot) (ai.Site, error) {
	b := ai.Site{Name: site.Name, URL: site.URL}
	if snap.Writing != nil {
		b.Profile = *snap.Writing
		return b, nil
	}
	w, err := s.db.GetWritingProfile(ctx, site.ID)
	if err != nil {
		return b, fmt.Errorf("automation: writing profile: %w", err)
	}
	b.Profile = ProfileOf(w)
	return b, nil
}

// articleRequest is what an article of the run is written from: the idea,
// its keywords and, when the profile allows internal links, the site's
// newest published articles.
func (x *executor) articleRequest(idea db.Idea) (ai.ArticleRequest, error) {
	req := ai.ArticleRequest{Idea: ai.Idea{Title: idea.Title, Summary: idea.Summary}, Keywords: splitLines(idea.Keywords)}
	if x.brief.Profile.MaxLinks <= 0 {
		return req, nil
	}
	links, err := x.s.db.PublishedLinks(x.ctx, x.run.SiteID, maxLinkCandidates)
	if err != nil {
		return req, err
	}
	for _, l := range links {
		req.Links = append(req.Links, ai.Link{Title: l.Title, URL: l.URL})
	}
	return req, nil
}
