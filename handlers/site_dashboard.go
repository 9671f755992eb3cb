package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// siteDashboard is a site's home: what waits in front of each pipeline stage.
func (h *app) siteDashboard(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	d, err := h.dashboard(c.Request().Context(), s)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.SiteDashboard(h.page(c, s.Name, "sites"), d))
}

// dashboard gathers the dashboard's sections; each new section is one more
// field of views.Dashboard filled here.
func (h *app) dashboard(ctx context.Context, s db.Site) (views.Dashboard, error) {
	pc, err := h.DB.Pipeline(ctx, s.ID)
	if err != nil {
		return views.Dashboard{}, err
	}
	d := views.Dashboard{Site: siteInfo(s), Stages: pipelineStages(pc), Images: pc.Images}
	for _, n := range pc.Keywords {
		d.Keywords += n
	}
	for _, st := range contentStatuses {
		d.Content = append(d.Content, views.StatusCount{Status: st, Count: pc.Content[st]})
	}
	return d, nil
}

// contentStatuses are the article statuses in the order they are reached.
var contentStatuses = []string{"draft", "review", "approved", "rejected", "scheduled", "publishing", "published", "failed"}

// pipelineStages lists the seven stages (DESIGN.md §1) with the items
// waiting in front of each.
func pipelineStages(pc db.PipelineCounts) []views.StageCount {
	return []views.StageCount{
		{Number: 1, Name: "Clustering", Input: "new keywords", Waiting: pc.Keywords[db.KeywordNew],
			Help: "Groups new keywords by topic, up to 50 per AI call. Keywords left out of every cluster three times become unclustered."},
		{Number: 2, Name: "Ideas", Input: "new clusters", Waiting: pc.Clusters["new"],
			Help: "Turns each keyword cluster into article ideas."},
		{Number: 3, Name: "Tasks", Input: "new ideas", Waiting: pc.Ideas["new"],
			Help: "Queues a writing task for each idea. Free: no AI call."},
		{Number: 4, Name: "Writing", Input: "queued tasks", Waiting: pc.Tasks["queued"],
			Help: "Writes a draft article for each queued task."},
		{Number: 5, Name: "Image prompts", Input: "draft articles", Waiting: pc.Content["draft"],
			Help: "Finds the images a new draft needs. Drafts stay drafts until their last image is done."},
		{Number: 6, Name: "Images", Input: "pending image prompts", Waiting: pc.ImagePrompts["pending"],
			Help: "Draws one image per prompt; an article moves to review when its last image is done."},
		{Number: 7, Name: "Approval", Input: "articles in review", Waiting: pc.Content["review"],
			Help: "Approves reviewed articles when auto-approval is on; otherwise they wait for a person."},
	}
}
