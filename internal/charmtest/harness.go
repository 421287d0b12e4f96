package charmtest

import (
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

// Output is what one run produced.
type Output struct {
	// State is the state after the run: when the dispatch failed, only the
	// effects Juju applies immediately (status, workload version, logs,
	// and whatever Pebble did) are in it.
	State State
	// Err is what dispatch returned; a non-nil Err means exit code 1.
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
func (c *Context) Run(t testing.TB, ev charm.Event, in State) Output {
	t.Helper()
	panic("charmtest: Run not implemented yet")
}

// RunAction dispatches the named action with params (validated and
// defaulted against Meta's action schema, as Juju does before the action
// is queued).
func (c *Context) RunAction(t testing.TB, name string, params map[string]any, in State) Output {
	t.Helper()
	panic("charmtest: RunAction not implemented yet")
}
