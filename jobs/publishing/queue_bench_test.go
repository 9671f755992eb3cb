package publishing_test

import (
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// BenchmarkFillQueue schedules 1,000 approved articles (queue limit 1,000,
// stagger every minute) in one filler pass: the planner plus the slot
// assignment transaction.
func BenchmarkFillQueue(b *testing.B) {
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.New(b, dialect)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := newEnv(b, d)
				e.settings(func(p *db.PublishingSettings) {
					p.SchedulingMode, p.PublishDays = "stagger", "mon,tue,wed,thu,fri,sat,sun"
					p.StaggerStartTime, p.StaggerEndTime, p.StaggerIntervalMinutes = "00:00", "23:59", 1
					p.MaxScheduledQueue = 1000
				})
				e.approve(1000)
				b.StartTimer()
				if n := e.fill(); n != 1000 {
					b.Fatalf("scheduled %d", n)
				}
			}
		})
	}
}
