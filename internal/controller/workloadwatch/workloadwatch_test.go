package workloadwatch

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/identity-platform-go/charms/internal/workload/pebbletest"
)

// TestWatchRealPebble drives a real Pebble through every workload event.
func TestWatchRealPebble(t *testing.T) {
	t.Parallel()
	socket := pebbletest.Start(t)
	events := make(chan Event, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, Config{
			Containers:   map[string]string{"app": socket},
			PollInterval: 50 * time.Millisecond,
			Sink: func(ctx context.Context, e Event) error {
				select {
				case events <- e:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	next := func(want Kind) Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Kind == want {
					return e
				}
				t.Logf("skipping %+v", e)
			case <-time.After(20 * time.Second):
				t.Fatalf("no %s event", want)
			}
		}
	}

	ready := next(Ready)
	if ready.BootID == "" || ready.HookName() != "app-pebble-ready" {
		t.Errorf("ready event = %+v", ready)
	}

	pc, err := client.New(&client.Config{Socket: socket})
	if err != nil {
		t.Fatal(err)
	}
	id, err := pc.Notify(&client.NotifyOptions{Type: client.CustomNotice, Key: "example.com/reload"})
	if err != nil {
		t.Fatal(err)
	}
	if e := next(CustomNotice); e.NoticeID != id || e.NoticeKey != "example.com/reload" || e.NoticeType != "custom" {
		t.Errorf("custom notice event = %+v, want ID %s", e, id)
	}

	// A check that fails once its flag file is gone, and recovers when it
	// is back.
	flag := t.TempDir() + "/ok"
	layer := `checks:
  alive:
    override: replace
    period: 100ms
    threshold: 1
    exec:
      command: test -e ` + flag + `
`
	if err := pc.AddLayer(&client.AddLayerOptions{Label: "checks", LayerData: []byte(layer)}); err != nil {
		t.Fatal(err)
	}
	if e := next(CheckFailed); e.CheckName != "alive" || e.HookName() != "app-pebble-check-failed" {
		t.Errorf("check-failed event = %+v", e)
	}
	if err := touch(flag); err != nil {
		t.Fatal(err)
	}
	if e := next(CheckRecovered); e.CheckName != "alive" {
		t.Errorf("check-recovered event = %+v", e)
	}
}

// TestKnownBootID: a controller restart must not repeat pebble-ready for a
// Pebble that did not restart.
func TestKnownBootID(t *testing.T) {
	t.Parallel()
	socket := pebbletest.Start(t)
	pc, err := client.New(&client.Config{Socket: socket})
	if err != nil {
		t.Fatal(err)
	}
	info, err := pc.SysInfo()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var (
		mu  sync.Mutex
		got []Event
	)
	err = Watch(ctx, Config{
		Containers:   map[string]string{"app": socket},
		PollInterval: 20 * time.Millisecond,
		KnownBootIDs: map[string]string{"app": info.BootID},
		Sink: func(_ context.Context, e Event) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("events for a known boot ID: %+v", got)
	}
}

func touch(path string) error {
	return os.WriteFile(path, nil, 0o644)
}
