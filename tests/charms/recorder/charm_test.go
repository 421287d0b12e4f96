package main

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/tests/charms/record"
)

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(); err != nil {
		t.Fatal(err)
	}
	return &charmtest.Context{Charm: record.Charm{Inner: recorder{}, Environ: record.DerivedEnviron}, Meta: meta}
}

// Relations on every endpoint: the peer relation with recorder/1, our
// source feeding another recorder's sink, our sink fed by another
// recorder's source, and other.
func peersRel() charmtest.Relation {
	return charmtest.Relation{Endpoint: "peers", ID: 0, RemoteUnits: map[int]map[string]string{1: {"unit": "recorder/1"}}}
}

func sourceRel() charmtest.Relation {
	return charmtest.Relation{Endpoint: "source", ID: 2, RemoteApp: "downstream", RemoteEndpoint: "sink", RemoteUnits: map[int]map[string]string{0: {}}}
}

func sinkRel() charmtest.Relation {
	return charmtest.Relation{Endpoint: "sink", ID: 3, RemoteApp: "upstream", RemoteEndpoint: "source", RemoteUnits: map[int]map[string]string{0: {}}}
}

func otherRel() charmtest.Relation {
	return charmtest.Relation{Endpoint: "other", ID: 5, RemoteApp: "thing", RemoteUnits: map[int]map[string]string{0: {}}}
}

func allRelations() []charmtest.Relation {
	return []charmtest.Relation{peersRel(), sourceRel(), sinkRel(), otherRel()}
}

// TestEventLine pins the exact juju-log line of one hook, as the
// controller's integration tests will read it (juju-log itself prefixes
// the relation in relation hooks).
func TestEventLine(t *testing.T) {
	t.Parallel()
	out := newContext(t).Run(t, charmtest.RelationEvent(charm.RelationChanged, sinkRel(), 0),
		charmtest.State{Leader: true, Relations: []charmtest.Relation{sinkRel()}})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	const want = `INFO sink:3: EVENT {"unit":"recorder/0","kind":"relation-changed","hook":"sink-relation-changed",` +
		`"action":"","relation":"sink","relation_id":3,"remote_app":"upstream","remote_unit":"upstream/0",` +
		`"departing_unit":"","workload":"","notice_id":"","notice_type":"","notice_key":"","check":"",` +
		`"storage":"","storage_id":"","storage_location":"","secret_id":"","secret_label":"","secret_revision":0,` +
		`"leader":true,"env":{"JUJU_CHARM_DIR":"/var/lib/juju/agents/unit-recorder-0/charm",` +
		`"JUJU_CHARM_HTTPS_PROXY":"","JUJU_CHARM_HTTP_PROXY":"","JUJU_CHARM_NO_PROXY":"",` +
		`"JUJU_DISPATCH_PATH":"hooks/sink-relation-changed","JUJU_HOOK_NAME":"sink-relation-changed",` +
		`"JUJU_MODEL_NAME":"test-model","JUJU_MODEL_UUID":"7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e",` +
		`"JUJU_RELATION":"sink","JUJU_RELATION_ID":"sink:3","JUJU_REMOTE_APP":"upstream",` +
		`"JUJU_REMOTE_UNIT":"upstream/0","JUJU_UNIT_NAME":"recorder/0","JUJU_VERSION":"3.6.11"}}`
	if len(out.Logs) == 0 || out.Logs[0] != want {
		t.Errorf("first log line\n got %q\nwant %q", out.Logs, want)
	}
	// The stored record is the logged one.
	_, rec, _ := strings.Cut(want, "EVENT ")
	if got := out.State.Stored[record.StateKey]; got != "["+rec+"]" {
		t.Errorf("stored %s, want [%s]", got, rec)
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	staleApp := map[string]string{"leader": "recorder/7", "config-message": "old"}
	tests := []struct {
		name       string
		leader     bool
		config     map[string]any
		rels       []charmtest.Relation
		ev         charm.Event
		wantStatus string
		// wantApp is every relation's local app databag afterwards.
		wantApp map[string]string
	}{{
		name:       "leader publishes on every relation",
		leader:     true,
		config:     map[string]any{"message": "hello"},
		rels:       allRelations(),
		ev:         charmtest.Hook(charm.ConfigChanged),
		wantStatus: `relations: 4, message: "hello"`,
		wantApp:    map[string]string{"leader": "recorder/0", "config-message": "hello"},
	}, {
		name:       "empty message leaves config-message out",
		leader:     true,
		rels:       allRelations(),
		ev:         charmtest.Hook(charm.ConfigChanged),
		wantStatus: `relations: 4, message: ""`,
		wantApp:    map[string]string{"leader": "recorder/0"},
	}, {
		name:       "non-leader writes only its unit databag",
		leader:     false,
		config:     map[string]any{"message": "hello"},
		rels:       withApp(allRelations(), staleApp),
		ev:         charmtest.Hook(charm.UpdateStatus),
		wantStatus: `relations: 4, message: "hello"`,
		wantApp:    staleApp,
	}, {
		name:       "no relations",
		leader:     true,
		config:     map[string]any{"message": "x", "count": 3, "ratio": 0.25, "flag": true},
		ev:         charmtest.Hook(charm.Install),
		wantStatus: `relations: 0, message: "x"`,
	}, {
		name:       "a broken relation no longer counts",
		leader:     true,
		rels:       []charmtest.Relation{sinkRel()},
		ev:         charmtest.RelationEvent(charm.RelationBroken, sinkRel(), -1),
		wantStatus: `relations: 0, message: ""`,
	}}
	c := newContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := c.MustRun(t, tt.ev, charmtest.State{Leader: tt.leader, Config: tt.config, Relations: tt.rels})
			if want := (charmtest.Status{Name: "active", Message: tt.wantStatus}); st.UnitStatus != want {
				t.Errorf("status %+v, want %+v", st.UnitStatus, want)
			}
			if tt.ev.Kind == charm.RelationBroken {
				return
			}
			for _, r := range st.Relations {
				if !maps.Equal(r.LocalAppData, tt.wantApp) {
					t.Errorf("%s: app databag %v, want %v", r.Endpoint, r.LocalAppData, tt.wantApp)
				}
				if want := map[string]string{"unit": "recorder/0"}; !maps.Equal(r.LocalUnitData, want) {
					t.Errorf("%s: unit databag %v, want %v", r.Endpoint, r.LocalUnitData, want)
				}
			}
		})
	}
}

func withApp(rels []charmtest.Relation, app map[string]string) []charmtest.Relation {
	for i := range rels {
		rels[i].LocalAppData = maps.Clone(app)
	}
	return rels
}

// TestSetAppData checks the action on the leader and what the harness,
// as Juju, answers a non-leader: relation-set --app is refused before
// anything is buffered.
func TestSetAppData(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	params := map[string]any{"key": "k", "value": "v"}

	t.Run("leader", func(t *testing.T) {
		t.Parallel()
		out := c.RunAction(t, "set-app-data", params, charmtest.State{Leader: true, Relations: allRelations()})
		if out.Err != nil || out.ActionFailed {
			t.Fatalf("%v %q", out.Err, out.ActionMessage)
		}
		wantResults := map[string]any{
			"results": `{"other:5":"ok","peers:0":"ok","sink:3":"ok","source:2":"ok"}`,
			"written": "4", "failed": "0",
		}
		if !reflect.DeepEqual(out.ActionResults, wantResults) {
			t.Errorf("results %v, want %v", out.ActionResults, wantResults)
		}
		for _, r := range out.State.Relations {
			if r.LocalAppData["k"] != "v" {
				t.Errorf("%s: app databag %v", r.Endpoint, r.LocalAppData)
			}
		}
	})

	t.Run("non-leader is refused", func(t *testing.T) {
		t.Parallel()
		in := charmtest.State{Leader: false, Relations: withApp(allRelations(), map[string]string{"k": "old"})}
		out := c.RunAction(t, "set-app-data", params, in)
		if out.Err != nil {
			t.Fatal(out.Err)
		}
		const refusal = "relation-set: cannot write relation settings"
		wantResults := map[string]any{
			"results": `{"other:5":"` + refusal + `","peers:0":"` + refusal + `","sink:3":"` + refusal + `","source:2":"` + refusal + `"}`,
			"written": "0", "failed": "4", "error": refusal,
		}
		if !reflect.DeepEqual(out.ActionResults, wantResults) {
			t.Errorf("results %v, want %v", out.ActionResults, wantResults)
		}
		if want := "relation-set --app failed on 4 of 4 relations: " + refusal; !out.ActionFailed || out.ActionMessage != want {
			t.Errorf("failed %v message %q, want %q", out.ActionFailed, out.ActionMessage, want)
		}
		for _, r := range out.State.Relations {
			if !maps.Equal(r.LocalAppData, map[string]string{"k": "old"}) {
				t.Errorf("%s: app databag changed to %v", r.Endpoint, r.LocalAppData)
			}
		}
		// action-fail commits the rest: the action's own record.
		if evs, err := record.ParseList(out.State.Stored[record.StateKey]); err != nil || len(evs) != 1 || evs[0].Action != "set-app-data" {
			t.Errorf("stored events %v (%v), want the action's record", evs, err)
		}
	})

	t.Run("no relations", func(t *testing.T) {
		t.Parallel()
		out := c.RunAction(t, "set-app-data", params, charmtest.State{Leader: true})
		if out.Err != nil || out.ActionFailed || out.ActionResults["results"] != "{}" {
			t.Errorf("%v %v %v", out.Err, out.ActionFailed, out.ActionResults)
		}
	})
}

// TestSecrets creates a secret on one recorder, grants it over the
// source->sink relation to another recorder, and reads it there; an
// ungranted secret is refused.
func TestSecrets(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	provider := charmtest.State{Leader: true, Relations: []charmtest.Relation{sourceRel()}}
	out := c.RunAction(t, "secret-add", map[string]any{
		"content":     map[string]any{"password": "hunter2"},
		"label":       "db-password",
		"relation-id": 2,
	}, provider)
	if out.Err != nil || out.ActionFailed {
		t.Fatalf("secret-add: %v %q", out.Err, out.ActionMessage)
	}
	uri, _ := out.ActionResults["uri"].(string)
	if !strings.HasPrefix(uri, "secret:") || out.ActionResults["granted"] != "2" {
		t.Fatalf("results %v", out.ActionResults)
	}
	provider = out.State
	if len(provider.Secrets) != 1 || provider.Secrets[0].Label != "db-password" || provider.Secrets[0].Owner != "application" ||
		!slices.Equal(provider.Secrets[0].Grants[2], []string{"downstream"}) {
		t.Fatalf("secrets %+v", provider.Secrets)
	}

	// The consumer is another recorder, related sink <- source.
	consumer := charmtest.State{Relations: []charmtest.Relation{{
		Endpoint: "sink", ID: 2, RemoteApp: "recorder", RemoteEndpoint: "source", RemoteUnits: map[int]map[string]string{0: {}},
	}}}
	ungranted := c.RunAction(t, "secret-get", map[string]any{"uri": uri}, consumer)
	if want := "secret-get: permission denied"; !ungranted.ActionFailed || ungranted.ActionMessage != want || ungranted.ActionResults["error"] != want {
		t.Errorf("ungranted secret-get: failed %v message %q results %v, want %q", ungranted.ActionFailed, ungranted.ActionMessage, ungranted.ActionResults, want)
	}

	consumer = charmtest.Across(provider, 0, 2, consumer)
	got := c.RunAction(t, "secret-get", map[string]any{"uri": uri}, consumer)
	if got.Err != nil || got.ActionFailed || got.ActionResults["content"] != `{"password":"hunter2"}` {
		t.Errorf("granted secret-get: %v %q %v", got.Err, got.ActionMessage, got.ActionResults)
	}

	t.Run("non-leader cannot add an application secret", func(t *testing.T) {
		t.Parallel()
		out := c.RunAction(t, "secret-add", map[string]any{"content": map[string]any{"password": "x"}}, charmtest.State{})
		if want := "secret-add: this unit is not the leader"; !out.ActionFailed || out.ActionMessage != want {
			t.Errorf("failed %v message %q, want %q", out.ActionFailed, out.ActionMessage, want)
		}
		if len(out.State.Secrets) != 0 {
			t.Errorf("secrets %+v", out.State.Secrets)
		}
	})
	t.Run("non-leader can add a unit secret", func(t *testing.T) {
		t.Parallel()
		out := c.RunAction(t, "secret-add", map[string]any{"content": map[string]any{"password": "x"}, "owner": "unit"}, charmtest.State{})
		if out.ActionFailed || len(out.State.Secrets) != 1 || out.State.Secrets[0].Owner != "unit" {
			t.Errorf("failed %v %q secrets %+v", out.ActionFailed, out.ActionMessage, out.State.Secrets)
		}
	})
	t.Run("a failed grant still creates the secret", func(t *testing.T) {
		t.Parallel()
		out := c.RunAction(t, "secret-add", map[string]any{"content": map[string]any{"password": "x"}, "relation-id": 9}, charmtest.State{Leader: true})
		if !out.ActionFailed || !strings.HasPrefix(out.ActionMessage, "secret-grant: ") || out.ActionResults["uri"] == nil {
			t.Errorf("failed %v message %q results %v", out.ActionFailed, out.ActionMessage, out.ActionResults)
		}
		if len(out.State.Secrets) != 1 {
			t.Errorf("secrets %+v", out.State.Secrets)
		}
	})
}

func TestFailAction(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{nil, "failed on request"},
		{map[string]any{"message": "-boom"}, "-boom"},
	} {
		out := c.RunAction(t, "fail", tc.params, charmtest.State{})
		if out.Err != nil || !out.ActionFailed || out.ActionMessage != tc.want {
			t.Errorf("params %v: err %v failed %v message %q, want %q", tc.params, out.Err, out.ActionFailed, out.ActionMessage, tc.want)
		}
		if _, ok := out.State.Stored[record.StateKey]; !ok {
			t.Errorf("params %v: action-fail did not commit the record", tc.params)
		}
	}
}

// TestEventsAction runs a short life and reads it back.
func TestEventsAction(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	st := charmtest.State{Leader: true}
	for _, kind := range []charm.Kind{charm.Install, charm.LeaderElected, charm.ConfigChanged, charm.Start} {
		st = c.MustRun(t, charmtest.Hook(kind), st)
	}
	st.Relations = []charmtest.Relation{sinkRel()}
	st = c.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, sinkRel(), -1), st)
	st = c.MustRun(t, charmtest.RelationEvent(charm.RelationJoined, sinkRel(), 0), st)

	out := c.RunAction(t, "events", nil, st)
	if out.Err != nil || out.ActionFailed {
		t.Fatalf("%v %q", out.Err, out.ActionMessage)
	}
	list, _ := out.ActionResults["events"].(string)
	evs, err := record.ParseList(list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range evs {
		names = append(names, ev.Hook+ev.Action)
	}
	want := []string{"install", "leader-elected", "config-changed", "start", "sink-relation-created", "sink-relation-joined", "events"}
	if !slices.Equal(names, want) {
		t.Errorf("events %q, want %q", names, want)
	}
	if out.ActionResults["count"] != "7" || out.ActionResults["dropped"] != "0" {
		t.Errorf("results %v", out.ActionResults)
	}
	if !json.Valid([]byte(list)) || strings.ContainsAny(list, "\n ") {
		t.Errorf("events is not compact JSON: %s", list)
	}
}

// TestBinary runs the compiled dispatch as Juju would and checks that the
// records carry the real process environment: the agent socket variables
// are there, the token and context ID are not, and the typed fields match
// the in-process run.
func TestBinary(t *testing.T) {
	t.Parallel()
	dispatch := charmtest.BuildDispatch(t)
	c := newContext(t)
	in := charmtest.State{Leader: true, Config: map[string]any{"message": "hi"}, Relations: allRelations()}
	ev := charmtest.RelationEvent(charm.RelationChanged, sinkRel(), 0)

	got := c.RunBinary(t, dispatch, ev, in)
	want := c.Run(t, ev, in)
	if got.Err != nil || want.Err != nil {
		t.Fatalf("RunBinary: %v; Run: %v", got.Err, want.Err)
	}
	gotRec, wantRec := onlyRecord(t, got.Logs), onlyRecord(t, want.Logs)
	for _, k := range []string{"JUJU_AGENT_SOCKET_ADDRESS", "JUJU_AGENT_SOCKET_NETWORK", "JUJU_UNIT_NAME", "JUJU_RELATION_ID"} {
		if gotRec.Env[k] == "" {
			t.Errorf("binary record lacks %s: %v", k, gotRec.Env)
		}
	}
	for _, k := range []string{"JUJU_AGENT_TOKEN", "JUJU_CONTEXT_ID"} {
		if _, ok := gotRec.Env[k]; ok {
			t.Errorf("binary record has %s", k)
		}
	}
	gotRec.Env, wantRec.Env = nil, nil
	if !reflect.DeepEqual(gotRec, wantRec) {
		t.Errorf("binary record\n got %+v\nwant %+v", gotRec, wantRec)
	}
	if got.State.UnitStatus != want.State.UnitStatus || !reflect.DeepEqual(got.State.Relations, want.State.Relations) {
		t.Errorf("binary run state differs:\n got %+v\nwant %+v", got.State, want.State)
	}

	// A crash is exit status 1 with nothing committed.
	crashing := in
	crashing.Stored = map[string]string{record.CrashKey: "sink-relation-changed"}
	out := c.RunBinary(t, dispatch, ev, crashing)
	var exit *charmtest.ExitError
	if !errors.As(out.Err, &exit) || exit.Code != 1 || !strings.Contains(out.Err.Error(), `crash-next: failing hook "sink-relation-changed"`) {
		t.Fatalf("Err = %v, want exit status 1 from crash-next", out.Err)
	}
	if !reflect.DeepEqual(out.State.Stored, crashing.Stored) {
		t.Errorf("crashed hook committed state: %v", out.State.Stored)
	}
	for _, r := range out.State.Relations {
		if len(r.LocalAppData) > 0 || len(r.LocalUnitData) > 0 {
			t.Errorf("crashed hook committed relation data on %s: %v %v", r.Endpoint, r.LocalAppData, r.LocalUnitData)
		}
	}
	if onlyRecord(t, out.Logs).Hook != "sink-relation-changed" {
		t.Errorf("crashed hook not logged: %q", out.Logs)
	}

	act := c.RunBinaryAction(t, dispatch, "set-app-data", map[string]any{"key": "k", "value": "v"}, charmtest.State{Relations: allRelations()})
	if !act.ActionFailed || act.ActionResults["failed"] != "4" {
		t.Errorf("non-leader set-app-data through the binary: failed %v results %v", act.ActionFailed, act.ActionResults)
	}
}

func onlyRecord(t *testing.T, logs []string) record.Event {
	t.Helper()
	var evs []record.Event
	for _, l := range logs {
		ev, ok, err := record.ParseLine(l)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			evs = append(evs, ev)
		}
	}
	if len(evs) != 1 {
		t.Fatalf("%d records in %q, want 1", len(evs), logs)
	}
	return evs[0]
}

// TestEveryActionHasAHandler: an action the metadata declares but the
// binary lacks would exit 1 without a record.
func TestEveryActionHasAHandler(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	handlers := c.Charm.(charm.ActionHandlers).Actions()
	for name := range c.Meta.Actions {
		if handlers[name] == nil {
			t.Errorf("action %s has no handler", name)
		}
	}
}
