package hooktool

import (
	"context"
	"errors"
	"fmt"
	"net"
	netrpc "net/rpc"
	"os"
	"path/filepath"
	"sync"

	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
)

// TransportError is why a call over the agent socket never reached a
// tool: the agent could not be dialled, refused the request, or did not
// answer as Juju's does. It is the Err of the *Error an RPCRunner
// returns; the Error's Code and Stderr are what the tool binary would
// have exited with and printed for the same failure (1 and "ERROR …").
type TransportError struct {
	Err error
}

func (e *TransportError) Error() string { return e.Err.Error() }

// Unwrap gives the underlying dial, protocol or agent error.
func (e *TransportError) Unwrap() error { return e.Err }

// RPCRunner runs hook tools by sending each call straight to the unit
// agent over its socket, Juju's jujuc protocol (net/rpc, gob,
// Jujuc.Main), as the tool binary would, without starting a process per
// call. One connection is kept and reused for the calls of a dispatch;
// it is safe for concurrent use. Close it when done (or let the process
// exit).
type RPCRunner struct {
	target rpc.Client

	mu   sync.Mutex
	conn *netrpc.Client
}

// NewRPCRunner returns a runner that calls the agent target names (see
// rpc.ClientFromEnv). Nothing is dialled until the first call.
func NewRPCRunner(target rpc.Client) *RPCRunner { return &RPCRunner{target: target} }

// Run implements Runner. A tool that ran and exited non-zero gives the
// same *Error as ExecRunner (Code, Stderr, and the output it printed);
// a call that never reached a tool gives an *Error whose Err is a
// *TransportError; a cancelled ctx gives Code -1 and ctx's error.
func (r *RPCRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Tool: tool, Code: -1, Err: err}
	}
	req := rpc.Request{
		ContextId:   r.target.ContextID,
		Dir:         r.target.Dir,
		CommandName: tool,
		Args:        args,
		Token:       r.target.Token,
	}
	resp, err := r.call(ctx, req, stdin)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, &Error{Tool: tool, Code: -1, Err: ctx.Err()}
	case err != nil:
		// The tool binary prints the failure as "ERROR <message>" and
		// exits 1 (rpc.Main); so does this, word for word.
		return nil, &Error{Tool: tool, Code: 1, Stderr: "ERROR " + err.Error() + "\n", Err: &TransportError{Err: err}}
	case resp.Code != 0:
		return resp.Stdout, &Error{Tool: tool, Code: resp.Code, Stderr: string(resp.Stderr)}
	}
	return resp.Stdout, nil
}

// Close closes the connection to the agent, if any. A later Run dials
// again.
func (r *RPCRunner) Close() error {
	r.mu.Lock()
	conn := r.conn
	r.conn = nil
	r.mu.Unlock()
	if conn == nil {
		return nil
	}
	return conn.Close()
}

// call sends req on the kept connection, dialling one if there is none.
// A connection kept from an earlier call that turns out broken is
// replaced once: the tool binary dials afresh for every call, so a stale
// connection must not fail a call the binary would have made. (Sending
// the request again cannot run a tool twice in a hook that goes on: an
// agent that drops a connection mid-call has lost the hook context with
// everything the hook buffered, and refuses the retry or is gone.)
func (r *RPCRunner) call(ctx context.Context, req rpc.Request, stdin []byte) (rpc.Response, error) {
	conn, reused, err := r.connect()
	if err != nil {
		return rpc.Response{}, err
	}
	resp, err := exchange(ctx, conn, req, stdin)
	if err == nil || isServerError(err) {
		return resp, err
	}
	r.drop(conn)
	if !reused || ctx.Err() != nil {
		return rpc.Response{}, err
	}
	if conn, _, err = r.connect(); err != nil {
		return rpc.Response{}, err
	}
	resp, err = exchange(ctx, conn, req, stdin)
	if err != nil && !isServerError(err) {
		r.drop(conn)
	}
	return resp, err
}

// connect returns the kept connection, or dials a new one; reused says
// whether it was kept from an earlier call.
func (r *RPCRunner) connect() (conn *netrpc.Client, reused bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conn != nil {
		return r.conn, true, nil
	}
	c, err := net.Dial(r.target.Network, r.target.Address)
	if err != nil {
		// rpc.Client.Call's words.
		return nil, false, fmt.Errorf("cannot reach the unit agent: %w", err)
	}
	r.conn = netrpc.NewClient(c)
	return r.conn, false, nil
}

// drop closes conn and forgets it if it is still the kept one.
func (r *RPCRunner) drop(conn *netrpc.Client) {
	r.mu.Lock()
	if r.conn == conn {
		r.conn = nil
	}
	r.mu.Unlock()
	_ = conn.Close()
}

// exchange is one tool call, as rpc.Client.Call makes it: the request
// without stdin first, and again with stdin when the agent answers that
// the tool needs it. A nil stdin is sent as an empty one, which is what
// the tool binary reads from /dev/null.
func exchange(ctx context.Context, conn *netrpc.Client, req rpc.Request, stdin []byte) (rpc.Response, error) {
	resp, err := callContext(ctx, conn, req)
	if err != nil && err.Error() == rpc.ErrNoStdin.Error() {
		req.Stdin, req.StdinSet = stdin, true
		resp, err = callContext(ctx, conn, req)
	}
	if err != nil {
		if isServerError(err) {
			// The agent's own words ("bad request: …").
			return rpc.Response{}, err
		}
		return rpc.Response{}, fmt.Errorf("calling the unit agent: %w", err)
	}
	return resp, nil
}

// callContext is conn.Call that gives up when ctx ends. The call is then
// abandoned: the caller drops the connection.
func callContext(ctx context.Context, conn *netrpc.Client, req rpc.Request) (rpc.Response, error) {
	// A fresh Response per call: gob leaves fields the reply omits (zero
	// values) untouched.
	var resp rpc.Response
	call := conn.Go(rpc.MethodName, req, &resp, make(chan *netrpc.Call, 1))
	select {
	case <-call.Done:
		return resp, call.Error
	case <-ctx.Done():
		return rpc.Response{}, ctx.Err()
	}
}

func isServerError(err error) bool {
	var se netrpc.ServerError
	return errors.As(err, &se)
}

// DefaultRunner is the runner charm.Main uses, chosen from the hook's
// environment (getenv is the process's own: the fallback execs tools
// with the process environment). When JUJU_AGENT_SOCKET_ADDRESS,
// JUJU_AGENT_SOCKET_NETWORK (unix), JUJU_CONTEXT_ID and JUJU_AGENT_TOKEN
// are all set, tools are called over the agent socket (RPCRunner), and
// the first call that fails at the transport level switches the
// dispatch to ExecRunner for good, that call included. Otherwise it is
// ExecRunner.
func DefaultRunner(getenv func(string) string) Runner {
	exec := ExecRunner{}
	if getenv(rpc.EnvToken) == "" {
		return exec
	}
	dir, err := os.Getwd()
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		return exec
	}
	target, err := rpc.ClientFromEnv(getenv, dir)
	if err != nil {
		return exec
	}
	return newFallbackRunner(NewRPCRunner(target), exec)
}

// fallbackRunner runs tools over the agent socket until the transport
// fails once, then execs them. The failed call is run again by exec:
// transport failures happen before the agent runs a tool (no socket, a
// refused request, an exchange it does not understand), or with the
// agent gone, when the tool binary fails the same way.
type fallbackRunner struct {
	direct *RPCRunner
	exec   Runner

	mu       sync.Mutex
	fellBack bool
}

func newFallbackRunner(direct *RPCRunner, exec Runner) *fallbackRunner {
	return &fallbackRunner{direct: direct, exec: exec}
}

// Run implements Runner.
func (f *fallbackRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	f.mu.Lock()
	fellBack := f.fellBack
	f.mu.Unlock()
	if fellBack {
		return f.exec.Run(ctx, tool, args, stdin)
	}
	out, err := f.direct.Run(ctx, tool, args, stdin)
	var te *TransportError
	if err == nil || !errors.As(err, &te) {
		return out, err
	}
	f.fallBack(ctx, te)
	return f.exec.Run(ctx, tool, args, stdin)
}

// fallBack switches to the tool binaries, once, and says so in the
// unit's log: a Juju whose transport differs from 3.6's still works,
// only slower, and the log shows why.
func (f *fallbackRunner) fallBack(ctx context.Context, cause *TransportError) {
	f.mu.Lock()
	first := !f.fellBack
	f.fellBack = true
	f.mu.Unlock()
	if !first {
		return
	}
	_ = f.direct.Close()
	msg := fmt.Sprintf("hook tools: calling the unit agent directly failed (%v); running the tool binaries from now on", cause)
	_, _ = f.exec.Run(ctx, "juju-log", withPositional([]string{"--log-level", string(LevelDebug)}, msg), nil)
}

var (
	_ Runner = (*RPCRunner)(nil)
	_ Runner = (*fallbackRunner)(nil)
)
