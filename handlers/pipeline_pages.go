package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// pipelinePerPage is the pipeline lists' page size.
const pipelinePerPage = 50

// pipelineTable is one pipeline table's page: its table in db, its words
// and how a page of its rows is read.
type pipelineTable struct {
	views.PipelineTable
	dbTable string
	help    string
	rows    func(h *app, ctx context.Context, s db.Site, f db.ItemFilter) ([]views.PipelineRow, error)
}

// pipelineTables are the pages of the pipeline's tables, in pipeline order.
var pipelineTables = []pipelineTable{
	{PipelineTable: views.PipelineTables[0], dbTable: "clusters", rows: clusterRows,
		help: "Keyword clusters wait here for their ideas. Before that, rename a new cluster or move its keywords to another one."},
	{PipelineTable: views.PipelineTables[1], dbTable: "ideas", rows: ideaRows,
		help: "Article ideas wait here to become writing tasks. Edit or delete a new idea before it is queued: deleting is the cheap way to write fewer articles."},
	{PipelineTable: views.PipelineTables[2], dbTable: "tasks", rows: taskRows,
		help: "Writing tasks wait here for their article, the expensive stage. Skip a queued task to have it never written; requeue it to change your mind."},
	{PipelineTable: views.PipelineTables[3], dbTable: "image_prompts", rows: promptRows,
		help: "The images an article needs. Edit a pending prompt (and its alt text) before its image is drawn."},
}

// pipelineList shows one pipeline table: status tabs with counts and a
// paged list (?status=&page=) with the actions each item's status allows.
func (h *app) pipelineList(t pipelineTable) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, err := h.site(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		statuses := db.StatusesOf(t.dbTable)
		status := c.QueryParam("status")
		if status != "" && !slices.Contains(statuses, status) {
			return badRequest("status", "Unknown status "+strconv.Quote(status)+".")
		}
		pc, err := h.DB.Pipeline(ctx, s.ID)
		if err != nil {
			return err
		}
		counts := map[string]db.StatusCounts{"clusters": pc.Clusters, "ideas": pc.Ideas, "tasks": pc.Tasks, "image_prompts": pc.ImagePrompts}[t.dbTable]
		k := views.PipelinePage{Site: siteInfo(s), Location: s.Location(), Table: t.PipelineTable, Help: t.help, Status: status}
		all := 0
		for _, st := range statuses {
			all += counts[st]
		}
		k.Tabs = append(k.Tabs, views.StatusTab{Label: "all", Count: all})
		for _, st := range statuses {
			k.Tabs = append(k.Tabs, views.StatusTab{Status: st, Label: st, Count: counts[st]})
		}
		k.Total = all
		if status != "" {
			k.Total = counts[status]
		}
		page, _ := strconv.Atoi(c.QueryParam("page"))
		k.Pages = max(1, (k.Total+pipelinePerPage-1)/pipelinePerPage)
		k.Page = min(max(page, 1), k.Pages)
		k.Rows, err = t.rows(h, ctx, s, db.ItemFilter{SiteID: s.ID, Status: status, Limit: pipelinePerPage, Offset: (k.Page - 1) * pipelinePerPage})
		if err != nil {
			return err
		}
		p := h.page(c, t.Label+" · "+s.Name, "sites")
		return h.renderPage(c, http.StatusOK, views.PipelineTablesPage(p, k), views.PipelineTablesList(p.CSRF, k))
	}
}

func itemPath(s db.Site, table string, id int64, rest string) string {
	return fmt.Sprintf("/sites/%d/%s/%d%s", s.ID, table, id, rest)
}

func clusterRows(h *app, ctx context.Context, s db.Site, f db.ItemFilter) ([]views.PipelineRow, error) {
	list, _, err := h.DB.ListClusters(ctx, f)
	var out []views.PipelineRow
	for _, c := range list {
		r := views.PipelineRow{ID: c.ID, Version: c.Version, Title: c.Name, Detail: fmt.Sprintf("%d keyword(s)", c.Keywords),
			Status: c.Status, Error: c.LastError, CreatedAt: c.CreatedAt}
		if c.Status == db.ClusterNew {
			r.EditURL = itemPath(s, "clusters", c.ID, "")
		}
		out = append(out, r)
	}
	return out, err
}

func ideaRows(h *app, ctx context.Context, s db.Site, f db.ItemFilter) ([]views.PipelineRow, error) {
	list, _, err := h.DB.ListIdeas(ctx, f)
	var out []views.PipelineRow
	for _, i := range list {
		r := views.PipelineRow{ID: i.ID, Version: i.Version, Title: i.Title, Detail: i.Summary, Status: i.Status, CreatedAt: i.CreatedAt}
		if i.ClusterName != nil {
			r.Context = "Cluster: " + *i.ClusterName
		}
		if i.Status == db.IdeaNew {
			r.EditURL = itemPath(s, "ideas", i.ID, "")
			r.Actions = []views.ItemAction{{Label: "Delete", Path: itemPath(s, "ideas", i.ID, "/delete"), Name: "delete",
				Confirm: "Delete the idea “" + i.Title + "”? No article will be written from it."}}
		}
		out = append(out, r)
	}
	return out, err
}

func taskRows(h *app, ctx context.Context, s db.Site, f db.ItemFilter) ([]views.PipelineRow, error) {
	list, _, err := h.DB.ListTasks(ctx, f)
	var out []views.PipelineRow
	for _, t := range list {
		r := views.PipelineRow{ID: t.ID, Version: t.Version, Title: t.Title, Status: t.Status, Error: t.LastError, CreatedAt: t.CreatedAt}
		if t.ContentID != nil {
			r.Context, r.ContextURL = "Its article", fmt.Sprintf("/content/%d", *t.ContentID)
		}
		switch t.Status {
		case db.TaskQueued:
			r.Actions = []views.ItemAction{{Label: "Skip", Path: itemPath(s, "tasks", t.ID, "/skip"), Name: "skip"}}
		case db.TaskSkipped:
			r.Actions = []views.ItemAction{{Label: "Requeue", Path: itemPath(s, "tasks", t.ID, "/requeue"), Name: "requeue"}}
		}
		out = append(out, r)
	}
	return out, err
}

func promptRows(h *app, ctx context.Context, s db.Site, f db.ItemFilter) ([]views.PipelineRow, error) {
	list, _, err := h.DB.ListImagePrompts(ctx, f)
	var out []views.PipelineRow
	for _, p := range list {
		r := views.PipelineRow{ID: p.ID, Version: p.Version, Title: p.Prompt, Detail: "Alt text: " + p.Alt, Status: p.Status,
			Error: p.LastError, CreatedAt: p.CreatedAt, Context: "Article: " + p.ArticleTitle, ContextURL: fmt.Sprintf("/content/%d", p.ContentID)}
		if p.Status == db.PromptPending {
			r.EditURL = itemPath(s, "image-prompts", p.ID, "")
		}
		out = append(out, r)
	}
	return out, err
}

// itemVersion reads the version a form was loaded at.
func itemVersion(c echo.Context) (int64, error) {
	v, err := strconv.ParseInt(c.FormValue("version"), 10, 64)
	if err != nil || v < 0 {
		return 0, badRequest("version", "The form lacks the version it was loaded at: reload the page.")
	}
	return v, nil
}

// itemRefused is the message for a person's change the database refused
// because the item moved on (ok false: another error).
func itemRefused(err error, what string) (string, bool) {
	var na *db.NotAllowedError
	switch {
	case errors.Is(err, db.ErrStale):
		return fmt.Sprintf("%s changed since you opened it (a run may have taken it, or someone else edited it): nothing was saved. Look again.", what), true
	case errors.As(err, &na):
		return fmt.Sprintf("Cannot %s %s: it is %s now.", na.Want, strings.ToLower(what[:1])+what[1:], na.Status), true
	}
	return "", false
}

// backTo is the form's back field (a local path), or the table's list.
func backTo(c echo.Context, s db.Site, table string) string {
	if back := localPath(c.FormValue("back")); back != "" {
		return back
	}
	return fmt.Sprintf("/sites/%d/%s", s.ID, table)
}

// itemDone redirects to back after a person's change of an item, with the
// message, or the refusal when the database refused the change.
func (h *app) itemDone(c echo.Context, back string, err error, what, done string) error {
	if msg, ok := itemRefused(err, what); ok {
		h.flashError(c, msg)
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	h.flash(c, done)
	return c.Redirect(http.StatusSeeOther, back)
}
