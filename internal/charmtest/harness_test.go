package charmtest

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// inlineCharm is a charm made of functions, for harness tests.
type inlineCharm struct {
	reconcile func(c *charm.Context) error
	actions   map[string]charm.ActionFunc
}

func (c inlineCharm) Reconcile(ctx *charm.Context) error {
	if c.reconcile == nil {
		return nil
	}
	return c.reconcile(ctx)
}

func (c inlineCharm) Actions() map[string]charm.ActionFunc { return c.actions }

// writer does one of each buffered and immediate change.
func writer(fail error) inlineCharm {
	return inlineCharm{reconcile: func(c *charm.Context) error {
		ctx, tools := c.Context(), c.Tools
		steps := []error{
			tools.RelationSet(ctx, 1, false, map[string]string{"url": "https://hydra"}),
			tools.StateSet(ctx, map[string]string{"seen": "yes"}),
			tools.StatusSet(ctx, hooktool.Status{Name: "active", Message: "ready"}, false),
			tools.ApplicationVersionSet(ctx, "2.3"),
			tools.Log(ctx, hooktool.LevelWarning, "careful"),
		}
		if _, err := tools.SecretAdd(ctx, map[string]string{"password": "p"}, hooktool.SecretOptions{Label: "admin", Owner: "unit"}); err != nil {
			steps = append(steps, err)
		}
		if err := errors.Join(steps...); err != nil {
			return err
		}
		return fail
	}}
}

func TestRunCommitsOnlyOnSuccess(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		fail error
	}{
		{name: "success commits", fail: nil},
		{name: "failure discards", fail: boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := &Context{Charm: writer(tc.fail), Meta: testMeta()}
			out := ctx.Run(t, Hook(charm.ConfigChanged), testState())
			if !errors.Is(out.Err, tc.fail) {
				t.Fatalf("Err = %v, want %v", out.Err, tc.fail)
			}
			st := out.State
			if st.UnitStatus != (Status{Name: "active", Message: "ready"}) || st.WorkloadVersion != "2.3" {
				t.Errorf("immediate effects lost: %+v %q", st.UnitStatus, st.WorkloadVersion)
			}
			if !reflect.DeepEqual(out.Logs, []string{"WARNING careful"}) {
				t.Errorf("logs = %q", out.Logs)
			}
			committed := st.Relations[0].LocalUnitData["url"] == "https://hydra" && st.Stored["seen"] == "yes" && len(st.Secrets) == 1
			if committed != (tc.fail == nil) {
				t.Errorf("committed = %v for error %v: %+v", committed, tc.fail, st)
			}
		})
	}
}

func TestRunEnvironment(t *testing.T) {
	t.Parallel()
	var env charm.Env
	var ev charm.Event
	ch := inlineCharm{reconcile: func(c *charm.Context) error {
		env, ev = c.Env, c.Event
		return nil
	}}
	ctx := &Context{Charm: ch, Meta: testMeta(), UnitNumber: 3, ModelName: "prod"}
	st := testState()
	out := ctx.Run(t, RelationEvent(charm.RelationJoined, st.Relations[0], 10), st)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	wantEnv := charm.Env{
		UnitName: "hydra/3", AppName: "hydra", UnitNumber: 3, ModelName: "prod", ModelUUID: DefaultModelUUID,
		CharmDir: "/var/lib/juju/agents/unit-hydra-3/charm", JujuVersion: "3.6.11",
		ContextID: "hydra/3-db-relation-joined-1", DispatchPath: "hooks/db-relation-joined",
	}
	if env != wantEnv {
		t.Errorf("env = %+v\nwant  %+v", env, wantEnv)
	}
	wantEv := charm.Event{Kind: charm.RelationJoined, Name: "db-relation-joined", Relation: "db", RelationID: 1, RemoteUnit: "postgresql/10", RemoteApp: "postgresql"}
	if ev != wantEv {
		t.Errorf("event = %+v, want %+v", ev, wantEv)
	}
}

func TestRunAction(t *testing.T) {
	t.Parallel()
	var params map[string]any
	ctx := &Context{Meta: testMeta(), Charm: inlineCharm{actions: map[string]charm.ActionFunc{
		"create-client": func(c *charm.Context) error {
			var err error
			if params, err = c.Tools.ActionGet(c.Context()); err != nil {
				return err
			}
			name, _ := params["name"].(string)
			if err := c.Tools.ActionLog(c.Context(), "creating "+name); err != nil {
				return err
			}
			if err := c.Tools.StateSet(c.Context(), map[string]string{"client": name}); err != nil {
				return err
			}
			if err := c.Tools.ActionSet(c.Context(), map[string]string{"client.id": "abc", "client.name": name}); err != nil {
				return err
			}
			switch name {
			case "soft-fail":
				return c.Tools.ActionFail(c.Context(), "quota exceeded")
			case "crash":
				return errors.New("crash")
			}
			return nil
		},
	}}}
	for _, tc := range []struct {
		name       string
		wantFailed bool
		wantMsg    string
		wantStored bool
	}{
		{name: "ok", wantStored: true},
		// action-fail fails the action but still commits.
		{name: "soft-fail", wantFailed: true, wantMsg: "quota exceeded", wantStored: true},
		{name: "crash", wantFailed: true, wantMsg: "exit status 1"},
	} {
		out := ctx.RunAction(t, "create-client", map[string]any{"name": tc.name}, State{})
		if tc.name != "crash" && out.Err != nil {
			t.Fatalf("%s: %v", tc.name, out.Err)
		}
		wantResults := map[string]any{"client": map[string]any{"id": "abc", "name": tc.name}}
		if !reflect.DeepEqual(out.ActionResults, wantResults) {
			t.Errorf("%s: results = %v, want %v", tc.name, out.ActionResults, wantResults)
		}
		if out.ActionFailed != tc.wantFailed || out.ActionMessage != tc.wantMsg {
			t.Errorf("%s: failed=%v message=%q", tc.name, out.ActionFailed, out.ActionMessage)
		}
		if (out.State.Stored["client"] == tc.name) != tc.wantStored {
			t.Errorf("%s: stored = %v", tc.name, out.State.Stored)
		}
		if !reflect.DeepEqual(out.ActionLogs, []string{"creating " + tc.name}) {
			t.Errorf("%s: action logs = %q", tc.name, out.ActionLogs)
		}
	}
	// Defaults are applied and numbers arrive as JSON numbers.
	want := map[string]any{"name": "crash", "ttl": 3600.0, "scopes": []any{"openid"}}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("params = %#v, want %#v", params, want)
	}
}

func TestRunActionRefused(t *testing.T) {
	t.Parallel()
	ran := false
	ctx := &Context{Meta: testMeta(), Charm: inlineCharm{actions: map[string]charm.ActionFunc{
		"create-client": func(*charm.Context) error { ran = true; return nil },
	}}}
	for _, tc := range []struct {
		name   string
		action string
		params map[string]any
		want   string
	}{
		{name: "unknown action", action: "nope", want: `action "nope" not defined on unit "hydra/0"`},
		{name: "missing required", action: "create-client", params: map[string]any{}, want: `validation failed: (root) : "name" property is missing and required, given {}`},
		{name: "wrong type", action: "create-client", params: map[string]any{"name": "x", "ttl": "soon"}, want: `validation failed: (root).ttl : must be of type integer, given "soon"`},
		{name: "unknown param", action: "create-client", params: map[string]any{"name": "x", "colour": "red"}, want: `validation failed: (root) : additional property "colour" is not allowed, given {"colour":"red","name":"x"}`},
	} {
		out := ctx.RunAction(t, tc.action, tc.params, State{})
		if out.Err == nil || out.Err.Error() != tc.want {
			t.Errorf("%s: Err = %v, want %q", tc.name, out.Err, tc.want)
		}
	}
	if ran {
		t.Error("a refused action ran")
	}
}

// fatalTB records Fatal instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func fatalOf(t *testing.T, run func(tb testing.TB)) string {
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(tb)
	}()
	<-done
	return tb.msg
}

func TestInconsistentStateFails(t *testing.T) {
	t.Parallel()
	base := testState()
	db := base.Relations[0]
	for _, tc := range []struct {
		name   string
		mutate func(*State)
		ev     charm.Event
		want   string
	}{
		{name: "unknown endpoint", mutate: func(s *State) { s.Relations[0].Endpoint = "cache" }, want: `relation 1: endpoint "cache" is not defined in the charm's metadata`},
		{name: "duplicate relation ID", mutate: func(s *State) { s.Relations[1].ID = 1 }, want: "relation ID 1 is used twice"},
		{name: "unknown option", mutate: func(s *State) { s.Config = map[string]any{"colour": "red"} }, want: `State.Config: unknown option "colour"`},
		{name: "mistyped option", mutate: func(s *State) { s.Config = map[string]any{"dev": "yes"} }, want: `State.Config: option "dev" expected boolean, got "yes"`},
		{name: "event relation missing", ev: RelationEvent(charm.RelationChanged, Relation{Endpoint: "db", ID: 9, RemoteApp: "postgresql"}, 0), want: "event db-relation-changed: relation 9 is not in the state"},
		{name: "event remote unit unknown", ev: RelationEvent(charm.RelationChanged, db, 5), want: `event db-relation-changed: remote unit "postgresql/5" is not in relation 1's RemoteUnits`},
		{name: "unknown container", mutate: func(s *State) { s.Containers = []Container{{Name: "sidecar"}} }, want: `container "sidecar" is not defined in the charm's metadata`},
		{name: "pebble event for unknown container", ev: PebbleReadyEvent("kratos"), want: `event kratos-pebble-ready: container "kratos" is not defined in the charm's metadata`},
		{name: "peer lists the unit itself", mutate: func(s *State) { s.Relations[1].RemoteUnits[0] = nil }, want: "peer relation 2 (peers): RemoteUnits lists the unit under test (0)"},
		{name: "bad status", mutate: func(s *State) { s.UnitStatus.Name = "happy" }, want: `UnitStatus: "happy" is not a workload status`},
		{name: "bad secret id", mutate: func(s *State) { s.Secrets = []Secret{{ID: "secret:nope"}} }, want: `secret "secret:nope": secret URI "secret:nope" not valid`},
		{name: "secret event for unknown secret", ev: SecretEvent(charm.SecretChanged, consumedID, "", 0), want: `event secret-changed: secret "` + consumedID + `" is not in the state`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := base.Clone()
			if tc.mutate != nil {
				tc.mutate(&st)
			}
			ev := tc.ev
			if ev.Kind == "" {
				ev = Hook(charm.ConfigChanged)
			}
			ctx := &Context{Charm: inlineCharm{}, Meta: testMeta()}
			msg := fatalOf(t, func(tb testing.TB) { ctx.Run(tb, ev, st) })
			if !strings.HasSuffix(msg, tc.want) {
				t.Errorf("fatal = %q, want suffix %q", msg, tc.want)
			}
		})
	}
}

func TestRunLeavesInputAlone(t *testing.T) {
	t.Parallel()
	in := testState()
	in.Leader = true
	before := in.Clone()
	ctx := &Context{Charm: inlineCharm{reconcile: func(c *charm.Context) error {
		return errors.Join(
			c.Tools.RelationSet(c.Context(), 1, true, map[string]string{"app": "2"}),
			c.Tools.RelationSet(c.Context(), 2, false, map[string]string{"x": "y"}),
		)
	}}, Meta: testMeta()}
	out := ctx.Run(t, Hook(charm.ConfigChanged), in)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if !reflect.DeepEqual(in, before) {
		t.Errorf("input state changed: %+v", in)
	}
	if out.State.Relations[0].LocalAppData["app"] != "2" {
		t.Errorf("output = %+v", out.State.Relations[0])
	}
	// The output shares no maps with the input.
	out.State.Relations[0].RemoteAppData["endpoints"] = "changed"
	if in.Relations[0].RemoteAppData["endpoints"] != "pg:5432" {
		t.Error("output aliases input")
	}
}

func TestCommitRefusalFailsRun(t *testing.T) {
	t.Parallel()
	st := testState()
	st.Secrets = []Secret{{ID: consumedID, Owner: "application", Label: "creds", Content: map[string]string{"password": "p"}}}
	ctx := &Context{Meta: testMeta(), Charm: inlineCharm{reconcile: func(c *charm.Context) error {
		return errors.Join(
			c.Tools.SecretSet(c.Context(), consumedID, map[string]string{"password": "q"}, hooktool.SecretOptions{}),
			c.Tools.StateSet(c.Context(), map[string]string{"k": "v"}),
		)
	}}}
	out := ctx.Run(t, Hook(charm.UpdateStatus), st) // not the leader
	if out.Err == nil || out.Err.Error() != "cannot apply changes: permission denied" {
		t.Fatalf("Err = %v", out.Err)
	}
	if out.State.Stored != nil || out.State.Secrets[0].Revision != 1 {
		t.Errorf("refused commit applied changes: %+v", out.State)
	}
}

func TestParallelRunsShareContext(t *testing.T) {
	t.Parallel()
	ctx := &Context{Meta: testMeta(), Charm: writer(nil)}
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			out := ctx.Run(t, Hook(charm.ConfigChanged), testState())
			if out.Err != nil || out.State.Stored["seen"] != "yes" {
				t.Errorf("run %d: %v %+v", i, out.Err, out.State.Stored)
			}
		})
	}
}

// BenchmarkConfigChanged measures the harness's cost for a charm that
// reads its config and writes one relation, the common case.
func BenchmarkConfigChanged(b *testing.B) {
	ctx := &Context{Meta: testMeta(), Charm: inlineCharm{reconcile: func(c *charm.Context) error {
		if _, err := c.Tools.ConfigGetAll(c.Context()); err != nil {
			return err
		}
		return c.Tools.RelationSet(c.Context(), 1, false, map[string]string{"url": "https://hydra"})
	}}}
	st := State{Relations: []Relation{{Endpoint: "db", ID: 1, RemoteApp: "postgresql", RemoteUnits: map[int]map[string]string{0: {}}}}}
	ev := Hook(charm.ConfigChanged)
	b.ReportAllocs()
	for b.Loop() {
		if out := ctx.Run(b, ev, st); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}

func TestPeerEventDefaultsRemoteApp(t *testing.T) {
	t.Parallel()
	var ev charm.Event
	var bag map[string]string
	ch := inlineCharm{reconcile: func(c *charm.Context) error {
		ev = c.Event
		var err error
		bag, err = c.Tools.RelationGet(c.Context(), c.Event.RelationID, c.Event.RemoteUnit, false)
		return err
	}}
	st := testState()
	out := (&Context{Charm: ch, Meta: testMeta()}).Run(t, RelationEvent(charm.RelationChanged, st.Relations[1], 1), st)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if ev.RemoteApp != "hydra" || ev.RemoteUnit != "hydra/1" || !reflect.DeepEqual(bag, map[string]string{"peer": "one"}) {
		t.Errorf("event %+v, bag %v", ev, bag)
	}
}
