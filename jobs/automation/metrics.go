package automation

import "github.com/prometheus/client_golang/prometheus"

// metrics are the executor's Prometheus series (nil-safe: a Service built
// without a registerer records nothing).
type metrics struct {
	runsStarted  *prometheus.CounterVec
	runsFinished *prometheus.CounterVec
	items        *prometheus.CounterVec
	takeovers    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		runsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "autopress_runs_started_total",
			Help: "Automation runs started, by trigger."}, []string{"trigger"}),
		runsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "autopress_runs_finished_total",
			Help: "Automation runs finished by an executor, by status and stopped reason."}, []string{"status", "reason"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "autopress_run_items_total",
			Help: "Pipeline items committed by executors, by stage and outcome (processed, failed)."}, []string{"stage", "outcome"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{Name: "autopress_run_takeovers_total",
			Help: "Runs claimed after another executor's lease expired."}),
	}
	reg.MustRegister(m.runsStarted, m.runsFinished, m.items, m.takeovers)
	return m
}

func (m *metrics) started(trigger string) {
	if m != nil {
		m.runsStarted.WithLabelValues(trigger).Inc()
	}
}

func (m *metrics) finished(status, reason string) {
	if m != nil {
		m.runsFinished.WithLabelValues(status, reason).Inc()
	}
}

func (m *metrics) item(stage int, outcome string, n int) {
	if m != nil && n > 0 {
		m.items.WithLabelValues(string(rune('0'+stage)), outcome).Add(float64(n))
	}
}

func (m *metrics) takeover() {
	if m != nil {
		m.takeovers.Inc()
	}
}
