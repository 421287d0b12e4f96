package hooktool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	netrpc "net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc/rpcserver"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// unknownTool is on the tools' PATH but not a tool the agent knows.
const unknownTool = "no-such-tool"

// tools is cmd/jujuc, built once per test process, with a symlink to it
// per hook tool (and unknownTool); TestMain removes it.
var tools struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tools.dir != "" {
		_ = os.RemoveAll(tools.dir)
	}
	os.Exit(code)
}

func toolDir(t *testing.T) string {
	t.Helper()
	tools.once.Do(func() {
		tools.dir, tools.err = os.MkdirTemp("", "hooktool-jujuc-")
		if tools.err != nil {
			return
		}
		bin := filepath.Join(tools.dir, rpc.ClientCommand)
		cmd := exec.Command("go", "build", "-o", bin, "github.com/identity-platform-go/charms/cmd/jujuc")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			tools.err = fmt.Errorf("building jujuc: %v\n%s", err, out)
			return
		}
		for _, name := range append(jujuc.Names(), unknownTool) {
			if err := os.Symlink(bin, filepath.Join(tools.dir, name)); err != nil {
				tools.err = err
				return
			}
		}
	})
	if tools.err != nil {
		t.Fatal(tools.err)
	}
	return tools.dir
}

// pathRunner execs tools from dir (ExecRunner resolves names against
// this process's PATH, not the child's), reporting them by name as the
// RPC runner does.
type pathRunner struct {
	dir  string
	exec hooktool.ExecRunner
}

func (r pathRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	out, err := r.exec.Run(ctx, filepath.Join(r.dir, tool), args, stdin)
	var te *hooktool.Error
	if errors.As(err, &te) {
		named := *te
		named.Tool = tool
		return out, &named
	}
	return out, err
}

const testMeta = `name: demo
type: charm
summary: s
description: d
config:
  options:
    x: {type: string, default: a}
    n: {type: int, default: 3}
requires:
  db: {interface: postgresql_client}
`

// agent is a hook in progress behind a real rpcserver.Server, as the
// controller and charmtest.RunBinary run it.
type agent struct {
	hook *unitctx.Hook
	env  map[string]string
}

func startAgent(t *testing.T) *agent {
	t.Helper()
	meta, err := charmcraft.Parse([]byte(testMeta))
	if err != nil {
		t.Fatal(err)
	}
	hook, err := unitctx.Begin(unitctx.Params{
		Meta:   meta,
		Env:    charm.Env{UnitName: "demo/0", CharmDir: "/", ModelUUID: "00000000-0000-4000-8000-000000000000"},
		Event:  charm.Event{Kind: charm.UpdateStatus, Name: "update-status", RelationID: -1},
		Config: map[string]any{"x": "a", "n": 3},
		State: unitctx.State{
			Leader: true,
			Relations: []unitctx.Relation{{Endpoint: "db", ID: 1, RemoteApp: "postgresql",
				RemoteAppData: map[string]string{"endpoints": "pg:5432"}, RemoteUnits: map[int]map[string]string{0: {}}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rpcserver.New("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	session, err := srv.Register("demo/0-update-status-1", hook.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(session.Close)
	return &agent{hook: hook, env: session.Environ()}
}

func (a *agent) getenv(k string) string { return a.env[k] }

func (a *agent) environ() []string {
	var out []string
	for k, v := range a.env {
		out = append(out, k+"="+v)
	}
	return out
}

func rpcRunner(t *testing.T, getenv func(string) string) *hooktool.RPCRunner {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	target, err := rpc.ClientFromEnv(getenv, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := hooktool.NewRPCRunner(target)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// callResult is what one call gave, comparable across runners.
type callResult struct {
	Out    string
	Err    string
	Tool   string
	Code   int
	Stderr string
}

func resultOf(out []byte, err error) callResult {
	r := callResult{Out: string(out)}
	if err != nil {
		r.Err = err.Error()
		var te *hooktool.Error
		if errors.As(err, &te) {
			r.Tool, r.Code, r.Stderr = te.Tool, te.Code, te.Stderr
		}
	}
	return r
}

var secretURIRE = regexp.MustCompile(`secret:(//[0-9a-f-]+/)?[0-9a-v]{20}`)

// TestRPCRunnerMatchesExecRunner runs the same calls, in order, against
// two hooks in the same starting state: one through the tool binaries,
// one over the socket. Every call's output and error, and what each hook
// ends with, must be the same.
func TestRPCRunnerMatchesExecRunner(t *testing.T) {
	t.Parallel()
	dir := toolDir(t)
	secretFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(secretFile, []byte("s3cret value"), 0o600); err != nil {
		t.Fatal(err)
	}
	type call = func(ctx context.Context, r hooktool.Runner) ([]byte, error)
	raw := func(tool string, stdin []byte, args ...string) call {
		return func(ctx context.Context, r hooktool.Runner) ([]byte, error) { return r.Run(ctx, tool, args, stdin) }
	}
	steps := []struct {
		name string
		call call
	}{
		{"config-get key", raw("config-get", nil, "--format=json", "x")},
		{"config-get all", raw("config-get", nil, "--format=json")},
		{"is-leader", raw("is-leader", nil, "--format=json")},
		{"relation-ids", raw("relation-ids", nil, "--format=json", "db")},
		{"relation-get remote app", raw("relation-get", nil, "--format=json", "-r", "1", "--app", "-", "postgresql")},
		{"relation-set --file - (stdin on request)", raw("relation-set", []byte("database: demo\nnote: \"two words\"\n"), "-r", "1", "--app", "--file", "-")},
		{"relation-set --file - with no stdin", raw("relation-set", nil, "-r", "1", "--file", "-")},
		{"relation-set unknown relation", raw("relation-set", nil, "-r", "99", "--", "k=v")},
		{"status-set bad status", raw("status-set", nil, "--", "bogus", "message")},
		{"config-get bad flag", raw("config-get", nil, "--no-such-flag")},
		{"juju-log", raw("juju-log", nil, "--log-level", "DEBUG", "--", "-dash first")},
		{"tool the agent does not know", raw(unknownTool, nil, "arg")},
		{"secret-add key#file=", raw("secret-add", nil, "--label", "raw", "--", "password#file="+secretFile)},
		{"secret-get raw", raw("secret-get", nil, "--format=json", "--label", "raw")},
		{"secret-add with the client (0600 temp files)", func(ctx context.Context, r hooktool.Runner) ([]byte, error) {
			uri, err := hooktool.New(r).SecretAdd(ctx, map[string]string{"username": "u", "password": "p\nwith newline"},
				hooktool.SecretOptions{Label: "creds"})
			return []byte(uri), err
		}},
		{"secret-get with the client", func(ctx context.Context, r hooktool.Runner) ([]byte, error) {
			content, err := hooktool.New(r).SecretGet(ctx, hooktool.SecretRef{Label: "creds"}, hooktool.SecretGetOptions{})
			return fmt.Appendf(nil, "%v", content), err
		}},
		{"state-set large value over stdin", func(ctx context.Context, r hooktool.Runner) ([]byte, error) {
			return nil, hooktool.New(r).StateSet(ctx, map[string]string{"big": strings.Repeat("x", hooktool.MaxArgBytes+1)})
		}},
		{"state-get", raw("state-get", nil, "--format=json", "big")},
	}

	run := func(r hooktool.Runner, a *agent) ([]callResult, unitctx.Output) {
		var results []callResult
		for _, s := range steps {
			results = append(results, resultOf(s.call(context.Background(), r)))
		}
		return results, a.hook.End(nil)
	}
	execAgent, rpcAgent := startAgent(t), startAgent(t)
	wantResults, wantOut := run(pathRunner{dir: dir, exec: hooktool.ExecRunner{Env: execAgent.environ()}}, execAgent)
	gotResults, gotOut := run(rpcRunner(t, rpcAgent.getenv), rpcAgent)

	// Secret URIs are random: compare their shape, then the rest.
	normalise := func(s string) string { return secretURIRE.ReplaceAllString(s, "secret:<id>") }
	for i, s := range steps {
		want, got := wantResults[i], gotResults[i]
		if secretURIRE.MatchString(want.Out) != secretURIRE.MatchString(got.Out) {
			t.Errorf("%s: outputs %q (exec) and %q (rpc) differ in secret URIs", s.name, want.Out, got.Out)
		}
		want.Out, got.Out = normalise(want.Out), normalise(got.Out)
		if got != want {
			t.Errorf("%s:\n rpc  %+v\n exec %+v", s.name, got, want)
		}
	}
	for _, out := range []*unitctx.Output{&wantOut, &gotOut} {
		for i := range out.State.Secrets {
			out.State.Secrets[i].ID = ""
		}
	}
	if !reflect.DeepEqual(gotOut, wantOut) {
		t.Errorf("hook outputs differ:\n rpc  %+v\n exec %+v", gotOut, wantOut)
	}

	// The table is worth something only if it has both outcomes.
	var failed, ok, secrets int
	for _, r := range wantResults {
		if r.Code != 0 {
			failed++
		} else {
			ok++
		}
	}
	for _, s := range wantOut.State.Secrets {
		if s.Content["password"] != "" {
			secrets++
		}
	}
	if failed < 4 || ok < 10 || secrets != 2 {
		t.Errorf("%d failing and %d successful calls, %d secrets with content: the table lost its point", failed, ok, secrets)
	}
	if got := wantOut.State.Relations[0].LocalAppData["note"]; got != "two words" {
		t.Errorf("relation-set over stdin: app data %v", wantOut.State.Relations[0].LocalAppData)
	}
}

// TestRPCRunnerDeadSocket: when the agent is not there, the error is the
// tool binary's, word for word, and marked as a transport failure.
func TestRPCRunnerDeadSocket(t *testing.T) {
	t.Parallel()
	dir := toolDir(t)
	env := map[string]string{
		rpc.EnvSocketAddress: filepath.Join(t.TempDir(), "agent.socket"),
		rpc.EnvSocketNetwork: "unix", rpc.EnvContextID: "demo/0-update-status-1", rpc.EnvToken: "t",
	}
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	args := []string{"--format=json", "x"}
	_, wantErr := pathRunner{dir: dir, exec: hooktool.ExecRunner{Env: vars}}.Run(context.Background(), "config-get", args, nil)
	_, gotErr := rpcRunner(t, func(k string) string { return env[k] }).Run(context.Background(), "config-get", args, nil)
	want, got := resultOf(nil, wantErr), resultOf(nil, gotErr)
	if got != want || want.Code != 1 || !strings.Contains(want.Stderr, "cannot reach the unit agent") {
		t.Errorf("dead socket:\n rpc  %+v\n exec %+v", got, want)
	}
	var te *hooktool.TransportError
	if !errors.As(gotErr, &te) {
		t.Errorf("%v is not a TransportError", gotErr)
	}
}

// recorder is an exec side that records what it was asked to run.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) Run(_ context.Context, tool string, args []string, _ []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, tool+" "+strings.Join(args, " "))
	if tool == "config-get" {
		return []byte(`"from exec"`), nil
	}
	return nil, nil
}

func (r *recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// brokenAgent listens on a socket and answers every connection with
// serve, counting connections.
func brokenAgent(t *testing.T, serve func(net.Conn)) (addr string, conns *atomic.Int32) {
	t.Helper()
	addr = filepath.Join(t.TempDir(), "agent.socket")
	ln, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	conns = &atomic.Int32{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serve(c)
		}
	}()
	return addr, conns
}

// otherService is a net/rpc service that is not Juju's.
type otherService struct{}

func (otherService) Ping(_ string, reply *string) error { *reply = "pong"; return nil }

func TestFallbackOnTransportFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		agent func(t *testing.T) (addr string, conns *atomic.Int32)
	}{
		{"no socket", func(t *testing.T) (string, *atomic.Int32) {
			return filepath.Join(t.TempDir(), "agent.socket"), nil
		}},
		{"hangs up", func(t *testing.T) (string, *atomic.Int32) {
			return brokenAgent(t, func(c net.Conn) { _ = c.Close() })
		}},
		{"speaks something else", func(t *testing.T) (string, *atomic.Int32) {
			return brokenAgent(t, func(c net.Conn) { _, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")); _ = c.Close() })
		}},
		{"has no Jujuc.Main", func(t *testing.T) (string, *atomic.Int32) {
			srv := netrpc.NewServer()
			if err := srv.RegisterName("Other", otherService{}); err != nil {
				t.Fatal(err)
			}
			return brokenAgent(t, func(c net.Conn) { srv.ServeConn(c) })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, conns := tc.agent(t)
			env := map[string]string{rpc.EnvSocketAddress: addr, rpc.EnvSocketNetwork: "unix",
				rpc.EnvContextID: "demo/0-update-status-1", rpc.EnvToken: "t"}
			rec := &recorder{}
			r := hooktool.NewFallbackRunner(rpcRunner(t, func(k string) string { return env[k] }), rec)
			for range 2 {
				out, err := r.Run(context.Background(), "config-get", []string{"--format=json", "x"}, nil)
				if err != nil || string(out) != `"from exec"` {
					t.Fatalf("config-get = %q, %v; want the exec side's answer", out, err)
				}
			}
			calls := rec.Calls()
			if len(calls) != 3 || !strings.HasPrefix(calls[0], "juju-log --log-level DEBUG -- hook tools: calling the unit agent directly failed") ||
				calls[1] != "config-get --format=json x" || calls[2] != calls[1] {
				t.Errorf("exec side ran %q; want the fallback logged once, then both calls", calls)
			}
			if conns != nil && conns.Load() != 1 {
				t.Errorf("%d connections to the agent; after the first failure there should be none", conns.Load())
			}
		})
	}
}

// TestFallbackKeepsToolErrors: a tool's own failure, and a cancelled
// call, are answers, not transport failures.
func TestFallbackKeepsToolErrors(t *testing.T) {
	t.Parallel()
	a := startAgent(t)
	rec := &recorder{}
	r := hooktool.NewFallbackRunner(rpcRunner(t, a.getenv), rec)
	_, err := r.Run(context.Background(), "status-set", []string{"--", "bogus", "message"}, nil)
	var te *hooktool.Error
	if !errors.As(err, &te) || te.Code == 0 || te.Err != nil || !strings.HasPrefix(te.Stderr, "ERROR ") {
		t.Errorf("status-set bogus: %#v", err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Run(canceled, "config-get", []string{"x"}, nil); !errors.As(err, &te) || te.Code != -1 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled config-get: %#v", err)
	}
	if out, err := r.Run(context.Background(), "config-get", []string{"x"}, nil); err != nil || string(out) != "a\n" {
		t.Errorf("config-get = %q, %v", out, err)
	}
	if calls := rec.Calls(); len(calls) != 0 {
		t.Errorf("fell back to exec for %q", calls)
	}
}

// jujucService is a stand-in agent for what the real server cannot be
// made to do: drop a connection between calls, or hang.
type jujucService struct {
	calls   atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (s *jujucService) Main(req rpc.Request, resp *rpc.Response) error {
	s.calls.Add(1)
	switch req.CommandName {
	case "hang":
		s.started <- struct{}{}
		<-s.release
	case "cat":
		if !req.StdinSet {
			return rpc.ErrNoStdin
		}
		resp.Stdout = req.Stdin
		return nil
	}
	resp.Stdout = []byte(req.CommandName + " " + strings.Join(req.Args, " "))
	return nil
}

// closeAfterReply closes the connection once the server has written its
// first reply: the agent hangs up between two calls. It stops reading
// first, or the server could read (and run) the client's next request
// before the close, which the real agent would not.
type closeAfterReply struct{ net.Conn }

func (c closeAfterReply) Write(p []byte) (int, error) {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		_ = cr.CloseRead()
	}
	n, err := c.Conn.Write(p)
	_ = c.Conn.Close()
	return n, err
}

func fakeAgent(t *testing.T, svc *jujucService, wrap func(net.Conn) net.Conn) (map[string]string, *atomic.Int32) {
	t.Helper()
	srv := netrpc.NewServer()
	if err := srv.RegisterName("Jujuc", svc); err != nil {
		t.Fatal(err)
	}
	addr, conns := brokenAgent(t, func(c net.Conn) { srv.ServeConn(wrap(c)) })
	return map[string]string{rpc.EnvSocketAddress: addr, rpc.EnvSocketNetwork: "unix",
		rpc.EnvContextID: "demo/0-update-status-1", rpc.EnvToken: "t"}, conns
}

func TestRPCRunnerConnection(t *testing.T) {
	t.Parallel()
	t.Run("one connection for a dispatch", func(t *testing.T) {
		t.Parallel()
		svc := &jujucService{}
		env, conns := fakeAgent(t, svc, func(c net.Conn) net.Conn { return c })
		r := rpcRunner(t, func(k string) string { return env[k] })
		for i := range 5 {
			if out, err := r.Run(context.Background(), "cat", nil, fmt.Appendf(nil, "in %d", i)); err != nil || string(out) != fmt.Sprintf("in %d", i) {
				t.Fatalf("cat = %q, %v", out, err)
			}
		}
		if conns.Load() != 1 || svc.calls.Load() != 10 {
			t.Errorf("%d connections, %d requests; want 1 and 10 (each call asked for its stdin)", conns.Load(), svc.calls.Load())
		}
	})
	t.Run("agent hung up between calls", func(t *testing.T) {
		t.Parallel()
		svc := &jujucService{}
		env, conns := fakeAgent(t, svc, func(c net.Conn) net.Conn { return closeAfterReply{c} })
		r := rpcRunner(t, func(k string) string { return env[k] })
		for range 3 {
			if out, err := r.Run(context.Background(), "config-get", []string{"x"}, nil); err != nil || string(out) != "config-get x" {
				t.Fatalf("config-get = %q, %v", out, err)
			}
		}
		if conns.Load() != 3 || svc.calls.Load() != 3 {
			t.Errorf("%d connections, %d calls; want a fresh connection per call, each call run once", conns.Load(), svc.calls.Load())
		}
	})
	t.Run("cancelled while the agent works", func(t *testing.T) {
		t.Parallel()
		svc := &jujucService{started: make(chan struct{}, 1), release: make(chan struct{})}
		defer close(svc.release)
		env, _ := fakeAgent(t, svc, func(c net.Conn) net.Conn { return c })
		r := rpcRunner(t, func(k string) string { return env[k] })
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-svc.started
			cancel()
		}()
		_, err := r.Run(ctx, "hang", nil, nil)
		var te *hooktool.Error
		if !errors.As(err, &te) || te.Code != -1 || te.Tool != "hang" || !errors.Is(err, context.Canceled) {
			t.Fatalf("hang: %#v", err)
		}
		if out, err := r.Run(context.Background(), "config-get", nil, nil); err != nil || !bytes.Equal(out, []byte("config-get ")) {
			t.Errorf("after a cancelled call: %q, %v", out, err)
		}
	})
}

func TestDefaultRunner(t *testing.T) {
	t.Parallel()
	a := startAgent(t)
	for _, unset := range []string{rpc.EnvSocketAddress, rpc.EnvSocketNetwork, rpc.EnvContextID, rpc.EnvToken} {
		getenv := func(k string) string {
			if k == unset {
				return ""
			}
			return a.env[k]
		}
		if _, ok := hooktool.DefaultRunner(getenv).(hooktool.ExecRunner); !ok {
			t.Errorf("without %s: not the ExecRunner", unset)
		}
	}
	tcp := func(k string) string {
		if k == rpc.EnvSocketNetwork {
			return "tcp"
		}
		return a.env[k]
	}
	if _, ok := hooktool.DefaultRunner(tcp).(hooktool.ExecRunner); !ok {
		t.Errorf("over tcp (TLS, not implemented): not the ExecRunner")
	}
	r := hooktool.DefaultRunner(a.getenv)
	if _, ok := r.(hooktool.ExecRunner); ok {
		t.Fatal("with the socket's environment: the ExecRunner")
	}
	// This process has no tools on PATH: only the socket can answer.
	if v, ok, err := hooktool.New(r).ConfigGet(context.Background(), "x"); err != nil || !ok || v != "a" {
		t.Errorf("config-get x = %v, %v, %v", v, ok, err)
	}
}
