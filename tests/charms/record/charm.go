package record

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// Charm wraps Inner: every dispatch is recorded exactly once before any of
// Inner's code runs, a hook named by crash-next then fails, and the
// built-in actions are added to Inner's (Inner's win on a name clash).
//
// charm.Dispatch calls Install before Reconcile on install and
// RotateSecret before Reconcile on secret-rotate, and Stop or Remove
// instead of Reconcile; Charm records in whichever of its methods runs
// first, so that each dispatch gives one record.
type Charm struct {
	Inner charm.Charm
	// Environ lists the process environment as KEY=VALUE entries; nil
	// means os.Environ. Tests that run the charm in-process pass
	// DerivedEnviron.
	Environ func(*charm.Context) []string
}

// CrashError is what a hook named by crash-next fails with.
type CrashError struct{ Hook string }

func (e *CrashError) Error() string {
	return fmt.Sprintf("crash-next: failing hook %q on request (the crash-clear action clears it)", e.Hook)
}

// Reconcile records the event (unless Install or RotateSecret already
// did) and runs Inner's Reconcile.
func (w Charm) Reconcile(c *charm.Context) error {
	if k := c.Event.Kind; k != charm.Install && k != charm.SecretRotate {
		if err := w.begin(c); err != nil {
			return err
		}
	}
	return w.Inner.Reconcile(c)
}

// Install records the event and runs Inner's Install, if any.
func (w Charm) Install(c *charm.Context) error {
	if err := w.begin(c); err != nil {
		return err
	}
	if in, ok := w.Inner.(charm.Installer); ok {
		return in.Install(c)
	}
	return nil
}

// RotateSecret records the event and runs Inner's RotateSecret, if any.
func (w Charm) RotateSecret(c *charm.Context) error {
	if err := w.begin(c); err != nil {
		return err
	}
	if r, ok := w.Inner.(charm.SecretRotator); ok {
		return r.RotateSecret(c)
	}
	return nil
}

// Stop records the event and runs Inner's Stop, if any.
func (w Charm) Stop(c *charm.Context) error {
	if err := w.begin(c); err != nil {
		return err
	}
	if s, ok := w.Inner.(charm.Stopper); ok {
		return s.Stop(c)
	}
	return nil
}

// Remove records the event and runs Inner's Remove, if any.
func (w Charm) Remove(c *charm.Context) error {
	if err := w.begin(c); err != nil {
		return err
	}
	if r, ok := w.Inner.(charm.Remover); ok {
		return r.Remove(c)
	}
	return nil
}

// Actions are the built-in actions and Inner's, each recording itself
// first.
func (w Charm) Actions() map[string]charm.ActionFunc {
	all := map[string]charm.ActionFunc{
		"events":      eventsAction,
		"crash-next":  crashNextAction,
		"crash-clear": crashClearAction,
	}
	if h, ok := w.Inner.(charm.ActionHandlers); ok {
		for name, fn := range h.Actions() {
			all[name] = fn
		}
	}
	for name, fn := range all {
		all[name] = func(c *charm.Context) error {
			if err := w.begin(c); err != nil {
				return err
			}
			return fn(c)
		}
	}
	return all
}

// begin records the dispatch (juju-log, then charm state) and fails a
// hook that crash-next names. A hook tool failing here fails the
// dispatch: the record is the charm's whole point.
func (w Charm) begin(c *charm.Context) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("recording the event: %w", err)
	}
	environ := w.Environ
	if environ == nil {
		environ = osEnviron
	}
	rec, err := NewEvent(c, leader, environ(c)).Encode()
	if err != nil {
		return err
	}
	if err := c.Tools.Log(ctx, hooktool.LevelInfo, LinePrefix+string(rec)); err != nil {
		return fmt.Errorf("logging the event record: %w", err)
	}
	state, err := c.Tools.StateGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading the event list: %w", err)
	}
	list, dropped := appendCapped(state[StateKey], rec)
	set := map[string]string{StateKey: string(list)}
	if dropped > 0 {
		set[DroppedKey] = strconv.Itoa(atoiOrZero(state[DroppedKey]) + dropped)
	}
	if err := c.Tools.StateSet(ctx, set); err != nil {
		return fmt.Errorf("storing the event list: %w", err)
	}
	if c.Event.Kind != charm.Action && state[CrashKey] == c.Event.Name {
		return &CrashError{Hook: c.Event.Name}
	}
	return nil
}

// eventsAction returns the stored list (this action's own record last):
// results "events" (the JSON list), "count" and "dropped" (decimal).
func eventsAction(c *charm.Context) error {
	ctx := c.Context()
	state, err := c.Tools.StateGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading the event list: %w", err)
	}
	list := state[StateKey]
	evs, err := ParseList(list)
	if err != nil {
		return err
	}
	return c.Tools.ActionSet(ctx, map[string]string{
		"events":  list,
		"count":   strconv.Itoa(len(evs)),
		"dropped": strconv.Itoa(atoiOrZero(state[DroppedKey])),
	})
}

// crashNextAction sets the crash flag to the hook named by param "hook":
// result "hook". A string that is no hook name fails the action.
func crashNextAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	hook, _ := params["hook"].(string)
	if _, _, err := charm.ParseHookName(hook); err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("crash-next: %v", err))
	}
	if err := c.Tools.StateSet(ctx, map[string]string{CrashKey: hook}); err != nil {
		return err
	}
	return c.Tools.ActionSet(ctx, map[string]string{"hook": hook})
}

// crashClearAction clears the crash flag: result "cleared" is the hook it
// named ("" when none).
func crashClearAction(c *charm.Context) error {
	ctx := c.Context()
	prev, _, err := c.Tools.StateGet(ctx, CrashKey)
	if err != nil {
		return err
	}
	if err := c.Tools.StateDelete(ctx, CrashKey); err != nil {
		return err
	}
	return c.Tools.ActionSet(ctx, map[string]string{"cleared": prev})
}

// IsCrash reports whether err is a crash-next failure.
func IsCrash(err error) bool {
	var ce *CrashError
	return errors.As(err, &ce)
}
