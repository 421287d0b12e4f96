package charmtest

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
)

// Context runs events against one charm. It holds no state between runs,
// so one Context may serve parallel tests.
type Context struct {
	// Charm is the charm under test.
	Charm charm.Charm
	// Meta is the charm's charmcraft.yaml (config defaults and types,
	// action parameter schemas, endpoints, containers).
	Meta *charmcraft.Charm
	// UnitNumber is the unit under test (default 0); the app name is
	// Meta.Name.
	UnitNumber  int
	ModelName   string // default "test-model"
	ModelUUID   string // default a fixed UUID
	JujuVersion string // default "3.6.11"
}

// Defaults for the environment of a run.
const (
	DefaultModelName   = "test-model"
	DefaultModelUUID   = "7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e"
	DefaultJujuVersion = "3.6.11"
)

// Output is what one run produced.
type Output struct {
	// State is the state after the run: when the dispatch failed, only the
	// effects Juju applies immediately (status, workload version, logs,
	// and whatever Pebble did) are in it.
	State State
	// Err is what dispatch returned; a non-nil Err means exit code 1. It is
	// also set when the controller would have refused the hook's changes
	// after a successful dispatch ("cannot apply changes: …"), or when
	// Juju would have refused to queue the action (the charm did not run).
	Err error
	// Logs are juju-log lines ("LEVEL message").
	Logs []string
	// ActionResults holds action-set values, nested by dotted key as
	// `juju run` shows them; ActionFailed/ActionMessage record
	// action-fail; ActionLogs holds action-log messages.
	ActionResults map[string]any
	ActionFailed  bool
	ActionMessage string
	ActionLogs    []string
}

// Run dispatches one hook event (see the event constructors) against in.
// A state that Juju could not produce for this charm (an endpoint or
// container the metadata lacks, an unknown or mistyped config option,
// duplicate relation IDs, an event about a relation that is not there…)
// fails the test.
func (c *Context) Run(t testing.TB, ev charm.Event, in State) Output {
	t.Helper()
	if ev.Kind == charm.Action {
		t.Fatalf("charmtest: use RunAction for actions")
	}
	return c.dispatch(t, peerEvent(c.meta(t), normalizeEvent(ev)), in, nil)
}

// RunAction dispatches the named action with params (validated and
// defaulted against Meta's action schema, as Juju does before the action
// is queued). When Juju would refuse the action, the charm does not run
// and Output.Err carries Juju's error.
func (c *Context) RunAction(t testing.TB, name string, params map[string]any, in State) Output {
	t.Helper()
	meta := c.meta(t)
	p, err := actionParams(meta, c.unitName(meta), name, params)
	if err != nil {
		return Output{State: in.clone(), Err: err}
	}
	ev := charm.Event{Kind: charm.Action, Name: name, ActionName: name, ActionUUID: newUUID(), RelationID: -1}
	return c.dispatch(t, ev, in, &actionData{params: p, results: map[string]any{}})
}

func (c *Context) meta(t testing.TB) *charmcraft.Charm {
	t.Helper()
	if c.Meta == nil {
		t.Fatal(errNoMeta)
	}
	return c.Meta
}

func (c *Context) unitName(meta *charmcraft.Charm) string {
	return meta.Name + "/" + strconv.Itoa(c.UnitNumber)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// normalizeEvent fills in the hook name for events built by hand.
func normalizeEvent(ev charm.Event) charm.Event {
	if ev.Name != "" {
		return ev
	}
	switch {
	case ev.IsRelation():
		ev.Name = ev.Relation + "-" + string(ev.Kind)
	case ev.Workload != "":
		ev.Name = ev.Workload + "-" + string(ev.Kind)
	case ev.StorageName != "":
		ev.Name = ev.StorageName + "-" + string(ev.Kind)
	default:
		ev.Name = string(ev.Kind)
	}
	return ev
}

// peerEvent completes a peer relation event built from a Relation whose
// RemoteApp was left empty (the harness defaults it to the charm's own
// application, and so does Juju's JUJU_REMOTE_APP).
func peerEvent(meta *charmcraft.Charm, ev charm.Event) charm.Event {
	if _, peer := meta.Peers[ev.Relation]; !peer || !ev.IsRelation() || ev.RemoteApp != "" {
		return ev
	}
	ev.RemoteApp = meta.Name
	for _, u := range []*string{&ev.RemoteUnit, &ev.DepartingUnit} {
		if strings.HasPrefix(*u, "/") {
			*u = meta.Name + *u
		}
	}
	return ev
}

func (c *Context) dispatch(t testing.TB, ev charm.Event, in State, action *actionData) Output {
	t.Helper()
	r := c.begin(t, ev, in, action, "")
	pebble := newPebbleSet(t, r.st.Containers)
	rt := charm.Runtime{
		Getenv: func(k string) string { return r.vars[k] },
		Tools:  &toolRunner{h: r.h},
		Pebble: pebble.Connector(),
	}
	err := charm.Dispatch(t.Context(), rt, c.Charm)
	r.st.Containers = pebble.Containers()
	return r.end(err, 1)
}

// run is one event's run in the making: the input State's copy, the
// hook context over it and the environment dispatch sees. Run and
// RunBinary share it, so that both commit and report alike.
type run struct {
	st     *State
	h      *hookContext
	env    charm.Env
	vars   map[string]string
	action *actionData
}

// begin checks in against the charm's metadata and builds the run;
// charmDir "" is where a sidecar unit's charm lives.
func (c *Context) begin(t testing.TB, ev charm.Event, in State, action *actionData, charmDir string) *run {
	t.Helper()
	meta := c.meta(t)
	st := in.clone()
	if err := checkState(meta, c.UnitNumber, &st, ev); err != nil {
		t.Fatalf("charmtest: inconsistent state: %v", err)
	}
	config, err := configSettings(meta, st.Config)
	if err != nil {
		t.Fatalf("charmtest: State.Config: %v", err)
	}

	unit := c.unitName(meta)
	if charmDir == "" {
		// Where a sidecar unit's charm lives; tools resolve relative
		// paths against it.
		charmDir = fmt.Sprintf("/var/lib/juju/agents/unit-%s-%d/charm", meta.Name, c.UnitNumber)
	}
	env := charm.Env{
		UnitName:    unit,
		ModelName:   orDefault(c.ModelName, DefaultModelName),
		ModelUUID:   orDefault(c.ModelUUID, DefaultModelUUID),
		JujuVersion: orDefault(c.JujuVersion, DefaultJujuVersion),
		CharmDir:    charmDir,
		ContextID:   unit + "-" + ev.Name + "-1",
	}
	vars := env.Environ()
	for k, v := range ev.Environ() {
		vars[k] = v
	}

	h := newHookContext(meta, c.UnitNumber, env.CharmDir, ev, &st, config)
	h.modelUUID = env.ModelUUID
	h.action = action
	return &run{st: &st, h: h, env: env, vars: vars, action: action}
}

// end commits what the hook buffered when dispatch succeeded (err nil)
// and reports the run; exitCode is what a failed dispatch exited with.
func (r *run) end(err error, exitCode int) Output {
	if err == nil {
		err = r.h.commit()
	}
	out := Output{State: *r.st, Err: err, Logs: r.h.logs}
	if action := r.action; action != nil {
		out.ActionResults = action.results
		out.ActionFailed = action.failed || err != nil
		out.ActionMessage = action.message
		if err != nil && out.ActionMessage == "" {
			// What Juju records for an action whose process exited
			// non-zero.
			out.ActionMessage = fmt.Sprintf("exit status %d", exitCode)
		}
		out.ActionLogs = action.logs
	}
	return out
}

// newUUID is a random (version 4) UUID for JUJU_ACTION_UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
