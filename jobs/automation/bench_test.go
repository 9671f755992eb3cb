package automation

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
	"autopress/jobs/ai/aitest"
)

// BenchmarkDemoRun runs the whole pipeline for the demo site's 40 keywords
// (≈ 170 items: clusters, ideas, tasks, articles, prompts, images,
// approvals) with the local provider answering images with one ready
// PNG (readyImages), on SQLite and, when TEST_DATABASE_URL is set,
// PostgreSQL. It measures the executor and the database, not an AI
// service nor the local provider's drawing.
func BenchmarkDemoRun(b *testing.B) {
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.New(b, dialect)
			svc := New(d, readyImages{ai.NewLocal(0)}, clockwork.NewFakeClockAt(t0), quiet, Config{})
			var kws []db.NewKeyword
			for _, k := range db.DemoKeywords {
				kws = append(kws, db.NewKeyword{Text: k, Norm: k})
			}
			benchRuns(b, d, svc, func(site db.Site) {
				if _, err := d.ImportKeywords(context.Background(), site.ID, kws, t0); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkClusteringBigSite clusters the 20,000 new keywords of a site
// of 50,000 (dbtest.SeedLarge: the rest clustered, left out or failed),
// stage 1 alone, with the local provider answering at once: what a stage
// costs per item when its pending list is long and its run takes
// thousands of items. Each iteration is a fresh site.
func BenchmarkClusteringBigSite(b *testing.B) {
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.New(b, dialect)
			svc := New(d, ai.NewLocal(0), clockwork.NewFakeClockAt(t0), quiet, Config{})
			benchRuns(b, d, svc, func(site db.Site) {
				ctx := context.Background()
				dbtest.SeedLargeSite(b, d, site.ID, dbtest.LargeSite{Keywords: 50000}, t0)
				c, err := d.GetAutomationConfig(ctx, site.ID)
				if err != nil {
					b.Fatal(err)
				}
				c.Stage2Enabled, c.Stage3Enabled, c.Stage4Enabled, c.Stage5Enabled, c.Stage6Enabled, c.Stage7Enabled = false, false, false, false, false, false
				c.MaxKeywordsPerRun = 0
				if err := d.SaveAutomationConfig(ctx, c, t0); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// benchRuns times b.N whole runs, each of a fresh site that prepare fills
// (untimed), and reports the items processed (every stage) per second.
func benchRuns(b *testing.B, d *db.DB, svc *Service, prepare func(site db.Site)) {
	ctx := context.Background()
	items := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		u, err := d.CreateAccountWithUser(ctx, "Bench", fmt.Sprintf("b%d@example.com", i), "x", false, t0)
		if err != nil {
			b.Fatal(err)
		}
		site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Bench", URL: "https://b.example.com", Timezone: "UTC"}, t0)
		if err != nil {
			b.Fatal(err)
		}
		prepare(site)
		b.StartTimer()
		r, err := svc.Start(ctx, site, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := svc.Execute(ctx, r.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rs, _ := d.StageResults(ctx, r.ID)
		for _, s := range rs {
			items += s.Processed
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}

// readyImages is the local provider with every image the same small PNG,
// as a provider's answer arrives ready-made.
type readyImages struct{ *ai.Local }

func (readyImages) GenerateImage(context.Context, ai.Site, ai.ImagePrompt) (ai.Image, error) {
	return ai.Image{Data: bytes.Clone(aitest.PNG), MIME: "image/png", Ext: ".png"}, nil
}
