package publishing

import (
	"time"

	"autopress/db"
)

// ActionSchedule puts approved or scheduled content in a slot a person
// chose (db.ScheduleContentAt); the other actions are db.ApplyContentAction's.
const ActionSchedule db.ContentAction = "schedule"

// actionsByStatus lists what a person may do with content in each status,
// in the order the buttons appear. It mirrors the transitions that
// db.ApplyContentAction and db.ScheduleContentAt allow (a test checks it).
var actionsByStatus = map[string][]db.ContentAction{
	db.ContentReview:    {db.ActionApprove, db.ActionPublishNow, db.ActionReject},
	db.ContentApproved:  {ActionSchedule, db.ActionPublishNow, db.ActionReject},
	db.ContentRejected:  {db.ActionApprove, db.ActionRequeue},
	db.ContentScheduled: {ActionSchedule, db.ActionPublishNow, db.ActionUnschedule, db.ActionReject},
	db.ContentFailed:    {db.ActionRetry, db.ActionReject},
}

// ActionsFor returns the actions allowed on content in status (none while
// it is a draft, publishing or published).
func ActionsFor(status string) []db.ContentAction { return actionsByStatus[status] }

// IsAction reports whether name is a content action at all.
func IsAction(name string) bool {
	switch db.ContentAction(name) {
	case db.ActionApprove, db.ActionReject, db.ActionUnschedule, db.ActionPublishNow, db.ActionRetry, db.ActionRequeue, ActionSchedule:
		return true
	}
	return false
}

// IsLate reports whether content counts as late at now: published more
// than LateAfter after its slot, or still queued that long past it.
func IsLate(c db.Content, now time.Time) bool {
	return isLate(c.Status, c.ScheduledAt, c.Late, now)
}

// EntryIsLate is IsLate for an entry of the publishing timeline.
func EntryIsLate(e db.TimelineEntry, now time.Time) bool {
	return isLate(e.Status, &e.ScheduledAt, e.Late, now)
}

func isLate(status string, slot *time.Time, late bool, now time.Time) bool {
	switch status {
	case db.ContentPublished:
		return late
	case db.ContentScheduled, db.ContentPublishing:
		return slot != nil && now.Sub(*slot) > LateAfter
	}
	return false
}
