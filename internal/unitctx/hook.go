package unitctx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/jujuc"
)

// Params is everything one hook or action needs besides the charm itself.
type Params struct {
	// Meta is the charm's charmcraft.yaml: its endpoints give relations
	// their roles (and so Juju's relation keys).
	Meta *charmcraft.Charm
	// Env is the hook's environment. UnitName ("app/0") names the unit
	// (the application may be named otherwise than the charm), CharmDir is
	// the tools' working directory, and ModelUUID the source of the
	// secret URIs secret-add prints.
	Env charm.Env
	// Event is the hook or action; an action (Kind charm.Action) gets
	// ActionParams.
	Event charm.Event
	// State is the unit's view of its model; Begin copies it.
	State State
	// Config is the validated settings config-get reports: every option
	// of the charm, with the operator's value or the default, nil where
	// there is neither.
	Config map[string]any
	// ActionParams are the action's parameters, validated and defaulted
	// against its schema as the controller does before queueing it.
	ActionParams map[string]any

	// OnLog, when set, sees every juju-log line as it is written (they are
	// also collected into Output.Logs).
	OnLog func(level, message string)
	// OnStatus, when set, sees every status-set as it happens, as Juju
	// applies status at once: unit is set for the unit's status, app for
	// the application's. It runs inside the tool call.
	OnStatus func(unit, app *Status)
}

// Output is what one hook or action produced.
type Output struct {
	// State is the state after the hook: when it failed, only the effects
	// Juju applies immediately (status, workload version, secret tracking
	// and consumer labels) are in it.
	State State
	// Err is how the hook ended: the error End was given, or, after a
	// successful run, the controller refusing the hook's changes
	// ("cannot apply changes: …", matching ErrCommit). It is also set
	// when Juju would have refused to queue the action (the charm did not
	// run).
	Err error
	// Logs are juju-log lines ("LEVEL message").
	Logs []string
	// ActionResults holds action-set values, nested by dotted key as
	// `juju run` shows them; ActionFailed/ActionMessage record
	// action-fail (or the failure of the action's process); ActionLogs
	// holds action-log messages.
	ActionResults map[string]any
	ActionFailed  bool
	ActionMessage string
	ActionLogs    []string
}

// Hook is one hook or action in progress for one unit: Context answers
// its tool calls, End commits (or discards) what it buffered.
type Hook struct {
	h *hookContext

	mu    sync.Mutex // serialises Tools calls and End
	ended bool
	out   Output
}

// Begin starts a hook for p.Env.UnitName against a copy of p.State.
func Begin(p Params) (*Hook, error) {
	if p.Meta == nil {
		return nil, errors.New("unitctx: no charm metadata")
	}
	app, num, ok := strings.Cut(p.Env.UnitName, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 || !jujuc.IsValidApplication(app) {
		return nil, fmt.Errorf("unitctx: %q is not a unit name", p.Env.UnitName)
	}
	st := p.State.Clone()
	h := newHookContext(p.Meta, app, n, p.Env.CharmDir, p.Event, &st, p.Config)
	h.modelUUID = p.Env.ModelUUID
	h.onLog, h.onStatus = p.OnLog, p.OnStatus
	if p.Event.Kind == charm.Action {
		params := p.ActionParams
		if params == nil {
			params = map[string]any{}
		}
		h.action = &actionData{params: params, results: map[string]any{}}
	}
	return &Hook{h: h}, nil
}

// Context is the hook's jujuc.Context, for jujuc.Run or an rpcserver.Server
// session. It must not be used concurrently (the rpc server serialises
// a session's calls) nor after End.
func (k *Hook) Context() jujuc.Context { return k.h }

// Tools answers hook tools in-process against the hook, for
// charm.Runtime.Tools; calls are serialised, as Juju runs one tool at a
// time per hook, and refused after End.
func (k *Hook) Tools() hooktool.Runner { return toolRunner{k} }

type toolRunner struct{ k *Hook }

// Run implements hooktool.Runner.
func (r toolRunner) Run(_ context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	r.k.mu.Lock()
	defer r.k.mu.Unlock()
	if r.k.ended {
		return nil, &hooktool.Error{Tool: tool, Code: 1, Stderr: "ERROR the hook has ended\n"}
	}
	stdout, stderr, code := jujuc.Run(r.k.h, tool, args, stdin)
	if code != 0 {
		return stdout, &hooktool.Error{Tool: tool, Code: code, Stderr: string(stderr)}
	}
	return stdout, nil
}

// End finishes the hook: when err is nil (dispatch exited 0) what the hook
// buffered is committed, all or nothing, as Juju's CommitHookChanges
// does; otherwise it is discarded. An error with an ExitCode() int method
// (such as *exec.ExitError) gives the exit status a failed action
// reports; any other error counts as status 1. Later calls return the
// same Output.
func (k *Hook) End(err error) Output {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ended {
		return k.out
	}
	k.ended = true
	h := k.h
	var commitErr error
	if err == nil {
		commitErr = h.commit()
	}
	out := Output{State: h.st.Clone(), Err: err, Logs: h.logs}
	if commitErr != nil {
		out.Err = commitErr
	}
	if a := h.action; a != nil {
		out.ActionResults = a.results
		out.ActionFailed = a.failed || out.Err != nil
		out.ActionMessage = a.message
		out.ActionLogs = a.logs
		switch {
		case err != nil:
			// What Juju records for an action whose process failed:
			// the exec error, whatever the charm said.
			out.ActionMessage = fmt.Sprintf("exit status %d", exitCode(err))
		case commitErr != nil && out.ActionMessage == "":
			out.ActionMessage = "committing requested changes failed"
		}
	}
	k.out = out
	return out
}

func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}
