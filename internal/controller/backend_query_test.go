package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

func TestSecretsCarryTimes(t *testing.T) {
	t.Parallel()
	c, mr, _ := testController(t)
	s, err := mr.m.AddSecret("smtp", "mail relay", map[string]string{"password": "p"})
	if err != nil {
		t.Fatal(err)
	}
	s.Updated = s.Created.Add(time.Hour) // as after a new revision
	list, err := c.Secrets(context.Background(), api.SecretsRequest{})
	if err != nil || len(list) != 1 {
		t.Fatalf("Secrets = %+v, %v", list, err)
	}
	if got := list[0]; got.Created.IsZero() || !got.Created.Equal(s.Created) || !got.Updated.Equal(s.Updated) {
		t.Errorf("times = %v, %v; want %v, %v", got.Created, got.Updated, s.Created, s.Updated)
	}
}

func TestWaitTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logged := api.ActionMessage{Timestamp: time.Now(), Message: "working"}
	// running adds a running task 2 with one log line.
	running := func(mr *modelRuntime) *task {
		mr.mu.Lock()
		defer mr.mu.Unlock()
		tk := &task{id: "2", operation: "1", unit: "hydra/0", action: "backup", status: "running",
			enqueued: time.Now(), started: time.Now(), log: []api.ActionMessage{logged}}
		mr.tasks[tk.id] = tk
		return tk
	}
	finishLater := func(mr *modelRuntime, tk *task, after time.Duration) {
		time.AfterFunc(after, func() {
			mr.mu.Lock()
			defer mr.mu.Unlock()
			tk.finish(dispatchResult{Output: unitctx.Output{ActionResults: map[string]any{"done": "yes"}}}, nil)
			mr.taskChangedLocked()
		})
	}
	for _, tc := range []struct {
		name    string
		wait    time.Duration
		finish  time.Duration // finish the task after this (0: never)
		status  string
		atMost  time.Duration
		atLeast time.Duration
	}{
		{name: "0 answers at once", wait: 0, status: "running", atMost: time.Second},
		{name: "a positive wait runs out", wait: 50 * time.Millisecond, status: "running", atLeast: 50 * time.Millisecond, atMost: 5 * time.Second},
		{name: "a positive wait ends with the task", wait: time.Minute, finish: 20 * time.Millisecond, status: "completed", atMost: 30 * time.Second},
		{name: "a negative wait has no bound", wait: -1, finish: 100 * time.Millisecond, status: "completed", atLeast: 100 * time.Millisecond, atMost: 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr, _ := testController(t)
			tk := running(mr)
			if tc.finish > 0 {
				finishLater(mr, tk, tc.finish)
			}
			var msgs []api.ActionMessage
			start := time.Now()
			res, err := c.WaitTask(ctx, api.WaitTaskRequest{ID: "2", Wait: tc.wait}, func(m api.ActionMessage) { msgs = append(msgs, m) })
			took := time.Since(start)
			if err != nil || res.Status != tc.status || res.ID != "2" || res.Receiver != "unit-hydra-0" {
				t.Fatalf("WaitTask = %+v, %v; want status %s", res, err, tc.status)
			}
			if took < tc.atLeast || took > tc.atMost {
				t.Errorf("took %v, want between %v and %v", took, tc.atLeast, tc.atMost)
			}
			if len(msgs) != 1 || msgs[0].Message != "working" {
				t.Errorf("progress = %+v, want the line logged so far", msgs)
			}
		})
	}
}

func TestWaitTaskUnknown(t *testing.T) {
	t.Parallel()
	c, _, _ := testController(t)
	_, err := c.WaitTask(context.Background(), api.WaitTaskRequest{ID: "99"}, nil)
	if !errors.Is(err, api.ErrNotFound) || err.Error() != "id not found" {
		t.Errorf("WaitTask(99) = %v, want Juju's %q", err, "id not found")
	}
}
