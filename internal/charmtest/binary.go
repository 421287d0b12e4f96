package charmtest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc/rpcserver"
)

// jujucPackage is the multi-call hook-tool client RunBinary puts on the
// dispatch process's PATH.
const jujucPackage = "github.com/identity-platform-go/charms/cmd/jujuc"

// ExitError is Output.Err when the dispatch binary exited non-zero.
type ExitError struct {
	Code int
	// Stderr is what dispatch wrote to standard error; charm.Main
	// writes "ERROR <error>".
	Stderr string
}

// ExitCode is the status dispatch exited with.
func (e *ExitError) ExitCode() int { return e.Code }

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("dispatch exited with status %d", e.Code)
	// The last "ERROR" line is the reason charm.Main gives.
	lines := strings.Split(strings.TrimSpace(e.Stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if reason, ok := strings.CutPrefix(lines[i], "ERROR "); ok {
			return msg + ": " + reason
		}
	}
	return msg
}

// RunBinary is Run with the charm's compiled dispatch binary instead of
// Context.Charm: the binary is exec'd with the environment Juju gives a
// hook (charm.Env and the event's variables, JUJU_CONTEXT_ID,
// JUJU_AGENT_SOCKET_ADDRESS/_NETWORK, JUJU_AGENT_TOKEN, PATH starting with
// a directory of hook-tool symlinks to cmd/jujuc), and its tools reach
// the same in-memory model through internal/jujuc/rpc. The Output is
// Run's: a non-zero exit sets Err (an *ExitError) and discards what the
// hook buffered.
//
// The charm directory (JUJU_CHARM_DIR, and the working directory) is the
// one holding dispatch. Containers are not supported yet: the test fails
// when in has any.
func (c *Context) RunBinary(t testing.TB, dispatch string, ev charm.Event, in State) Output {
	t.Helper()
	if ev.Kind == charm.Action {
		t.Fatalf("charmtest: use RunBinaryAction for actions")
	}
	return c.execDispatch(t, dispatch, peerEvent(c.meta(t), normalizeEvent(ev)), in, nil)
}

// RunBinaryAction is RunAction with the compiled dispatch binary (see
// RunBinary).
func (c *Context) RunBinaryAction(t testing.TB, dispatch, name string, params map[string]any, in State) Output {
	t.Helper()
	meta := c.meta(t)
	p, err := actionParams(meta, c.unitName(meta), name, params)
	if err != nil {
		return Output{State: in.Clone(), Err: err}
	}
	ev := charm.Event{Kind: charm.Action, Name: name, ActionName: name, ActionUUID: newUUID(), RelationID: -1}
	return c.execDispatch(t, dispatch, ev, in, p)
}

// hookOSEnv is what Juju's uniter adds on Ubuntu (context.ubuntuEnv),
// besides PATH.
var hookOSEnv = map[string]string{
	"APT_LISTCHANGES_FRONTEND": "none",
	"DEBIAN_FRONTEND":          "noninteractive",
	"LANG":                     "C.UTF-8",
	"TERM":                     "tmux-256color",
}

func (c *Context) execDispatch(t testing.TB, dispatch string, ev charm.Event, in State, actionParams map[string]any) Output {
	t.Helper()
	if len(in.Containers) > 0 {
		t.Fatalf("charmtest: RunBinary does not support containers yet (the dispatch process has no Pebble sockets); use Run for charms with workloads")
	}
	bin, err := filepath.Abs(dispatch)
	if err != nil {
		t.Fatalf("charmtest: %v", err)
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("charmtest: %s is not an executable dispatch binary (%v)", dispatch, err)
	}
	tools, err := hookToolDir()
	if err != nil {
		t.Fatalf("charmtest: preparing hook tools: %v", err)
	}
	charmDir := filepath.Dir(bin)
	r := c.begin(t, ev, c.check(t, ev, in), actionParams, charmDir)

	// A server per run keeps runs independent; the socket goes in a
	// short temporary directory because of the 107-byte path limit.
	srv, err := rpcserver.New("")
	if err != nil {
		t.Fatalf("charmtest: %v", err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("charmtest: closing the hook-tool server: %v", err)
		}
	}()
	// Juju's context IDs are unit, hook and a random number.
	r.env.ContextID = fmt.Sprintf("%s-%s-%d", r.env.UnitName, ev.Name, rand.Int64())
	session, err := srv.Register(r.env.ContextID, r.hook.Context())
	if err != nil {
		t.Fatalf("charmtest: %v", err)
	}
	vars := maps.Clone(r.vars)
	maps.Copy(vars, hookOSEnv)
	maps.Copy(vars, session.Environ())
	vars["PATH"] = tools + ":/usr/bin:/bin"

	cmd := exec.CommandContext(t.Context(), bin)
	cmd.Env = charm.EnvList(vars)
	cmd.Dir = charmDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// Waits for a tool call still in flight (a killed dispatch), so that
	// nothing touches the model while it is committed.
	session.Close()

	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		return r.hook.End(nil)
	case errors.As(runErr, &exitErr) && exitErr.Exited():
		return r.hook.End(&ExitError{Code: exitErr.ExitCode(), Stderr: stderr.String()})
	default:
		// Killed (test timeout) or never started.
		t.Fatalf("charmtest: running %s: %v\nstderr:\n%s", dispatch, runErr, stderr.String())
		return Output{}
	}
}

// hookToolDir returns a directory holding one symlink per hook tool to a
// cmd/jujuc binary. The binary is built once per test process, into the
// user's cache directory: each process builds into a directory of its
// own and renames the result into place, so parallel `go test` processes
// never see a half-written binary (a process already running the old
// one keeps it).
var hookToolDir = sync.OnceValues(func() (string, error) {
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	root = filepath.Join(root, "identity-platform-go-charms", "charmtest")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	build, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build)
	built := filepath.Join(build, "jujuc")
	cmd := exec.Command("go", "build", "-o", built, jujucPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", jujucPackage, err, out)
	}
	bin := filepath.Join(root, "jujuc")
	if err := os.Rename(built, bin); err != nil {
		return "", err
	}
	tools := filepath.Join(root, "tools")
	if err := os.MkdirAll(tools, 0o700); err != nil {
		return "", err
	}
	for _, name := range jujuc.Names() {
		link := filepath.Join(tools, name)
		if target, err := os.Readlink(link); err == nil && target == bin {
			continue
		}
		tmp := filepath.Join(build, name)
		if err := os.Symlink(bin, tmp); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, link); err != nil {
			return "", err
		}
	}
	return tools, nil
})
