package charmtest

import (
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
)

// New is a Context for ch with Meta parsed from an inline charmcraft.yaml,
// the way tests define tiny charms; a YAML that does not parse fails the
// test. Set UnitNumber, ModelName… on the result as needed.
func New(t testing.TB, ch charm.Charm, charmcraftYAML string) *Context {
	t.Helper()
	meta, err := charmcraft.Parse([]byte(charmcraftYAML))
	if err != nil {
		t.Fatalf("charmtest: parsing charmcraft.yaml: %v", err)
	}
	return &Context{Charm: ch, Meta: meta}
}

// MustRun is Run for a hook that must succeed: a non-nil Output.Err fails
// the test, naming the event. It returns the State out, to chain runs.
func (c *Context) MustRun(t testing.TB, ev charm.Event, in State) State {
	t.Helper()
	out := c.Run(t, ev, in)
	if out.Err != nil {
		t.Fatalf("%s: %v", ev.Name, out.Err)
	}
	return out.State
}
