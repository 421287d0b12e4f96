package uniter

import "time"

// Juju's hook retry strategy (apiserver/facades/agent/retrystrategy): the
// first automatic retry after 5s, then twice as long each time, at most 5m.
const (
	RetryMinDelay = 5 * time.Second
	RetryMaxDelay = 5 * time.Minute
	retryFactor   = 2
)

// WorkloadRetryDelay is how soon Juju's Pebble poller offers a workload
// event again after its hook failed (pebblePollInterval in
// internal/worker/uniter/pebblepoller.go).
const WorkloadRetryDelay = 5 * time.Second

// RetryDelay is how long Juju waits before retrying a hook that has failed
// failures times in a row (Failure.Failures): 5s, 10s, 20s, 40s, 80s,
// 160s, then 5m. Juju's back-off timer (juju/utils BackoffTimer) also adds
// up to ±3% jitter, left out here so that the delay is deterministic; a
// caller that wants it can add it. Zero or fewer failures wait nothing.
func RetryDelay(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := RetryMinDelay
	for i := 1; i < failures && d < RetryMaxDelay; i++ {
		d *= retryFactor
	}
	return min(d, RetryMaxDelay)
}
