package automation

import (
	"fmt"

	"autopress/db"
	"autopress/jobs/credits"
)

// batchSize is how many items one work item of a batching stage takes: one
// AI call (clustering: keywords per call) or one transaction (free stages).
const batchSize = 50

// Stage is one step of the pipeline: the stored facts of db.Stage plus its
// behaviour (how a work item is processed, batched or one item at a time,
// how it feeds the next stage in an estimate) and its words.
//
// Every page, the API, the estimate and the executor read the table
// (Stages); adding a stage is one row here and one in db.Stages.
type Stage struct {
	db.Stage
	// Name is the stage's one name everywhere ("Writing"); Flow says what
	// it turns into what ("Tasks → articles").
	Name string
	Flow string
	// Input names what waits in front of it ("queued tasks"); Unit what its
	// per-run limit counts ("tasks").
	Input string
	Unit  string
	// Help explains it in a sentence (tooltips).
	Help string
	// Batch is how many items one work item takes (1: one at a time).
	Batch int
	// NeedsAutoApproval: the stage runs only when the site's auto-approval
	// is on as well as its own switch.
	NeedsAutoApproval bool
	// UnitsHelp says what sets the units one call is charged, where
	// unitsPerCall does ("" otherwise).
	UnitsHelp string

	// unitsPerCall is how many units of its operation one call is charged
	// under a writing profile (nil: one); a run fixes it when it starts.
	unitsPerCall func(w db.WritingProfile) int64
	// work processes one work item: the AI call outside any transaction,
	// then its commit.
	work func(x *executor, c db.ItemCommit, it workItem) error
	// label names a work item in the run's log.
	label func(ids []int64) string
	// feed moves what the stage takes in an estimate on to the stages
	// after it (nil: the next stage gets as many items as it took).
	feed func(f *flow, r ratios, taken, input int)
	// input is what the stage can take in an estimate, given what waits in
	// front of it now (nil: pending plus what the stage before fed it).
	input func(f flow, pending int) int
	// feedsPerRun is how many items the stage, capped at limit, feeds the
	// next one per run, with a note on what they are (ok false: unknown).
	feedsPerRun func(limit int, r ratios) (n int, note string, ok bool)
}

// Free reports whether the stage calls no AI and costs nothing.
func (s Stage) Free() bool { return s.Operation == "" }

// ratios are the executor's fixed fan-outs, which the estimate and the
// hints use to follow items from one stage to the next.
type ratios struct {
	IdeasPerCluster  int
	ImagesPerArticle int
}

// flow carries items from stage to stage through an estimate.
type flow struct {
	// next is what the stage just estimated feeds the one after it.
	next int
	// illustrating counts articles whose image prompts are extracted and
	// whose images are not all done; review those that reach review.
	illustrating int
	review       int
}

// Pipeline is the ordered table of stages; Stages is the one autopress
// runs. Tests may build others (a copy with one more row).
type Pipeline []Stage

// Stages is the pipeline, in order; Stages[i].Number is i+1.
var Stages = Pipeline{
	{Stage: db.Stages[0], Name: "Clustering", Flow: "Keywords → clusters", Input: "new keywords", Unit: "keywords",
		Help:  "Groups new keywords by topic, up to 50 per AI call. Keywords left out of every cluster three times become unclustered.",
		Batch: batchSize, work: (*executor).cluster,
		label: func(ids []int64) string {
			return fmt.Sprintf("Clustering a batch of %d keyword(s) (first #%d)", len(ids), ids[0])
		},
		feed: func(f *flow, _ ratios, _, _ int) { f.next = 0 }, // the clusters it makes are not known in advance
	},
	{Stage: db.Stages[1], Name: "Ideas", Flow: "Clusters → ideas", Input: "new clusters", Unit: "clusters",
		Help:  "Turns each keyword cluster into article ideas.",
		Batch: 1, work: (*executor).ideas, label: itemLabel("Ideas for cluster #%d"),
		feed: func(f *flow, r ratios, taken, _ int) { f.next = taken * max(r.IdeasPerCluster, 0) },
		feedsPerRun: func(limit int, r ratios) (int, string, bool) {
			n := limit * r.IdeasPerCluster
			return n, fmt.Sprintf("up to %d ideas", n), r.IdeasPerCluster > 0
		},
	},
	{Stage: db.Stages[2], Name: "Tasks", Flow: "Ideas → writing tasks", Input: "new ideas", Unit: "ideas",
		Help:  "Queues a writing task for each idea. Free: no AI call.",
		Batch: batchSize, label: itemLabel("Ideas from #%d"),
		work: (*executor).tasks,
	},
	{Stage: db.Stages[3], Name: "Writing", Flow: "Tasks → articles", Input: "queued tasks", Unit: "tasks",
		Help:  "Writes a draft article for each queued task.",
		Batch: 1, work: (*executor).article, label: itemLabel("Article for task #%d"),
		UnitsHelp:    fmt.Sprintf("one unit per started %d words of the writing profile's maximum length", credits.WordsPerArticleUnit),
		unitsPerCall: func(w db.WritingProfile) int64 { return credits.ArticleUnits(w.MaxWords) },
	},
	{Stage: db.Stages[4], Name: "Image prompts", Flow: "Articles → image prompts", Input: "drafts", Unit: "articles",
		Help:  "Finds the images a new draft needs. Drafts stay drafts until their last image is done.",
		Batch: 1, work: (*executor).prompts, label: itemLabel("Image prompts for article #%d"),
		feed: func(f *flow, r ratios, taken, _ int) {
			per := max(r.ImagesPerArticle, 0)
			f.next = taken * per
			if per == 0 {
				f.review += taken // no image to wait for: straight to review
			} else {
				f.illustrating += taken
			}
		},
		feedsPerRun: func(limit int, r ratios) (int, string, bool) {
			n := limit * r.ImagesPerArticle
			return n, fmt.Sprintf("%d image prompts", n), r.ImagesPerArticle > 0
		},
	},
	{Stage: db.Stages[5], Name: "Images", Flow: "Image prompts → images", Input: "image prompts", Unit: "images",
		Help:  "Draws one image per prompt; an article moves to review when its last image is done.",
		Batch: 1, work: (*executor).image, label: itemLabel("Image for prompt #%d"),
		feed: func(f *flow, r ratios, taken, input int) {
			// Taking its whole input finishes every article it was fed;
			// taking part, one article per ImagesPerArticle images is an
			// upper estimate (prompts of articles extracted together
			// interleave).
			done := f.illustrating
			if taken < input {
				done = min(f.illustrating, taken/max(r.ImagesPerArticle, 1))
			}
			f.review += done
			f.next = done
		},
		feedsPerRun: func(limit int, r ratios) (int, string, bool) {
			if r.ImagesPerArticle == 0 {
				return 0, "", false
			}
			n := limit / r.ImagesPerArticle
			return n, fmt.Sprintf("%d finished articles", n), true
		},
	},
	{Stage: db.Stages[6], Name: "Approval", Flow: "Review → approved", Input: "articles in review", Unit: "approvals",
		Help:  "Approves reviewed articles when auto-approval is on; otherwise they wait for a person.",
		Batch: batchSize, NeedsAutoApproval: true, label: itemLabel("Articles from #%d"),
		work:  (*executor).approve,
		input: func(f flow, pending int) int { return pending + f.review },
	},
}

func itemLabel(format string) func(ids []int64) string {
	return func(ids []int64) string { return fmt.Sprintf(format, ids[0]) }
}

// Numbered returns the stage with that number.
func (p Pipeline) Numbered(n int) (Stage, bool) {
	if n < 1 || n > len(p) {
		return Stage{}, false
	}
	return p[n-1], true
}

// Last is the number of the last stage.
func (p Pipeline) Last() int { return len(p) }

// NameOf is the name of stage n, or "" when there is none.
func (p Pipeline) NameOf(n int) string {
	st, _ := p.Numbered(n)
	return st.Name
}

// Runs reports whether a stage runs under a config: its switch is on and,
// where it needs it, auto-approval too.
func (s Stage) Runs(cfg db.AutomationConfig, autoApproval bool) bool {
	return s.Enabled(cfg) && (!s.NeedsAutoApproval || autoApproval)
}
