package charmtest

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/unitctx"
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
		return Output{State: in.Clone(), Err: err}
	}
	ev := charm.Event{Kind: charm.Action, Name: name, ActionName: name, ActionUUID: newUUID(), RelationID: -1}
	return c.dispatch(t, ev, in, p)
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

func (c *Context) dispatch(t testing.TB, ev charm.Event, in State, actionParams map[string]any) Output {
	t.Helper()
	st := c.check(t, ev, in)
	// The fakes write into st's containers; the hook never reads them.
	pebble := newPebbleSet(t, st.Containers)
	r := c.begin(t, ev, st, actionParams, "")
	rt := charm.Runtime{
		Getenv: func(k string) string { return r.vars[k] },
		Tools:  r.hook.Tools(),
		Pebble: pebble.Connector(),
	}
	err := charm.Dispatch(t.Context(), rt, c.Charm)
	out := r.hook.End(err)
	out.State.Containers = pebble.Containers()
	return out
}

// run is one event's run in the making: the hook and the environment
// dispatch sees. Run and RunBinary share it, so that both commit and
// report alike.
type run struct {
	hook *unitctx.Hook
	env  charm.Env
	vars map[string]string
}

// check copies in and checks it against the charm's metadata, filling in
// what the harness defaults.
func (c *Context) check(t testing.TB, ev charm.Event, in State) State {
	t.Helper()
	st := in.Clone()
	if err := checkState(c.meta(t), c.UnitNumber, &st, ev); err != nil {
		t.Fatalf("charmtest: inconsistent state: %v", err)
	}
	return st
}

// begin starts the hook for st (checked); charmDir "" is where a sidecar
// unit's charm lives.
func (c *Context) begin(t testing.TB, ev charm.Event, st State, actionParams map[string]any, charmDir string) *run {
	t.Helper()
	meta := c.meta(t)
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

	hook, err := unitctx.Begin(unitctx.Params{
		Meta: meta, Env: env, Event: ev, State: st, Config: config, ActionParams: actionParams,
	})
	if err != nil {
		t.Fatalf("charmtest: %v", err)
	}
	return &run{hook: hook, env: env, vars: vars}
}

// newUUID is a random (version 4) UUID for JUJU_ACTION_UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
