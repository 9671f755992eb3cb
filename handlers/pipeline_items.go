package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/views"
)

// Limits of the pipeline items' fields, in characters.
const (
	maxClusterName = 200
	maxIdeaTitle   = 200
	maxIdeaSummary = 2000
	maxPrompt      = 2000
	maxAlt         = 300
)

// siteItem loads the request's site and parses the item's id (the path
// parameter param).
func (h *app) siteItem(c echo.Context, param string) (db.Site, int64, error) {
	s, err := h.site(c)
	if err != nil {
		return s, 0, err
	}
	id, err := idParam(c, param)
	return s, id, err
}

// itemRequest loads the request's site and the item a form was posted for:
// its id (the path parameter param) and the version the page showed.
func (h *app) itemRequest(c echo.Context, param string) (db.Site, db.ItemRef, error) {
	s, id, err := h.siteItem(c, param)
	if err != nil {
		return s, db.ItemRef{}, err
	}
	version, err := itemVersion(c)
	return s, db.ItemRef{ID: id, Version: version}, err
}

// readFields reads a posted item form's fields, trimmed, and checks them
// against their definitions (lengths, line breaks); the first field must
// not be empty (required says what to enter).
func readFields(c echo.Context, fields []views.ItemField, required string) ([]string, map[string]string) {
	values, errs := make([]string, len(fields)), map[string]string{}
	for i, f := range fields {
		values[i] = strings.TrimSpace(c.FormValue(f.Name))
		input.Text{Max: f.Max, Multiline: f.Multiline}.CheckField(errs, f.Name, values[i])
	}
	if values[0] == "" {
		errs[fields[0].Name] = required
	}
	return values, errs
}

// itemFormPage renders an item's edit page (422 with errs).
func (h *app) itemFormPage(c echo.Context, s db.Site, f views.ItemForm, errs map[string]string) error {
	f.Site, f.Errors = siteInfo(s), errs
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.render(c, status, views.ItemFormPage(h.page(c, f.Heading+" · "+s.Name, "sites"), f))
}

// clusterForm is a cluster's edit page, with the keyword move section.
func (h *app) clusterForm(c echo.Context, s db.Site, cl db.Cluster, name string) (views.ItemForm, error) {
	ctx := c.Request().Context()
	_, kws, err := h.DB.GetCluster(ctx, s.ID, cl.ID)
	if err != nil {
		return views.ItemForm{}, err
	}
	others, err := h.DB.ClustersOf(ctx, s.ID, db.ClusterNew)
	if err != nil {
		return views.ItemForm{}, err
	}
	ck := &views.ClusterKeywords{Action: itemPath(s, "clusters", cl.ID, "/move")}
	for _, k := range kws {
		ck.Keywords = append(ck.Keywords, views.ClusterKeyword{ID: k.ID, Keyword: k.Keyword})
	}
	for _, o := range others {
		if o.ID != cl.ID {
			ck.Targets = append(ck.Targets, views.ClusterTarget{ID: o.ID, Version: o.Version, Name: o.Name})
		}
	}
	return views.ItemForm{Table: pipelineTables[0].PipelineTable, Heading: "Cluster “" + cl.Name + "”", Action: itemPath(s, "clusters", cl.ID, ""),
		Version: cl.Version, Cluster: ck, Fields: clusterFields(name)}, nil
}

// clusterFields are a cluster's editable fields.
func clusterFields(name string) []views.ItemField {
	return []views.ItemField{{Name: "name", Label: "Name", Value: name, Max: maxClusterName, Hint: "The ideas stage writes ideas for this topic."}}
}

// clusterEditPage shows a new cluster's name and keywords.
func (h *app) clusterEditPage(c echo.Context) error {
	s, id, err := h.siteItem(c, "cluster")
	if err != nil {
		return err
	}
	cl, _, err := h.DB.GetCluster(c.Request().Context(), s.ID, id)
	if err != nil {
		return err
	}
	f, err := h.clusterForm(c, s, cl, cl.Name)
	if err != nil {
		return err
	}
	return h.itemFormPage(c, s, f, nil)
}

// clusterSave renames a new cluster.
func (h *app) clusterSave(c echo.Context) error {
	s, ref, err := h.itemRequest(c, "cluster")
	if err != nil {
		return err
	}
	values, errs := readFields(c, clusterFields(""), "Enter a name.")
	name := values[0]
	if len(errs) > 0 {
		cl, _, err := h.DB.GetCluster(c.Request().Context(), s.ID, ref.ID)
		if err != nil {
			return err
		}
		cl.Version = ref.Version
		f, err := h.clusterForm(c, s, cl, name)
		if err != nil {
			return err
		}
		return h.itemFormPage(c, s, f, errs)
	}
	err = h.DB.RenameCluster(c.Request().Context(), s.ID, ref, name, h.Clock.Now())
	return h.itemDone(c, backTo(c, s, "clusters"), err, "The cluster", "Renamed the cluster to “"+name+"”.")
}

// clusterMove moves the chosen keywords of a new cluster to another one
// (to = "id:version" of the target as the page saw it).
func (h *app) clusterMove(c echo.Context) error {
	s, ref, err := h.itemRequest(c, "cluster")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("", "The form could not be read.")
	}
	var kws []int64
	for _, v := range form["keyword"] {
		k, err := strconv.ParseInt(v, 10, 64)
		if err != nil || k <= 0 {
			return badRequest("keyword", "Unknown keyword "+strconv.Quote(v)+".")
		}
		kws = append(kws, k)
	}
	var to db.ItemRef
	if _, err := fmt.Sscanf(c.FormValue("to"), "%d:%d", &to.ID, &to.Version); err != nil || to.ID <= 0 {
		return badRequest("to", "Choose the cluster to move the keywords to.")
	}
	back := itemPath(s, "clusters", ref.ID, "")
	if len(kws) == 0 {
		h.flashError(c, "Choose the keywords to move.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	err = h.DB.MoveKeywords(c.Request().Context(), s.ID, ref, to, kws, h.Clock.Now())
	if errors.Is(err, db.ErrSameCluster) {
		return badRequest("to", "The keywords are already in that cluster.")
	}
	return h.itemDone(c, back, err, "One of the clusters", fmt.Sprintf("Moved %d keyword(s).", len(kws)))
}

// ideaForm is an idea's edit page.
func ideaForm(s db.Site, i db.Idea, title, summary string) views.ItemForm {
	return views.ItemForm{Table: pipelineTables[1].PipelineTable, Heading: "Idea", Action: itemPath(s, "ideas", i.ID, ""), Version: i.Version,
		Delete: itemPath(s, "ideas", i.ID, "/delete"), Fields: ideaFields(title, summary)}
}

// ideaFields are an idea's editable fields.
func ideaFields(title, summary string) []views.ItemField {
	return []views.ItemField{
		{Name: "title", Label: "Title", Value: title, Max: maxIdeaTitle, Hint: "The writing task and the article start from it."},
		{Name: "summary", Label: "Summary", Value: summary, Max: maxIdeaSummary, Multiline: true, Hint: "What the article should cover."},
	}
}

// ideaEditPage shows a new idea's title and summary.
func (h *app) ideaEditPage(c echo.Context) error {
	s, id, err := h.siteItem(c, "idea")
	if err != nil {
		return err
	}
	i, err := h.DB.GetIdea(c.Request().Context(), s.ID, id)
	if err != nil {
		return err
	}
	return h.itemFormPage(c, s, ideaForm(s, i, i.Title, i.Summary), nil)
}

// ideaSave saves a new idea's title and summary.
func (h *app) ideaSave(c echo.Context) error {
	s, ref, err := h.itemRequest(c, "idea")
	if err != nil {
		return err
	}
	values, errs := readFields(c, ideaFields("", ""), "Enter a title.")
	title, summary := values[0], values[1]
	if len(errs) > 0 {
		return h.itemFormPage(c, s, ideaForm(s, db.Idea{ID: ref.ID, Version: ref.Version}, title, summary), errs)
	}
	err = h.DB.EditIdea(c.Request().Context(), s.ID, ref, title, summary, h.Clock.Now())
	return h.itemDone(c, backTo(c, s, "ideas"), err, "The idea", "Saved the idea “"+title+"”.")
}

// ideaDelete deletes a new idea.
func (h *app) ideaDelete(c echo.Context) error {
	s, ref, err := h.itemRequest(c, "idea")
	if err != nil {
		return err
	}
	err = h.DB.DeleteIdea(c.Request().Context(), s.ID, ref)
	return h.itemDone(c, backTo(c, s, "ideas"), err, "The idea", "Deleted the idea.")
}

// taskAction skips a queued writing task or requeues a skipped one.
func (h *app) taskAction(skip bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, ref, err := h.itemRequest(c, "task")
		if err != nil {
			return err
		}
		now := h.Clock.Now()
		if skip {
			err = h.DB.SkipTask(c.Request().Context(), s.ID, ref, now)
			return h.itemDone(c, backTo(c, s, "tasks"), err, "The task", "Skipped the task: its article will not be written.")
		}
		err = h.DB.RequeueTask(c.Request().Context(), s.ID, ref, now)
		return h.itemDone(c, backTo(c, s, "tasks"), err, "The task", "Requeued the task: the next run writes its article.")
	}
}

// promptForm is an image prompt's edit page.
func promptForm(s db.Site, p db.ImagePrompt, prompt, alt string) views.ItemForm {
	return views.ItemForm{Table: pipelineTables[3].PipelineTable, Heading: "Image prompt", Action: itemPath(s, "image-prompts", p.ID, ""),
		Version: p.Version, Fields: promptFields(prompt, alt)}
}

// promptFields are an image prompt's editable fields.
func promptFields(prompt, alt string) []views.ItemField {
	return []views.ItemField{
		{Name: "prompt", Label: "Prompt", Value: prompt, Max: maxPrompt, Multiline: true, Hint: "What the image generator is asked to draw."},
		{Name: "alt", Label: "Alt text", Value: alt, Max: maxAlt, Hint: "Describes the image for readers who cannot see it."},
	}
}

// promptEditPage shows a pending image prompt.
func (h *app) promptEditPage(c echo.Context) error {
	s, id, err := h.siteItem(c, "prompt")
	if err != nil {
		return err
	}
	p, err := h.DB.GetImagePrompt(c.Request().Context(), s.ID, id)
	if err != nil {
		return err
	}
	return h.itemFormPage(c, s, promptForm(s, p, p.Prompt, p.Alt), nil)
}

// promptSave saves a pending image prompt and its alt text.
func (h *app) promptSave(c echo.Context) error {
	s, ref, err := h.itemRequest(c, "prompt")
	if err != nil {
		return err
	}
	values, errs := readFields(c, promptFields("", ""), "Enter a prompt.")
	prompt, alt := values[0], values[1]
	if len(errs) > 0 {
		return h.itemFormPage(c, s, promptForm(s, db.ImagePrompt{ID: ref.ID, Version: ref.Version}, prompt, alt), errs)
	}
	err = h.DB.EditImagePrompt(c.Request().Context(), s.ID, ref, prompt, alt, h.Clock.Now())
	return h.itemDone(c, backTo(c, s, "image-prompts"), err, "The image prompt", "Saved the image prompt.")
}
