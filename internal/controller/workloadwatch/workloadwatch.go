// Package workloadwatch turns what a unit's workload containers' Pebble
// daemons report into the workload events Juju 3.6 fires:
//
//   - <container>-pebble-ready, when Pebble answers with a boot ID the unit
//     has not seen yet (Juju's pebblePoller polls SysInfo every 5 s, so a
//     restarted Pebble — a pod churn — makes pebble-ready fire again);
//   - <container>-pebble-custom-notice, for every custom notice;
//   - <container>-pebble-check-failed and -check-recovered, from the
//     change-update notices of Pebble's perform-check and recover-check
//     changes, exactly as Juju's pebbleNoticer derives them.
//
// It follows internal/worker/uniter/pebblepoller.go and pebblenotices.go
// of Juju 3.6.11. Like Juju, a watcher hands one event at a time to its
// sink and waits until the sink has taken it.
package workloadwatch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/canonical/pebble/client"
)

// Kind is the kind of a workload event.
type Kind string

// The workload events, named by their hook suffix.
const (
	Ready          Kind = "pebble-ready"
	CustomNotice   Kind = "pebble-custom-notice"
	CheckFailed    Kind = "pebble-check-failed"
	CheckRecovered Kind = "pebble-check-recovered"
)

// Event is one workload event for a container.
type Event struct {
	Container string
	Kind      Kind
	// BootID is the Pebble boot ID a Ready event is about.
	BootID string
	// NoticeID, NoticeType and NoticeKey describe a CustomNotice.
	NoticeID, NoticeType, NoticeKey string
	// CheckName is the check of a CheckFailed or CheckRecovered event.
	CheckName string
}

// HookName is the hook Juju runs for e.
func (e Event) HookName() string { return e.Container + "-" + string(e.Kind) }

// Juju's intervals (pebblepoller.go, pebblenotices.go).
const (
	DefaultPollInterval = 5 * time.Second
	noticeWaitTimeout   = 30 * time.Second
	errorDelay          = time.Second
)

// Config is what Watch needs.
type Config struct {
	// Containers maps each workload container to its Pebble socket path as
	// this process sees it.
	Containers map[string]string
	// Sink receives events one at a time per container and returns once
	// the event is queued for the unit (an error stops that container's
	// watch, as in Juju).
	Sink func(ctx context.Context, e Event) error
	// PollInterval is how often SysInfo is polled (DefaultPollInterval
	// when zero; tests use less).
	PollInterval time.Duration
	// KnownBootIDs holds the boot ID per container the unit has already
	// seen pebble-ready for, so that a controller restart does not repeat
	// pebble-ready for a Pebble that did not restart.
	KnownBootIDs map[string]string
	// Logf, when set, receives diagnostics.
	Logf func(format string, args ...any)
}

// Watch runs until ctx is done, then returns nil; it returns an error only
// when the Sink fails.
func Watch(ctx context.Context, cfg Config) error {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			once.Do(func() { first = err; cancel() })
		}
	}
	for name, socket := range cfg.Containers {
		// A pebble client is not safe for concurrent use, so the poller and
		// the noticer each get their own, as in Juju.
		poller, err := client.New(&client.Config{Socket: socket})
		if err != nil {
			return fmt.Errorf("container %q: %w", name, err)
		}
		noticer, err := client.New(&client.Config{Socket: socket})
		if err != nil {
			return fmt.Errorf("container %q: %w", name, err)
		}
		p := &watcher{cfg: cfg, name: name, pebble: poller, bootID: cfg.KnownBootIDs[name]}
		n := &watcher{cfg: cfg, name: name, pebble: noticer}
		wg.Add(2)
		go func() { defer wg.Done(); fail(p.poll(ctx)) }()
		go func() { defer wg.Done(); fail(n.notices(ctx)) }()
	}
	wg.Wait()
	return first
}

type watcher struct {
	cfg    Config
	name   string
	pebble *client.Client
	bootID string
}

// poll is Juju's pebblePoller for one container.
func (w *watcher) poll(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		info, err := w.pebble.SysInfo()
		if err != nil {
			w.cfg.Logf("container %q: pebble not answering: %v", w.name, err)
		} else if info.BootID != w.bootID {
			if err := w.cfg.Sink(ctx, Event{Container: w.name, Kind: Ready, BootID: info.BootID}); err != nil {
				return fmt.Errorf("container %q: pebble-ready: %w", w.name, err)
			}
			w.bootID = info.BootID
		}
		timer.Reset(w.cfg.PollInterval)
	}
}

// notices is Juju's pebbleNoticer for one container.
func (w *watcher) notices(ctx context.Context) error {
	var after time.Time
	for {
		notices, err := w.pebble.WaitNotices(ctx, noticeWaitTimeout, &client.NoticesOptions{After: after})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(errorDelay):
			}
			continue
		}
		for _, n := range notices {
			e, ok, err := w.event(n)
			if err != nil {
				return err
			}
			if ok {
				if err := w.cfg.Sink(ctx, e); err != nil {
					return fmt.Errorf("container %q: %s: %w", w.name, e.Kind, err)
				}
			}
			after = n.LastRepeated
		}
	}
}

// event maps a notice to a workload event, as pebbleNoticer.processNotice.
func (w *watcher) event(n *client.Notice) (Event, bool, error) {
	switch n.Type {
	case client.CustomNotice:
		return Event{Container: w.name, Kind: CustomNotice, NoticeID: n.ID, NoticeType: string(n.Type), NoticeKey: n.Key}, true, nil
	case client.ChangeUpdateNotice:
		kind := n.LastData["kind"]
		if kind != "perform-check" && kind != "recover-check" {
			return Event{}, false, nil
		}
		chg, err := w.pebble.Change(n.Key)
		if err != nil {
			var ce *client.Error
			if !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
				return Event{}, false, fmt.Errorf("container %q: reading change %q: %w", w.name, n.Key, err)
			}
			chg = nil
		}
		e := Event{Container: w.name, CheckName: n.LastData["check-name"]}
		switch {
		case kind == "perform-check" && (chg == nil || chg.Status == "Error"):
			e.Kind = CheckFailed
		case kind == "recover-check" && (chg == nil || chg.Status == "Done"):
			e.Kind = CheckRecovered
		default:
			return Event{}, false, nil
		}
		return e, true, nil
	}
	return Event{}, false, nil
}
