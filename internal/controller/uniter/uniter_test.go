package uniter

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
)

// settle runs every op to completion and returns the final state.
func settle(t *testing.T, l Local, r Remote) Local {
	t.Helper()
	for i := 0; i < 200; i++ {
		op, ok := Next(l, r)
		if !ok {
			return l
		}
		l = Commit(l, op)
	}
	t.Fatal("no fixed point")
	return l
}

func mustNext(t *testing.T, l Local, r Remote) Op {
	t.Helper()
	op, ok := Next(l, r)
	if !ok {
		t.Fatal("Next: no op")
	}
	return op
}

func TestEventsAreReadyForDispatch(t *testing.T) {
	t.Parallel()
	started := func() (Local, Remote) {
		r := hydra()
		r.Relations[3].Members["postgresql/1"] = 1
		return settle(t, Local{}, r), r
	}
	tests := []struct {
		name   string
		change func(l *Local, r *Remote)
		want   map[string]string
	}{
		{
			name: "relation-departed of a remote unit",
			change: func(_ *Local, r *Remote) {
				delete(r.Relations[3].Members, "postgresql/1")
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH":  "hooks/pg-database-relation-departed",
				"JUJU_HOOK_NAME":      "pg-database-relation-departed",
				"JUJU_RELATION":       "pg-database",
				"JUJU_RELATION_ID":    "pg-database:3",
				"JUJU_REMOTE_UNIT":    "postgresql/1",
				"JUJU_REMOTE_APP":     "postgresql",
				"JUJU_DEPARTING_UNIT": "postgresql/1",
			},
		},
		{
			name: "application-level relation-changed has no remote unit",
			change: func(_ *Local, r *Remote) {
				rel := r.Relations[3]
				rel.AppVersion++
				r.Relations[3] = rel
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH": "hooks/pg-database-relation-changed",
				"JUJU_HOOK_NAME":     "pg-database-relation-changed",
				"JUJU_RELATION":      "pg-database",
				"JUJU_RELATION_ID":   "pg-database:3",
				"JUJU_REMOTE_APP":    "postgresql",
			},
		},
		{
			name: "relation-broken names the remote application only",
			change: func(l *Local, r *Remote) {
				rel := r.Relations[3]
				rel.Life = Dying
				rel.Members = nil
				r.Relations[3] = rel
				lr := l.Relations[3]
				lr.Members = nil
				l.Relations[3] = lr
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH": "hooks/pg-database-relation-broken",
				"JUJU_HOOK_NAME":     "pg-database-relation-broken",
				"JUJU_RELATION":      "pg-database",
				"JUJU_RELATION_ID":   "pg-database:3",
				"JUJU_REMOTE_APP":    "postgresql",
			},
		},
		{
			name: "secret-changed carries no revision",
			change: func(_ *Local, r *Remote) {
				r.Secrets.Consumed = map[string]ConsumedSecret{"secret:x": {Label: "db", Revision: 3}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH": "hooks/secret-changed",
				"JUJU_HOOK_NAME":     "secret-changed",
				"JUJU_SECRET_ID":     "secret:x",
				"JUJU_SECRET_LABEL":  "db",
			},
		},
		{
			name: "secret-expired carries its revision",
			change: func(_ *Local, r *Remote) {
				r.Secrets.Expiries = []SecretRef{{URI: "secret:y", Label: "jwks", Revision: 2}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH":   "hooks/secret-expired",
				"JUJU_HOOK_NAME":       "secret-expired",
				"JUJU_SECRET_ID":       "secret:y",
				"JUJU_SECRET_LABEL":    "jwks",
				"JUJU_SECRET_REVISION": "2",
			},
		},
		{
			name: "custom notice",
			change: func(_ *Local, r *Remote) {
				r.Containers["hydra"] = RemoteContainer{PebbleBoot: 1, Notices: []Notice{{Seq: 1, Kind: charm.PebbleCustomNotice, ID: "12", Type: "custom", Key: "example.com/k"}}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH": "hooks/hydra-pebble-custom-notice",
				"JUJU_HOOK_NAME":     "hydra-pebble-custom-notice",
				"JUJU_WORKLOAD_NAME": "hydra",
				"JUJU_NOTICE_ID":     "12",
				"JUJU_NOTICE_TYPE":   "custom",
				"JUJU_NOTICE_KEY":    "example.com/k",
			},
		},
		{
			name: "check failed",
			change: func(_ *Local, r *Remote) {
				r.Containers["hydra"] = RemoteContainer{PebbleBoot: 1, Notices: []Notice{{Seq: 1, Kind: charm.PebbleCheckFailed, Check: "ready"}}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH":     "hooks/hydra-pebble-check-failed",
				"JUJU_HOOK_NAME":         "hydra-pebble-check-failed",
				"JUJU_WORKLOAD_NAME":     "hydra",
				"JUJU_PEBBLE_CHECK_NAME": "ready",
			},
		},
		{
			name: "storage-attached",
			change: func(_ *Local, r *Remote) {
				r.Storage = map[string]RemoteStorage{"pgdata/1": {Name: "pgdata", Attached: true, Location: "/var/lib/pg"}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH":    "hooks/pgdata-storage-attached",
				"JUJU_HOOK_NAME":        "pgdata-storage-attached",
				"JUJU_STORAGE_ID":       "pgdata/1",
				"JUJU_STORAGE_LOCATION": "/var/lib/pg",
			},
		},
		{
			name: "action",
			change: func(_ *Local, r *Remote) {
				r.Actions = []PendingAction{{ID: "42", Name: "create-client"}}
			},
			want: map[string]string{
				"JUJU_DISPATCH_PATH": "actions/create-client",
				"JUJU_ACTION_NAME":   "create-client",
				"JUJU_ACTION_UUID":   "42",
				"JUJU_ACTION_TAG":    "action-42",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, r := started()
			tt.change(&l, &r)
			op := mustNext(t, l, r)
			if got := op.Event.Environ(); !maps.Equal(got, tt.want) {
				t.Errorf("Environ() = %v, want %v", got, tt.want)
			}
			if op.Kind == RunAction && op.ActionID != "42" {
				t.Errorf("ActionID = %q", op.ActionID)
			}
		})
	}
}

// The state functions return new values: a caller's Local is never changed
// behind its back (it may be persisted, compared or retried).
func TestStateFunctionsDoNotModifyTheirInput(t *testing.T) {
	t.Parallel()
	r := hydra()
	r.Storage = map[string]RemoteStorage{"data/0": {Name: "data", Attached: true}}
	r.Secrets.Consumed = map[string]ConsumedSecret{"secret:a": {Revision: 1}}
	r.Secrets.Obsolete = map[string][]int{"secret:b": {1}}
	l := settle(t, Local{}, r)
	failed := Fail(l, hook(r, plainEvent(charm.ConfigChanged), 0))

	r.Relations[3].Members["postgresql/1"] = 1
	r.Relations[3].Members["postgresql/0"] = 9
	r.Containers["hydra"] = RemoteContainer{PebbleBoot: 2, Notices: []Notice{{Seq: 1, Kind: charm.PebbleCheckFailed, Check: "c"}}}
	r.Secrets.Consumed["secret:a"] = ConsumedSecret{Revision: 2}
	r.Secrets.Obsolete["secret:b"] = []int{1, 2}
	r.Life = Dying

	for name, f := range map[string]func(Local) Local{
		"settle":  func(l Local) Local { return settle(t, l, r) },
		"fail":    func(l Local) Local { return Fail(l, hook(r, workloadEvent(charm.PebbleReady, "hydra"), 2)) },
		"restart": func(l Local) Local { return Restart(l, r) },
		"release": func(l Local) Local {
			return Release(Fail(l, hook(r, workloadEvent(charm.PebbleReady, "hydra"), 2)), "hydra")
		},
		"retry":    Retry,
		"resolve":  func(l Local) Local { l, _ = Resolve(l, true); return l },
		"failure2": func(l Local) Local { return Fail(l, l.Failed.Op) },
	} {
		for _, in := range []Local{l, failed} {
			if name == "failure2" && in.Failed == nil {
				continue
			}
			before := in.clone()
			f(in)
			if !reflect.DeepEqual(in, before) {
				t.Errorf("%s modified its input:\n got  %+v\n want %+v", name, in, before)
			}
		}
	}
}

func TestFailureLifecycle(t *testing.T) {
	t.Parallel()
	r := hydra()
	l := settle(t, Local{}, r)
	r.ConfigHash = "config-2"

	op := mustNext(t, l, r)
	l = Fail(l, op)
	if l.Failed == nil || l.Failed.Failures != 1 || RetryDelay(l.Failed.Failures) != 5*time.Second {
		t.Fatalf("after the first failure: %+v", l.Failed)
	}
	if _, ok := Next(l, r); ok {
		t.Fatal("Next in an error state before the retry is due")
	}

	// The retry takes the remote state of the moment.
	r.ConfigHash = "config-3"
	l = Retry(l)
	op = mustNext(t, l, r)
	if op.Kind != RunHook || op.Event.Kind != charm.ConfigChanged || op.Seen.ConfigHash != "config-3" {
		t.Fatalf("retry op = %+v", op)
	}
	l = Fail(l, op)
	if l.Failed.Failures != 2 || RetryDelay(l.Failed.Failures) != 10*time.Second {
		t.Fatalf("after the second failure: %+v", l.Failed)
	}

	// juju resolve resets the back-off.
	l, err := Resolve(l, false)
	if err != nil {
		t.Fatal(err)
	}
	l = Fail(l, mustNext(t, l, r))
	if l.Failed.Failures != 1 {
		t.Fatalf("after resolve and a failure: %+v", l.Failed)
	}

	// A restart keeps the error and restarts the back-off.
	l.Failed.Failures = 6
	l = Restart(l, r)
	if l.Failed == nil || l.Failed.Failures != 1 || l.Queued != "" {
		t.Fatalf("after restart: queued %q, failed %+v", l.Queued, l.Failed)
	}

	l, err = Resolve(l, true)
	if err != nil {
		t.Fatal(err)
	}
	op = mustNext(t, l, r)
	if op.Kind != SkipHook || op.Runs() {
		t.Fatalf("resolve --no-retry op = %+v", op)
	}
	l = Commit(l, op)
	if l.Failed != nil || l.ConfigHash != "config-3" {
		t.Fatalf("after the skip: failed %+v, config hash %q", l.Failed, l.ConfigHash)
	}
	if _, err := Resolve(l, false); !errors.Is(err, ErrNotInError) {
		t.Fatalf("Resolve on a healthy unit: %v", err)
	}
}

// Juju records leadership when it accepts it, before leader-elected runs;
// if leadership is lost while the hook is failed, the unit resigns at once
// and the retried hook is skipped (runHook.Prepare checks leadership).
func TestFailedLeaderElectedAfterLosingLeadership(t *testing.T) {
	t.Parallel()
	r := hydra()
	r.Leader = false
	l := settle(t, Local{}, r)
	r.Leader = true
	op := mustNext(t, l, r)
	if op.Event.Kind != charm.LeaderElected {
		t.Fatalf("op = %v", op)
	}
	l = Fail(l, op)
	if !l.Leader {
		t.Fatal("leadership not recorded on failure")
	}
	r.Leader = false
	if op := mustNext(t, l, r); op.Kind != ResignLeadership {
		t.Fatalf("op = %v, want resignation while in error", op)
	}
	l = Commit(l, Op{Kind: ResignLeadership})
	l = Retry(l)
	op = mustNext(t, l, r)
	if op.Kind != SkipHook || op.Event.Kind != charm.LeaderElected {
		t.Fatalf("retry op = %v", op)
	}
	l = Commit(l, op)
	if l.Leader || l.Failed != nil {
		t.Fatalf("leader %v, failed %+v", l.Leader, l.Failed)
	}
	if _, ok := Next(l, r); ok {
		t.Fatal("unit not idle")
	}
}

// Juju's relation state survives an agent restart, and so does a hook
// queued when the pod went: a restart returns to it instead of running
// upgrade-charm.
func TestRestartReturnsToAQueuedHook(t *testing.T) {
	t.Parallel()
	r := hydra()
	l := Local{}
	for {
		op := mustNext(t, l, r)
		l = Commit(l, op)
		if op.Event.Kind == charm.ConfigChanged {
			break
		}
	}
	if l.Queued != charm.Start {
		t.Fatalf("queued = %q", l.Queued)
	}
	l = Restart(l, r)
	if l.Queued != charm.Start || l.RebootStart {
		t.Fatalf("after restart: queued %q, reboot start %v", l.Queued, l.RebootStart)
	}
	if op := mustNext(t, l, r); op.Event.Kind != charm.Start {
		t.Fatalf("op = %v", op)
	}
}

func TestNothingForAGoneUnit(t *testing.T) {
	t.Parallel()
	r := hydra()
	if _, ok := Next(Local{Removed: true}, r); ok {
		t.Error("removed unit has an op")
	}
	r.Life = Dead
	if _, ok := Next(Local{}, r); ok {
		t.Error("dead unit has an op")
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for failures, want := range map[int]time.Duration{
		-1: 0, 0: 0,
		1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 4: 40 * time.Second,
		5: 80 * time.Second, 6: 160 * time.Second, 7: 5 * time.Minute, 8: 5 * time.Minute, 1000: 5 * time.Minute,
	} {
		if got := RetryDelay(failures); got != want {
			t.Errorf("RetryDelay(%d) = %v, want %v", failures, got, want)
		}
	}
}

func TestOpString(t *testing.T) {
	t.Parallel()
	r := hydra()
	for _, tt := range []struct {
		op   Op
		want string
	}{
		{hook(r, plainEvent(charm.Install), 0), "run install hook"},
		{hook(r, relationEvent(charm.RelationChanged, 3, "db", "pg/0", "pg", ""), 1), "run db-relation-changed (3; unit: pg/0) hook"},
		{hook(r, relationEvent(charm.RelationChanged, 3, "db", "", "pg", ""), 1), "run db-relation-changed (3; app: pg) hook"},
		{hook(r, relationEvent(charm.RelationDeparted, 3, "db", "pg/0", "pg", "hydra/0"), 1), "run db-relation-departed (3; unit: pg/0, departee: hydra/0) hook"},
		{hook(r, secretEvent(charm.SecretRemove, "secret:x", "", 2), 2), "run secret-remove (secret:x/2) hook"},
		{Op{Kind: SkipHook, Event: plainEvent(charm.Start)}, "skip start hook"},
		{Op{Kind: RunAction, ActionID: "7", Event: actionEvent(PendingAction{ID: "7", Name: "backup"})}, "run action 7 (backup)"},
		{Op{Kind: ResignLeadership}, "resign leadership"},
	} {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// The controller persists Local between ops; JSON keeps all of it.
func TestLocalSurvivesJSON(t *testing.T) {
	t.Parallel()
	r := hydra()
	r.Storage = map[string]RemoteStorage{"data/0": {Name: "data", Attached: true}}
	r.Secrets.Consumed = map[string]ConsumedSecret{"secret:a": {Revision: 1}}
	r.Secrets.Obsolete = map[string][]int{"secret:b": {1}}
	l := settle(t, Local{}, r)
	r.ConfigHash = "config-2"
	l = Fail(l, mustNext(t, l, r))
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back Local
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, l) {
		t.Fatalf("round trip:\n got  %+v\n want %+v", back, l)
	}
}
