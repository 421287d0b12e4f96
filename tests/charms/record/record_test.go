package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// testYAML is a charm with one of everything a hook can be about.
const testYAML = `
name: rec
type: charm
summary: s
description: d
base: ubuntu@22.04
platforms: {amd64: }
containers:
  app: {resource: app-image, mounts: [{storage: data, location: /srv/data}]}
resources:
  app-image: {type: oci-image}
storage:
  data: {type: filesystem, location: /srv/data}
peers:
  peers: {interface: rec_peers}
requires:
  db: {interface: db}
actions:
  events: {}
  crash-next:
    params: {hook: {type: string}}
    required: [hook]
  crash-clear: {}
  ping: {}
`

// inner is a charm whose every entry point notes its name, so tests see
// which of them ran.
type inner struct {
	mu    *sync.Mutex
	calls *[]string
}

func newInner() inner { return inner{mu: &sync.Mutex{}, calls: &[]string{}} }

func (i inner) note(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	*i.calls = append(*i.calls, name)
}

func (i inner) Calls() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(*i.calls)
}

func (i inner) Reconcile(*charm.Context) error    { i.note("reconcile"); return nil }
func (i inner) Install(*charm.Context) error      { i.note("install"); return nil }
func (i inner) Stop(*charm.Context) error         { i.note("stop"); return nil }
func (i inner) Remove(*charm.Context) error       { i.note("remove"); return nil }
func (i inner) RotateSecret(*charm.Context) error { i.note("rotate"); return nil }
func (i inner) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"ping": func(*charm.Context) error { i.note("ping"); return nil }}
}

const (
	ownedSecret    = "secret:cs7sqfmvefrs73e9m8ng"
	consumedSecret = "secret:cs7sqfmvefrs73e9m8o0"
)

func testState() charmtest.State {
	return charmtest.State{
		Leader: true,
		Relations: []charmtest.Relation{
			{Endpoint: "peers", ID: 0, RemoteUnits: map[int]map[string]string{1: {}}},
			{Endpoint: "db", ID: 4, RemoteApp: "pg", RemoteUnits: map[int]map[string]string{0: {}, 1: {}}},
		},
		Secrets: []charmtest.Secret{
			{ID: ownedSecret, Owner: "application", Label: "mine", Revision: 2, Content: map[string]string{"key": "v"}},
			{ID: consumedSecret, Label: "theirs", Revision: 1, Content: map[string]string{"key": "v"}},
		},
		Containers: []charmtest.Container{{Name: "app", CanConnect: true}},
	}
}

// eventLines returns the records the run logged.
func eventLines(t *testing.T, logs []string) []Event {
	t.Helper()
	var evs []Event
	for _, l := range logs {
		ev, ok, err := ParseLine(l)
		if err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

func stored(t *testing.T, st charmtest.State) []Event {
	t.Helper()
	evs, err := ParseList(st.Stored[StateKey])
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestEveryDispatchRecordsOnce covers every kind of dispatch: exactly one
// record, logged and stored alike, with the event's fields, and the inner
// charm's handlers run as charm.Dispatch would run them unwrapped.
func TestEveryDispatchRecordsOnce(t *testing.T) {
	t.Parallel()
	peers, db := testState().Relations[0], testState().Relations[1]
	departed := charmtest.RelationEvent(charm.RelationDeparted, db, 1)
	tests := []struct {
		name      string
		ev        charm.Event // zero Kind: run action
		action    string
		want      Event // env and unit are not compared
		wantCalls []string
	}{
		{name: "install", ev: charmtest.Hook(charm.Install),
			want:      Event{Kind: "install", Hook: "install", RelationID: -1},
			wantCalls: []string{"install", "reconcile"}},
		{name: "start", ev: charmtest.Hook(charm.Start),
			want:      Event{Kind: "start", Hook: "start", RelationID: -1},
			wantCalls: []string{"reconcile"}},
		{name: "config-changed", ev: charmtest.Hook(charm.ConfigChanged),
			want:      Event{Kind: "config-changed", Hook: "config-changed", RelationID: -1},
			wantCalls: []string{"reconcile"}},
		{name: "leader-elected", ev: charmtest.Hook(charm.LeaderElected),
			want:      Event{Kind: "leader-elected", Hook: "leader-elected", RelationID: -1},
			wantCalls: []string{"reconcile"}},
		{name: "upgrade-charm", ev: charmtest.Hook(charm.UpgradeCharm),
			want:      Event{Kind: "upgrade-charm", Hook: "upgrade-charm", RelationID: -1},
			wantCalls: []string{"reconcile"}},
		{name: "update-status", ev: charmtest.Hook(charm.UpdateStatus),
			want:      Event{Kind: "update-status", Hook: "update-status", RelationID: -1},
			wantCalls: []string{"reconcile"}},
		{name: "stop", ev: charmtest.Hook(charm.Stop),
			want:      Event{Kind: "stop", Hook: "stop", RelationID: -1},
			wantCalls: []string{"stop"}},
		{name: "remove", ev: charmtest.Hook(charm.Remove),
			want:      Event{Kind: "remove", Hook: "remove", RelationID: -1},
			wantCalls: []string{"remove"}},
		{name: "peer relation-joined", ev: charmtest.RelationEvent(charm.RelationJoined, peers, 1),
			want:      Event{Kind: "relation-joined", Hook: "peers-relation-joined", Relation: "peers", RelationID: 0, RemoteApp: "rec", RemoteUnit: "rec/1"},
			wantCalls: []string{"reconcile"}},
		{name: "relation-created", ev: charmtest.RelationEvent(charm.RelationCreated, db, -1),
			want:      Event{Kind: "relation-created", Hook: "db-relation-created", Relation: "db", RelationID: 4, RemoteApp: "pg"},
			wantCalls: []string{"reconcile"}},
		{name: "relation-changed", ev: charmtest.RelationEvent(charm.RelationChanged, db, 0),
			want:      Event{Kind: "relation-changed", Hook: "db-relation-changed", Relation: "db", RelationID: 4, RemoteApp: "pg", RemoteUnit: "pg/0"},
			wantCalls: []string{"reconcile"}},
		{name: "relation-departed", ev: departed,
			want:      Event{Kind: "relation-departed", Hook: "db-relation-departed", Relation: "db", RelationID: 4, RemoteApp: "pg", RemoteUnit: "pg/1", DepartingUnit: "pg/1"},
			wantCalls: []string{"reconcile"}},
		{name: "relation-broken", ev: charmtest.RelationEvent(charm.RelationBroken, db, -1),
			want:      Event{Kind: "relation-broken", Hook: "db-relation-broken", Relation: "db", RelationID: 4, RemoteApp: "pg"},
			wantCalls: []string{"reconcile"}},
		{name: "storage-attached", ev: charm.Event{Kind: charm.StorageAttached, StorageName: "data", StorageID: "data/0", StoragePath: "/srv/data", RelationID: -1},
			want:      Event{Kind: "storage-attached", Hook: "data-storage-attached", RelationID: -1, Storage: "data", StorageID: "data/0", StorageLocation: "/srv/data"},
			wantCalls: []string{"reconcile"}},
		{name: "pebble-ready", ev: charmtest.PebbleReadyEvent("app"),
			want:      Event{Kind: "pebble-ready", Hook: "app-pebble-ready", RelationID: -1, Workload: "app"},
			wantCalls: []string{"reconcile"}},
		{name: "pebble-check-failed", ev: charm.Event{Kind: charm.PebbleCheckFailed, Workload: "app", CheckName: "alive", RelationID: -1},
			want:      Event{Kind: "pebble-check-failed", Hook: "app-pebble-check-failed", RelationID: -1, Workload: "app", Check: "alive"},
			wantCalls: []string{"reconcile"}},
		{name: "pebble-custom-notice", ev: charm.Event{Kind: charm.PebbleCustomNotice, Workload: "app", NoticeID: "7", NoticeType: "custom", NoticeKey: "example.com/ping", RelationID: -1},
			want:      Event{Kind: "pebble-custom-notice", Hook: "app-pebble-custom-notice", RelationID: -1, Workload: "app", NoticeID: "7", NoticeType: "custom", NoticeKey: "example.com/ping"},
			wantCalls: []string{"reconcile"}},
		{name: "secret-changed", ev: charmtest.SecretEvent(charm.SecretChanged, consumedSecret, "theirs", 0),
			want:      Event{Kind: "secret-changed", Hook: "secret-changed", RelationID: -1, SecretID: consumedSecret, SecretLabel: "theirs"},
			wantCalls: []string{"reconcile"}},
		{name: "secret-rotate", ev: charmtest.SecretEvent(charm.SecretRotate, ownedSecret, "mine", 0),
			want:      Event{Kind: "secret-rotate", Hook: "secret-rotate", RelationID: -1, SecretID: ownedSecret, SecretLabel: "mine"},
			wantCalls: []string{"rotate", "reconcile"}},
		{name: "secret-remove", ev: charmtest.SecretEvent(charm.SecretRemove, ownedSecret, "mine", 1),
			want:      Event{Kind: "secret-remove", Hook: "secret-remove", RelationID: -1, SecretID: ownedSecret, SecretLabel: "mine", SecretRevision: 1},
			wantCalls: []string{"reconcile"}},
		{name: "inner action", action: "ping",
			want:      Event{Kind: "action", Action: "ping", RelationID: -1},
			wantCalls: []string{"ping"}},
		{name: "built-in action", action: "events",
			want: Event{Kind: "action", Action: "events", RelationID: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := newInner()
			c := charmtest.New(t, Charm{Inner: in, Environ: DerivedEnviron}, testYAML)
			var out charmtest.Output
			if tt.action != "" {
				out = c.RunAction(t, tt.action, nil, testState())
			} else {
				out = c.Run(t, tt.ev, testState())
			}
			if out.Err != nil || out.ActionFailed {
				t.Fatalf("dispatch failed: %v %q", out.Err, out.ActionMessage)
			}
			logged := eventLines(t, out.Logs)
			if len(logged) != 1 {
				t.Fatalf("%d records logged, want 1: %q", len(logged), out.Logs)
			}
			if st := stored(t, out.State); len(st) != 1 || !reflect.DeepEqual(st[0], logged[0]) {
				t.Errorf("stored %+v, want exactly the logged %+v", st, logged[0])
			}
			got := logged[0]
			if got.Unit != "rec/0" || !got.Leader {
				t.Errorf("unit %q leader %v, want rec/0 and true", got.Unit, got.Leader)
			}
			want := tt.want
			want.Unit, want.Leader, want.Env = got.Unit, got.Leader, got.Env
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record\n got %+v\nwant %+v", got, want)
			}
			if calls := in.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("inner calls %q, want %q", calls, tt.wantCalls)
			}
		})
	}
}

// TestEnvMatchesEvent checks that the env a record carries is the
// dispatch's environment: the event's variables are there, the two
// excluded ones are not.
func TestEnvMatchesEvent(t *testing.T) {
	t.Parallel()
	c := charmtest.New(t, Charm{Inner: newInner(), Environ: DerivedEnviron}, testYAML)
	db := testState().Relations[1]
	out := c.Run(t, charmtest.RelationEvent(charm.RelationDeparted, db, 1), testState())
	got := eventLines(t, out.Logs)[0].Env
	for k, v := range map[string]string{
		"JUJU_UNIT_NAME":      "rec/0",
		"JUJU_HOOK_NAME":      "db-relation-departed",
		"JUJU_DISPATCH_PATH":  "hooks/db-relation-departed",
		"JUJU_RELATION":       "db",
		"JUJU_RELATION_ID":    "db:4",
		"JUJU_REMOTE_APP":     "pg",
		"JUJU_REMOTE_UNIT":    "pg/1",
		"JUJU_DEPARTING_UNIT": "pg/1",
		"JUJU_MODEL_NAME":     charmtest.DefaultModelName,
		"JUJU_VERSION":        charmtest.DefaultJujuVersion,
	} {
		if got[k] != v {
			t.Errorf("env %s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"JUJU_CONTEXT_ID", "JUJU_AGENT_TOKEN", "CHARM_DIR"} {
		if _, ok := got[k]; ok {
			t.Errorf("env has %s", k)
		}
	}
}

func TestJujuEnv(t *testing.T) {
	t.Parallel()
	got := JujuEnv([]string{
		"PATH=/bin", "JUJU_UNIT_NAME=a/0", "JUJU_AGENT_TOKEN=s3cr3t", "JUJU_CONTEXT_ID=a/0-install-1",
		"JUJU_CHARM_NO_PROXY=", "JUJU_API_ADDRESSES=10.0.0.1:17070 10.0.0.2:17070", "JUJU_X=a=b", "NOEQUALS", "JUJU",
	})
	want := map[string]string{
		"JUJU_UNIT_NAME": "a/0", "JUJU_CHARM_NO_PROXY": "", "JUJU_API_ADDRESSES": "10.0.0.1:17070 10.0.0.2:17070", "JUJU_X": "a=b",
	}
	if !maps.Equal(got, want) {
		t.Errorf("JujuEnv = %v, want %v", got, want)
	}
	if b, _ := json.Marshal(JujuEnv(nil)); string(b) != "{}" {
		t.Errorf("empty env encodes as %s, want {}", b)
	}
}

// TestWireFormat pins the record's keys and their order, and the
// encoding (compact, unescaped HTML characters).
func TestWireFormat(t *testing.T) {
	t.Parallel()
	ev := Event{Unit: "a/0", Kind: "action", Action: "x", RelationID: -1, Env: map[string]string{"JUJU_B": "<&>", "JUJU_A": "1"}}
	b, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"unit":"a/0","kind":"action","hook":"","action":"x","relation":"","relation_id":-1,` +
		`"remote_app":"","remote_unit":"","departing_unit":"","workload":"","notice_id":"","notice_type":"",` +
		`"notice_key":"","check":"","storage":"","storage_id":"","storage_location":"","secret_id":"",` +
		`"secret_label":"","secret_revision":0,"leader":false,"env":{"JUJU_A":"1","JUJU_B":"<&>"}}`
	if string(b) != want {
		t.Errorf("encoding\n got %s\nwant %s", b, want)
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	rec := `{"unit":"a/0","kind":"install","hook":"install","relation_id":-1,"leader":true,"env":{}}`
	for _, tc := range []struct {
		line   string
		ok     bool
		broken bool
	}{
		{line: "INFO EVENT " + rec, ok: true},
		{line: "INFO db:4: EVENT " + rec, ok: true}, // juju-log prefixes the relation in relation hooks
		{line: "EVENT " + rec, ok: true},
		{line: "INFO something else"},
		{line: "INFO EVENT not json"},
		{line: "INFO EVENT {broken", ok: true, broken: true},
	} {
		ev, ok, err := ParseLine(tc.line)
		if ok != tc.ok || (err != nil) != tc.broken {
			t.Errorf("ParseLine(%q) = ok %v, err %v", tc.line, ok, err)
			continue
		}
		if ok && !tc.broken && (ev.Unit != "a/0" || ev.Hook != "install" || !ev.Leader) {
			t.Errorf("ParseLine(%q) = %+v", tc.line, ev)
		}
	}
}

// list makes a stored list of n records of about size bytes each.
func list(n, size int) string {
	rec := `{"pad":"` + strings.Repeat("x", max(size-10, 0)) + `"}`
	recs := make([]string, n)
	for i := range recs {
		recs[i] = rec
	}
	return "[" + strings.Join(recs, ",") + "]"
}

func TestAppendCapped(t *testing.T) {
	t.Parallel()
	small := []byte(`{"new":true}`)
	big := bytes.Repeat([]byte("y"), MaxStateBytes)
	tests := []struct {
		name        string
		stored      string
		rec         []byte
		wantLen     int
		wantDropped int
	}{
		{name: "first record", stored: "", rec: small, wantLen: 1},
		{name: "empty list", stored: "[]", rec: small, wantLen: 1},
		{name: "below the count cap", stored: list(199, 20), rec: small, wantLen: 200},
		{name: "at the count cap", stored: list(200, 20), rec: small, wantLen: 200, wantDropped: 1},
		{name: "size cap drops the oldest", stored: list(64, 1024), rec: small, wantLen: 64, wantDropped: 1},
		{name: "size cap drops several", stored: list(40, 1600), rec: []byte(list(1, 5000)[1 : 5000+1]), wantLen: 38, wantDropped: 3},
		{name: "garbage is replaced", stored: "not json", rec: small, wantLen: 1, wantDropped: 1},
		{name: "a record too big for state", stored: list(2, 20), rec: big, wantLen: 0, wantDropped: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, dropped := appendCapped(tt.stored, tt.rec)
			var raws []json.RawMessage
			if err := json.Unmarshal(got, &raws); err != nil {
				t.Fatalf("result is not a JSON list: %v", err)
			}
			if len(raws) != tt.wantLen || dropped != tt.wantDropped {
				t.Errorf("len %d dropped %d, want %d and %d", len(raws), dropped, tt.wantLen, tt.wantDropped)
			}
			if len(got) > MaxStateBytes {
				t.Errorf("%d bytes, over the %d-byte cap", len(got), MaxStateBytes)
			}
			if tt.wantLen > 0 && !bytes.Equal(raws[len(raws)-1], tt.rec) {
				t.Errorf("last record %s, want the new one", raws[len(raws)-1])
			}
		})
	}
}

// TestCapsInState runs a dispatch against a full list and checks the
// stored list and the dropped counter.
func TestCapsInState(t *testing.T) {
	t.Parallel()
	c := charmtest.New(t, Charm{Inner: newInner(), Environ: DerivedEnviron}, testYAML)
	in := testState()
	in.Stored = map[string]string{StateKey: list(MaxEvents, 100), DroppedKey: "5"}
	st := c.MustRun(t, charmtest.Hook(charm.UpdateStatus), in)
	evs := stored(t, st)
	if len(evs) != MaxEvents || evs[len(evs)-1].Hook != "update-status" {
		t.Errorf("%d records, last %+v; want %d ending with update-status", len(evs), evs[len(evs)-1], MaxEvents)
	}
	if st.Stored[DroppedKey] != "6" {
		t.Errorf("%s = %q, want 6", DroppedKey, st.Stored[DroppedKey])
	}

	out := c.RunAction(t, "events", nil, st)
	if out.Err != nil || out.ActionFailed {
		t.Fatalf("events: %v %q", out.Err, out.ActionMessage)
	}
	if out.ActionResults["count"] != strconv.Itoa(MaxEvents) || out.ActionResults["dropped"] != "7" {
		t.Errorf("events results count %v dropped %v, want %d and 7", out.ActionResults["count"], out.ActionResults["dropped"], MaxEvents)
	}
}

// TestCrashNext drives the crash flag: set by the action, the named hook
// fails on every run without committing anything (so the flag survives),
// other hooks and actions run, and crash-clear ends it.
func TestCrashNext(t *testing.T) {
	t.Parallel()
	in := newInner()
	c := charmtest.New(t, Charm{Inner: in, Environ: DerivedEnviron}, testYAML)

	out := c.RunAction(t, "crash-next", map[string]any{"hook": "config-changed"}, testState())
	if out.Err != nil || out.ActionFailed || out.ActionResults["hook"] != "config-changed" {
		t.Fatalf("crash-next: %v %v %v", out.Err, out.ActionFailed, out.ActionResults)
	}
	st := out.State
	if st.Stored[CrashKey] != "config-changed" {
		t.Fatalf("state %v lacks the flag", st.Stored)
	}

	for range 2 { // and again on retry: the failed hook could not clear it
		out = c.Run(t, charmtest.Hook(charm.ConfigChanged), st)
		var crash *CrashError
		if !errors.As(out.Err, &crash) || crash.Hook != "config-changed" || !IsCrash(out.Err) {
			t.Fatalf("Err = %v, want a CrashError for config-changed", out.Err)
		}
		if !reflect.DeepEqual(out.State, st) {
			t.Errorf("a crashed hook changed the state:\n got %+v\nwant %+v", out.State, st)
		}
		if evs := eventLines(t, out.Logs); len(evs) != 1 || evs[0].Hook != "config-changed" {
			t.Errorf("crashed hook logged %+v, want its record", evs)
		}
	}
	if calls := in.Calls(); len(calls) != 0 {
		t.Errorf("inner charm ran %q in a crashed hook", calls)
	}

	st = c.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	if calls := in.Calls(); !slices.Equal(calls, []string{"reconcile"}) {
		t.Errorf("update-status ran %q", calls)
	}

	out = c.RunAction(t, "crash-clear", nil, st)
	if out.Err != nil || out.ActionFailed || out.ActionResults["cleared"] != "config-changed" {
		t.Fatalf("crash-clear: %v %v %v", out.Err, out.ActionFailed, out.ActionResults)
	}
	if _, ok := out.State.Stored[CrashKey]; ok {
		t.Errorf("flag still set: %v", out.State.Stored)
	}
	st = c.MustRun(t, charmtest.Hook(charm.ConfigChanged), out.State)
	// crash-next, update-status, crash-clear, config-changed: the two
	// crashed runs are not in the list.
	var hooks []string
	for _, ev := range stored(t, st) {
		hooks = append(hooks, ev.Hook+ev.Action)
	}
	if want := []string{"crash-next", "update-status", "crash-clear", "config-changed"}; !slices.Equal(hooks, want) {
		t.Errorf("stored %q, want %q", hooks, want)
	}

	out = c.RunAction(t, "crash-clear", nil, st)
	if out.ActionFailed || out.ActionResults["cleared"] != "" {
		t.Errorf("crash-clear without a flag: failed %v results %v", out.ActionFailed, out.ActionResults)
	}
}

func TestCrashNextRejectsNonHooks(t *testing.T) {
	t.Parallel()
	c := charmtest.New(t, Charm{Inner: newInner(), Environ: DerivedEnviron}, testYAML)
	for _, hook := range []string{"", "events", "frobnicate"} {
		out := c.RunAction(t, "crash-next", map[string]any{"hook": hook}, testState())
		if out.Err != nil || !out.ActionFailed || !strings.HasPrefix(out.ActionMessage, "crash-next: unknown hook") {
			t.Errorf("hook %q: err %v failed %v message %q", hook, out.Err, out.ActionFailed, out.ActionMessage)
		}
		if _, ok := out.State.Stored[CrashKey]; ok {
			t.Errorf("hook %q: flag set", hook)
		}
	}
}
