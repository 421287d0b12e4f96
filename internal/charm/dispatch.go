package charm

import (
	"context"
	"fmt"
	"os"

	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/workload"
)

// Charm is implemented by every charm: Reconcile computes the desired state
// from config, relations and secrets and converges on it. It runs for
// nearly every hook; the event only tells it what may have changed.
//
// Reconcile returns an error only when Juju should retry the hook: the unit
// then goes to error and nothing the hook buffered (relation data, secrets,
// state) is committed. Bad input is reported with a blocked or waiting
// status and a nil error.
type Charm interface {
	Reconcile(ctx *Context) error
}

// ActionFunc handles one action. A returned error fails the action and
// discards its buffered changes; use Tools().ActionFail to fail it while
// keeping them.
type ActionFunc func(ctx *Context) error

// Optional interfaces a Charm may implement.
type (
	// Installer runs once on install, before Reconcile.
	Installer interface{ Install(ctx *Context) error }
	// Stopper runs on stop instead of Reconcile.
	Stopper interface{ Stop(ctx *Context) error }
	// Remover runs on remove instead of Reconcile.
	Remover interface{ Remove(ctx *Context) error }
	// SecretRotator runs on secret-rotate, before Reconcile.
	SecretRotator interface{ RotateSecret(ctx *Context) error }
	// ActionHandlers maps action names to handlers.
	ActionHandlers interface{ Actions() map[string]ActionFunc }
)

// Runtime is how dispatch reaches Juju and the workloads. Main builds the
// real one; tests build theirs.
type Runtime struct {
	Getenv Getenv
	Tools  hooktool.Runner
	Pebble workload.Connector
}

// Context is everything one dispatch invocation knows. It is created per
// invocation and passed explicitly; nothing is kept in package variables.
type Context struct {
	ctx    context.Context
	Env    Env
	Event  Event
	Tools  *hooktool.Client
	pebble workload.Connector
}

// NewContext builds a Context; Dispatch uses it, and so can tests of code
// that takes a Context.
func NewContext(ctx context.Context, env Env, ev Event, tools *hooktool.Client, pebble workload.Connector) *Context {
	return &Context{ctx: ctx, Env: env, Event: ev, Tools: tools, pebble: pebble}
}

// Context is the Go context for the invocation's calls.
func (c *Context) Context() context.Context { return c.ctx }

// Container returns the named workload container. Whether its Pebble
// answers is known only when it is used (see workload.Container.CanConnect).
func (c *Context) Container(name string) *workload.Container {
	if c.pebble == nil {
		return workload.New(name, nil, fmt.Errorf("no Pebble connector for container %q", name))
	}
	api, err := c.pebble(name)
	return workload.New(name, api, err)
}

// Dispatch reads the event from rt's environment and runs the matching
// handler of ch. A non-nil error means the hook or action should fail.
func Dispatch(ctx context.Context, rt Runtime, ch Charm) error {
	env, ev, err := ReadEnv(rt.Getenv)
	if err != nil {
		return err
	}
	c := NewContext(ctx, env, ev, hooktool.New(rt.Tools), rt.Pebble)
	return run(c, ch)
}

func run(c *Context, ch Charm) error {
	ev := c.Event
	switch ev.Kind {
	case Action:
		handlers, ok := ch.(ActionHandlers)
		var fn ActionFunc
		if ok {
			fn = handlers.Actions()[ev.ActionName]
		}
		if fn == nil {
			return fmt.Errorf("action %q is not implemented by this charm", ev.ActionName)
		}
		return fn(c)
	case Install:
		if in, ok := ch.(Installer); ok {
			if err := in.Install(c); err != nil {
				return fmt.Errorf("install: %w", err)
			}
		}
	case Stop:
		if s, ok := ch.(Stopper); ok {
			return s.Stop(c)
		}
		return nil
	case Remove:
		if r, ok := ch.(Remover); ok {
			return r.Remove(c)
		}
		return nil
	case SecretRotate:
		if r, ok := ch.(SecretRotator); ok {
			if err := r.RotateSecret(c); err != nil {
				return fmt.Errorf("secret-rotate: %w", err)
			}
		}
	}
	return ch.Reconcile(c)
}

// Main is the body of every charm's dispatch binary: it runs the event
// against the real hook tools and Pebble sockets and exits non-zero when
// the handler failed, so that Juju retries the hook (or fails the action)
// and discards what the hook buffered.
func Main(ch Charm) {
	rt := Runtime{
		Getenv: os.Getenv,
		// Over the agent socket when the hook's environment names it,
		// the tool binaries otherwise or once that fails (see hooktool);
		// the interface helpers' repeated reads answered from memory.
		Tools:  hooktool.Memo(hooktool.DefaultRunner(os.Getenv)),
		Pebble: workload.Dial,
	}
	if err := Dispatch(context.Background(), rt, ch); err != nil {
		// The message reaches the unit's log and debug-log; handlers must
		// not wrap secret content into errors. Stderr still carries it
		// when juju-log itself fails, so that failure is not reported.
		_ = hooktool.New(rt.Tools).Log(context.Background(), hooktool.LevelError, err.Error())
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
}

// RelationIDs lists the IDs of the endpoint's relations that are still
// alive. During relation-broken Juju still lists the relation that is
// going away; it is left out here, so that reconcile sees the model as it
// will be once the hook has run.
func (c *Context) RelationIDs(endpoint string) ([]int, error) {
	ids, err := c.Tools.RelationIDs(c.ctx, endpoint)
	if err != nil {
		return nil, err
	}
	if c.Event.Kind != RelationBroken || c.Event.Relation != endpoint {
		return ids, nil
	}
	alive := ids[:0]
	for _, id := range ids {
		if id != c.Event.RelationID {
			alive = append(alive, id)
		}
	}
	return alive, nil
}
