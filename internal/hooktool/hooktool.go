// Package hooktool is a typed client for the Juju 3.6 hook tools
// (config-get, relation-set, secret-add, …). It runs the tools with
// --format=json and decodes their output. A Runner decides how a tool is
// run, so tests can answer in-process.
//
// How tools are run in a hook (DefaultRunner, what charm.Main uses): a
// hook tool binary does no work of its own. Juju's jujud, invoked under
// a tool's name, sends one net/rpc (gob) call, Jujuc.Main, with the
// arguments, working directory, JUJU_CONTEXT_ID and JUJU_AGENT_TOKEN to
// the unit agent over the unix socket in JUJU_AGENT_SOCKET_ADDRESS, and
// prints the agent's answer. Starting that process costs ~5 ms a call,
// and a dispatch makes dozens of calls; the round trip itself is well
// under a millisecond. So when the hook's environment names the socket,
// RPCRunner makes exactly jujud's call from the dispatch process (one
// connection for the whole dispatch; stdin sent only when the agent asks
// for it, as jujud does) and the results are the same bytes: the agent
// runs the same tool code either way. Errors are too: a tool's non-zero
// exit is the same *Error{Tool, Code, Stderr}, and a call the agent
// refuses is the binary's "ERROR …" and exit 1.
//
// The protocol is Juju's internal one, not a published API (the
// reference says to exec the tools), so it is not trusted blindly: the
// first call that fails at the transport level (no socket, a refused or
// unintelligible exchange, anything but a tool's own exit status)
// switches the dispatch to ExecRunner for good, that call included, and
// logs why at DEBUG. A Juju whose transport differs still runs the charm,
// only slower. Tools that read files the charm wrote (secret-add's
// key#file=, 0600 temporary files) work either way: Juju's agent reads
// them itself, in the charm container it shares with the charm, and the
// local runtime reads them under the caller's /proc/<pid>/root.
//
// Argument conventions shared by every method:
//   - flags come first, then "--", then positional arguments, so that a
//     message, key or value starting with "-" is never taken for a flag
//     (Juju parses hook-tool arguments with gnuflag, which honours "--");
//   - relation IDs are plain ints passed as "-r <id>";
//   - key=value lists are sorted by key so the argv is deterministic.
package hooktool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Runner runs one hook tool with its arguments and, when non-nil, stdin,
// and returns its standard output. A tool that exits non-zero yields an
// *Error.
type Runner interface {
	Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error)
}

// Error is a hook tool that exited non-zero or could not be run. Stderr is
// what the tool printed (Juju prints "ERROR <message>"); the arguments are
// deliberately not kept because they may carry secret content.
type Error struct {
	Tool   string
	Code   int
	Stderr string
	// Err is the cause when the tool could not be run at all (not on
	// PATH, context cancelled, a *TransportError from RPCRunner); nil
	// when the tool ran and failed.
	Err error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	msg = strings.TrimPrefix(msg, "ERROR ")
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		return fmt.Sprintf("%s: exit status %d", e.Tool, e.Code)
	}
	return fmt.Sprintf("%s: %s", e.Tool, msg)
}

// Unwrap lets errors.Is see a cancelled context or a missing binary.
func (e *Error) Unwrap() error { return e.Err }

// Client calls hook tools through a Runner.
type Client struct {
	runner Runner
}

// New returns a Client that runs tools with r.
func New(r Runner) *Client { return &Client{runner: r} }

// formatJSON is passed to every tool that supports --format.
const formatJSON = "--format=json"

// run runs tool and makes sure any failure names the tool. Runner errors
// other than *Error are wrapped; *Error already carries the tool name.
func (c *Client) run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	out, err := c.runner.Run(ctx, tool, args, stdin)
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", tool, err)
	}
	return out, nil
}

// runJSON runs tool and decodes its JSON output into v.
func (c *Client) runJSON(ctx context.Context, tool string, args []string, v any) error {
	out, err := c.run(ctx, tool, args, nil)
	if err != nil {
		return err
	}
	return decodeJSON(tool, out, v)
}

// decodeJSON decodes a tool's output. The error never quotes the output,
// which may be secret content (secret-get) or relation data: only the
// kind of problem and its offset are reported.
func decodeJSON(tool string, out []byte, v any) error {
	err := json.Unmarshal(out, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s: malformed JSON output at offset %d", tool, syn.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("%s: unexpected JSON %s in output at offset %d", tool, typ.Value, typ.Offset)
	default:
		// Other errors come from our own UnmarshalJSON methods, which
		// only ever describe the shape, never the content.
		return fmt.Errorf("%s: cannot decode output: %w", tool, err)
	}
}

// relFlag returns "-r <id>", rejecting negative IDs before they reach the
// tool (gnuflag would read "-1" as a flag).
func relFlag(tool string, relID int) ([]string, error) {
	if relID < 0 {
		return nil, fmt.Errorf("%s: invalid relation id %d", tool, relID)
	}
	return []string{"-r", strconv.Itoa(relID)}, nil
}

// withPositional appends "--" and the positional arguments.
func withPositional(flags []string, pos ...string) []string {
	out := make([]string, 0, len(flags)+1+len(pos))
	out = append(out, flags...)
	if len(pos) == 0 {
		return out
	}
	out = append(out, "--")
	return append(out, pos...)
}
