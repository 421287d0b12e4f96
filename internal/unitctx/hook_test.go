package unitctx

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/jujuc"
)

func testMeta() *charmcraft.Charm {
	return &charmcraft.Charm{
		Name:     "hydra",
		Requires: map[string]charmcraft.Endpoint{"db": {Interface: "postgresql_client"}},
		Peers:    map[string]charmcraft.Endpoint{"peers": {Interface: "hydra_peers"}},
	}
}

func hookEvent(kind charm.Kind) charm.Event {
	return charm.Event{Kind: kind, Name: string(kind), RelationID: -1}
}

// begin starts a hook that must start.
func begin(t *testing.T, p Params) *Hook {
	t.Helper()
	if p.Meta == nil {
		p.Meta = testMeta()
	}
	if p.Event.Kind == "" {
		p.Event = hookEvent(charm.UpdateStatus)
	}
	k, err := Begin(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tool runs one tool through Tools, as a charm would.
func tool(t *testing.T, k *Hook, name string, args ...string) (string, error) {
	t.Helper()
	out, err := k.Tools().Run(context.Background(), name, args, nil)
	return string(out), err
}

func TestBeginRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    Params
		want string
	}{
		{"no metadata", Params{Env: charm.Env{UnitName: "hydra/0"}}, "unitctx: no charm metadata"},
		{"no unit", Params{Meta: testMeta()}, `unitctx: "" is not a unit name`},
		{"bad number", Params{Meta: testMeta(), Env: charm.Env{UnitName: "hydra/x"}}, `unitctx: "hydra/x" is not a unit name`},
		{"bad application", Params{Meta: testMeta(), Env: charm.Env{UnitName: "Hydra/0"}}, `unitctx: "Hydra/0" is not a unit name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Begin(tc.p); err == nil || err.Error() != tc.want {
				t.Errorf("Begin = %v, want %q", err, tc.want)
			}
		})
	}
}

// The application is the unit's, which a controller may name otherwise
// than the charm: relation keys, goal state and secret URIs follow it.
func TestApplicationNamedByUnit(t *testing.T) {
	t.Parallel()
	st := State{Leader: true, Relations: []Relation{
		{Endpoint: "db", ID: 3, RemoteApp: "pg", RemoteEndpoint: "database", RemoteUnits: map[int]map[string]string{0: {}}},
		{Endpoint: "peers", ID: 1, RemoteApp: "auth", RemoteUnits: map[int]map[string]string{0: {"x": "y"}}},
	}}
	k := begin(t, Params{Env: charm.Env{UnitName: "auth/2", ModelUUID: "7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e"}, State: st})
	if got := k.Context().UnitName(); got != "auth/2" {
		t.Errorf("UnitName = %q", got)
	}
	r, err := k.Context().Relation(3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Key() != "auth:db pg:database" {
		t.Errorf("Key = %q", r.Key())
	}
	if got, err := tool(t, k, "relation-get", "-r", "1", "x", "auth/0"); err != nil || got != "y\n" {
		t.Errorf("peer relation-get = %q, %v", got, err)
	}
	id, err := tool(t, k, "secret-add", "key=b")
	if err != nil || !strings.HasPrefix(id, "secret://7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e/") {
		t.Errorf("secret-add = %q, %v", id, err)
	}
}

func TestImmediateEffects(t *testing.T) {
	t.Parallel()
	var logs []string
	var units, apps []Status
	in := State{Leader: true}
	k := begin(t, Params{
		Env:   charm.Env{UnitName: "hydra/0"},
		State: in,
		OnLog: func(level, msg string) { logs = append(logs, level+":"+msg) },
		OnStatus: func(unit, app *Status) {
			if unit != nil {
				units = append(units, *unit)
			}
			if app != nil {
				apps = append(apps, *app)
			}
		},
	})
	for _, args := range [][]string{
		{"juju-log", "-l", "WARNING", "careful"},
		{"status-set", "maintenance", "working"},
		{"status-set", "--application", "active", "all good"},
		{"state-set", "k=v"},
	} {
		if _, err := tool(t, k, args[0], args[1:]...); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
	}
	if !reflect.DeepEqual(logs, []string{"WARNING:careful"}) {
		t.Errorf("OnLog saw %q", logs)
	}
	if !reflect.DeepEqual(units, []Status{{"maintenance", "working"}}) || !reflect.DeepEqual(apps, []Status{{"active", "all good"}}) {
		t.Errorf("OnStatus saw units %v apps %v", units, apps)
	}
	out := k.End(errors.New("boom"))
	if out.State.UnitStatus.Name != "maintenance" || out.State.AppStatus.Name != "active" || out.State.Stored != nil {
		t.Errorf("failed hook: %+v", out.State)
	}
	if !reflect.DeepEqual(out.Logs, []string{"WARNING careful"}) || out.Err == nil {
		t.Errorf("Output = %+v", out)
	}
	if in.UnitStatus.Name != "" {
		t.Error("the hook wrote into its input")
	}
}

func TestEndIsFinal(t *testing.T) {
	t.Parallel()
	k := begin(t, Params{Env: charm.Env{UnitName: "hydra/0"}})
	if _, err := tool(t, k, "state-set", "a=1"); err != nil {
		t.Fatal(err)
	}
	out := k.End(nil)
	if out.Err != nil || out.State.Stored["a"] != "1" {
		t.Fatalf("End = %+v", out)
	}
	if _, err := tool(t, k, "state-set", "a=2"); err == nil {
		t.Error("a tool ran after End")
	}
	again := k.End(errors.New("late"))
	if again.Err != nil || again.State.Stored["a"] != "1" {
		t.Errorf("second End = %+v", again)
	}
}

type exitErr int

func (e exitErr) Error() string { return "exited" }
func (e exitErr) ExitCode() int { return int(e) }

func TestActionOutcome(t *testing.T) {
	t.Parallel()
	action := charm.Event{Kind: charm.Action, Name: "go", ActionName: "go", RelationID: -1}
	for _, tc := range []struct {
		name       string
		tools      [][]string
		err        error
		wantFailed bool
		wantMsg    string
	}{
		{name: "success", tools: [][]string{{"action-set", "a.b=c"}}},
		{name: "action-fail", tools: [][]string{{"action-fail", "nope"}}, wantFailed: true, wantMsg: "nope"},
		// Juju records the process's error, whatever the charm said.
		{name: "process failed", tools: [][]string{{"action-fail", "nope"}}, err: exitErr(3), wantFailed: true, wantMsg: "exit status 3"},
		{name: "plain error", err: errors.New("boom"), wantFailed: true, wantMsg: "exit status 1"},
		// A follower's write to its application's secret passes the tool
		// and is refused at commit (finalizeAction's message).
		{name: "commit refused", tools: [][]string{{"secret-set", "secret:d0f3h5ltmf1s4kmdpt3g", "key=v2"}}, wantFailed: true, wantMsg: "committing requested changes failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := State{Secrets: []Secret{{ID: "secret:d0f3h5ltmf1s4kmdpt3g", Owner: "application", Revision: 1, Content: map[string]string{"key": "v"}}}}
			k := begin(t, Params{Env: charm.Env{UnitName: "hydra/0"}, Event: action, State: st, ActionParams: map[string]any{"x": 1.0}})
			if got, err := tool(t, k, "action-get", "x"); err != nil || got != "1\n" {
				t.Fatalf("action-get = %q, %v", got, err)
			}
			for _, args := range tc.tools {
				if _, err := tool(t, k, args[0], args[1:]...); err != nil {
					t.Fatalf("%q: %v", args, err)
				}
			}
			out := k.End(tc.err)
			if out.ActionFailed != tc.wantFailed || out.ActionMessage != tc.wantMsg {
				t.Errorf("failed=%v message=%q, want %v %q", out.ActionFailed, out.ActionMessage, tc.wantFailed, tc.wantMsg)
			}
			if tc.name == "success" && !reflect.DeepEqual(out.ActionResults, map[string]any{"a": map[string]any{"b": "c"}}) {
				t.Errorf("results = %v", out.ActionResults)
			}
		})
	}
}

func TestContextOutsideActions(t *testing.T) {
	t.Parallel()
	k := begin(t, Params{Env: charm.Env{UnitName: "hydra/0"}})
	if _, err := k.Context().ActionParams(); !errors.Is(err, jujuc.ErrNotRunningAction) {
		t.Errorf("ActionParams in a hook = %v", err)
	}
}
