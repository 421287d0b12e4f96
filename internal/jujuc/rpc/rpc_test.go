package rpc_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc/rpcserver"
)

// fakeContext is the little of a hook context these tests touch; the
// embedded nil Context panics on anything else, which the server turns
// into an error.
type fakeContext struct {
	jujuc.Context
	unit   string
	leader bool
	rel    *fakeRelation
	state  map[string]string
}

func newFake(unit string, leader bool) *fakeContext {
	return &fakeContext{unit: unit, leader: leader, rel: &fakeRelation{data: map[string]string{}}, state: map[string]string{}}
}

func (f *fakeContext) UnitName() string                      { return f.unit }
func (f *fakeContext) Dir() string                           { return "/charm" }
func (f *fakeContext) IsLeader() (bool, error)               { return f.leader, nil }
func (f *fakeContext) HookRelation() (jujuc.Relation, error) { return nil, jujuc.NotFoundf("relation") }

func (f *fakeContext) Relation(id int) (jujuc.Relation, error) {
	if id != 1 {
		return nil, jujuc.NotFoundf("relation")
	}
	return f.rel, nil
}

func (f *fakeContext) CharmStateValue(key string) (string, error) {
	v, ok := f.state[key]
	if !ok {
		return "", jujuc.NotFoundf("%q", key)
	}
	return v, nil
}

type fakeRelation struct{ data map[string]string }

func (r *fakeRelation) ID() int                                      { return 1 }
func (r *fakeRelation) Endpoint() string                             { return "db" }
func (r *fakeRelation) Key() string                                  { return "app:db postgresql:database" }
func (r *fakeRelation) RemoteApplicationName() string                { return "postgresql" }
func (r *fakeRelation) UnitNames() []string                          { return nil }
func (r *fakeRelation) Settings() (jujuc.Settings, error)            { return r, nil }
func (r *fakeRelation) ApplicationSettings() (jujuc.Settings, error) { return r, nil }
func (r *fakeRelation) ReadSettings(string) (map[string]string, error) {
	return nil, jujuc.ErrPermission
}
func (r *fakeRelation) ReadApplicationSettings(string) (map[string]string, error) {
	return nil, jujuc.ErrPermission
}
func (r *fakeRelation) Map() map[string]string { return maps.Clone(r.data) }
func (r *fakeRelation) Set(k, v string)        { r.data[k] = v }
func (r *fakeRelation) Delete(k string)        { delete(r.data, k) }

// newServer starts a server in a short private directory.
func newServer(t *testing.T) *rpcserver.Server {
	t.Helper()
	s, err := rpcserver.New("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func register(t *testing.T, s *rpcserver.Server, id string, ctx jujuc.Context) *rpcserver.Session {
	t.Helper()
	se, err := s.Register(id, ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(se.Close)
	return se
}

// stdinProbe records whether the client read stdin.
type stdinProbe struct {
	r    io.Reader
	read bool
}

func (p *stdinProbe) Read(b []byte) (int, error) {
	p.read = true
	return p.r.Read(b)
}

func TestMainRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string
		wantStderr string
		wantRead   bool              // stdin consumed (the ErrNoStdin retry happened)
		wantData   map[string]string // relation 1's settings afterwards
	}{{
		name:       "smart output",
		args:       []string{"/tools/is-leader"},
		wantStdout: "True\n",
	}, {
		name:       "multi-call binary invoked by its own name",
		args:       []string{"/tools/jujuc", "is-leader", "--format=json"},
		wantStdout: "true\n",
	}, {
		name:       "tool failure exits 1",
		args:       []string{"state-get", "--strict", "missing"},
		wantCode:   1,
		wantStderr: "ERROR \"missing\" not found\n",
	}, {
		name:       "argument error exits 2",
		args:       []string{"is-leader", "extra"},
		wantCode:   2,
		wantStderr: "ERROR unrecognized args: [\"extra\"]\n",
	}, {
		name:     "relation-set --file - reads stdin on the retry",
		args:     []string{"relation-set", "-r", "1", "--file", "-", "b=2"},
		stdin:    "a: from-stdin\nb: overridden\n",
		wantRead: true,
		wantData: map[string]string{"a": "from-stdin", "b": "2"},
	}, {
		name:     "--file=- too",
		args:     []string{"jujuc", "relation-set", "-r", "1", "--file=-"},
		stdin:    "a: x\n",
		wantRead: true,
		wantData: map[string]string{"a": "x"},
	}, {
		name:     "an empty stdin is still stdin",
		args:     []string{"relation-set", "-r", "1", "--file", "-"},
		wantRead: true,
		wantData: map[string]string{},
	}, {
		name:     "key=value needs no stdin",
		args:     []string{"relation-set", "-r", "1", "a=1"},
		stdin:    "ignored: yes\n",
		wantData: map[string]string{"a": "1"},
	}, {
		name:       "a flag error never asks for stdin",
		args:       []string{"relation-set", "-r", "7", "--file", "-"},
		stdin:      "a: b\n",
		wantCode:   2,
		wantStderr: "ERROR invalid value \"7\" for option -r: relation not found\n",
		wantData:   map[string]string{},
	}, {
		name:       "a file after -- is a positional argument",
		args:       []string{"relation-set", "-r", "1", "--", "--file", "-"},
		wantCode:   2,
		wantStderr: "ERROR expected \"key=value\", got \"--file\"\n",
		wantData:   map[string]string{},
	}, {
		name:       "unknown tool is refused like Juju's server does",
		args:       []string{"jujuc", "pod-spec-set"},
		wantCode:   1,
		wantStderr: "ERROR bad request: unknown command: pod-spec-set\n",
	}, {
		name:       "no tool named",
		args:       []string{"jujuc"},
		wantCode:   2,
		wantStderr: "ERROR no tool named\nUsage: jujuc <tool> [arguments...]\n",
	}}
	s := newServer(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake("app/0", true)
			se := register(t, s, fmt.Sprintf("app/0-config-changed-%d", i), f)
			env := se.Environ()
			probe := &stdinProbe{r: strings.NewReader(tt.stdin)}
			var stdout, stderr bytes.Buffer
			code := rpc.Main(tt.args, func(k string) string { return env[k] }, probe, &stdout, &stderr)
			if code != tt.wantCode || stdout.String() != tt.wantStdout || stderr.String() != tt.wantStderr {
				t.Errorf("got code %d stdout %q stderr %q\nwant code %d stdout %q stderr %q",
					code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if probe.read != tt.wantRead {
				t.Errorf("stdin read = %v, want %v", probe.read, tt.wantRead)
			}
			if tt.wantData != nil && !maps.Equal(f.rel.data, tt.wantData) {
				t.Errorf("relation data = %v, want %v", f.rel.data, tt.wantData)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	good := register(t, s, "app/0-install-1", newFake("app/0", true))
	closed, err := s.Register("app/0-install-2", newFake("app/0", true))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	base := rpc.Client{Network: rpc.Network, Address: s.Address(), ContextID: good.ContextID(), Token: good.Token(), Dir: "/"}
	tests := []struct {
		name    string
		change  func(c *rpc.Client)
		tool    string
		wantErr string
	}{
		{"bad token", func(c *rpc.Client) { c.Token = "not-the-token" }, "is-leader", "bad request: token does not match"},
		{"no token", func(c *rpc.Client) { c.Token = "" }, "is-leader", "bad request: token does not match"},
		{"unknown context", func(c *rpc.Client) { c.ContextID = "app/0-install-99" }, "is-leader", `bad request: wrong context ID; got "app/0-install-99"`},
		{"finished session", func(c *rpc.Client) { c.ContextID, c.Token = closed.ContextID(), closed.Token() }, "is-leader", "bad request: token does not match"},
		{"relative dir", func(c *rpc.Client) { c.Dir = "charm" }, "is-leader", "bad request: Dir is not absolute"},
		{"no command", func(*rpc.Client) {}, "", "bad request: command not specified"},
		{"panicking context", func(*rpc.Client) {}, "config-get", "internal error running config-get: runtime error: invalid memory address or nil pointer dereference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base
			tt.change(&c)
			resp, err := c.Call(tt.tool, nil, nil)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Call = %+v, %v; want error %q", resp, err, tt.wantErr)
			}
		})
	}
	if _, err := s.Register(good.ContextID(), newFake("app/0", true)); err == nil {
		t.Error("registering a live context ID twice succeeded")
	}
}

func TestRelativeFileResolvesAgainstCallerDir(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	f := newFake("app/0", true)
	se := register(t, s, "app/0-start-1", f)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rel.yaml"), []byte("k: v\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := rpc.Client{Network: rpc.Network, Address: s.Address(), ContextID: se.ContextID(), Token: se.Token(), Dir: dir}
	resp, err := c.Call("relation-set", []string{"-r", "1", "--file", "rel.yaml"}, nil)
	if err != nil || resp.Code != 0 {
		t.Fatalf("Call = %+v, %v", resp, err)
	}
	if want := map[string]string{"k": "v"}; !maps.Equal(f.rel.data, want) {
		t.Errorf("relation data = %v, want %v", f.rel.data, want)
	}
}

func TestMainCannotReachAgent(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.socket")
	tests := []struct {
		name       string
		env        map[string]string
		wantStderr string
	}{
		{"no context", map[string]string{}, "ERROR JUJU_CONTEXT_ID not set\n"},
		{"no socket", map[string]string{"JUJU_CONTEXT_ID": "a/0-x-1"}, "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n"},
		{"tcp", map[string]string{"JUJU_CONTEXT_ID": "a/0-x-1", "JUJU_AGENT_SOCKET_ADDRESS": "127.0.0.1:1", "JUJU_AGENT_SOCKET_NETWORK": "tcp"},
			"ERROR JUJU_AGENT_SOCKET_NETWORK \"tcp\" is not supported (only \"unix\")\n"},
		{"agent gone", map[string]string{"JUJU_CONTEXT_ID": "a/0-x-1", "JUJU_AGENT_SOCKET_ADDRESS": missing, "JUJU_AGENT_SOCKET_NETWORK": "unix"},
			"ERROR cannot reach the unit agent: dial unix " + missing + ": connect: no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := rpc.Main([]string{"is-leader"}, func(k string) string { return tt.env[k] }, nil, &stdout, &stderr)
			if code != 1 || stdout.Len() != 0 || stderr.String() != tt.wantStderr {
				t.Errorf("code %d stdout %q stderr %q, want 1, \"\", %q", code, stdout.String(), stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestSocketPermissions(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for path, want := range map[string]os.FileMode{filepath.Dir(s.Address()): 0o700, s.Address(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	if _, err := rpcserver.New(strings.Repeat("/long-directory-name", 6)); err == nil || !strings.Contains(err.Error(), "socket") {
		t.Errorf("NewServer with a long parent: %v", err)
	}
}

func TestCloseRemovesSocket(t *testing.T) {
	t.Parallel()
	s, err := rpcserver.New("")
	if err != nil {
		t.Fatal(err)
	}
	se, err := s.Register("a/0-x-1", newFake("a/0", false))
	if err != nil {
		t.Fatal(err)
	}
	// An idle client connection must not keep Close waiting.
	c := rpc.Client{Network: rpc.Network, Address: s.Address(), ContextID: se.ContextID(), Token: se.Token(), Dir: "/"}
	if resp, err := c.Call("is-leader", nil, nil); err != nil || string(resp.Stdout) != "False\n" {
		t.Fatalf("Call = %+v, %v", resp, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(s.Address())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory left behind: %v", err)
	}
	if _, err := s.Register("a/0-x-2", newFake("a/0", false)); err == nil {
		t.Error("Register after Close succeeded")
	}
}

// TestSessionsAreIsolated runs many calls on two contexts at once; each
// sees only its own model.
func TestSessionsAreIsolated(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	leader := register(t, s, "a/0-x-1", newFake("a/0", true))
	follower := register(t, s, "a/1-x-1", newFake("a/1", false))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		se, want := leader, "True\n"
		if i%2 == 1 {
			se, want = follower, "False\n"
		}
		wg.Go(func() {
			c := rpc.Client{Network: rpc.Network, Address: s.Address(), ContextID: se.ContextID(), Token: se.Token(), Dir: "/"}
			resp, err := c.Call("is-leader", nil, nil)
			if err == nil && string(resp.Stdout) != want {
				err = fmt.Errorf("%s: got %q, want %q", se.ContextID(), resp.Stdout, want)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestBinary runs the real multi-call binary through a tool-named
// symlink, with stdin piped in, as a hook's process would.
func TestBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds cmd/jujuc")
	}
	bin := filepath.Join(t.TempDir(), "jujuc")
	build := exec.Command("go", "build", "-o", bin, "github.com/identity-platform-go/charms/cmd/jujuc")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/jujuc: %v\n%s", err, out)
	}
	tools := t.TempDir()
	for _, name := range []string{"relation-set", "state-get"} {
		if err := os.Symlink(bin, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	s := newServer(t)
	f := newFake("app/0", true)
	se := register(t, s, "app/0-config-changed-1", f)
	env := []string{"PATH=" + tools + ":/usr/bin:/bin"}
	for k, v := range se.Environ() {
		env = append(env, k+"="+v)
	}
	run := func(stdin string, argv ...string) (int, string, string) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		cmd.Dir = t.TempDir()
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	if code, out, errOut := run("a: 1\n", filepath.Join(tools, "relation-set"), "-r", "1", "--file", "-"); code != 0 {
		t.Fatalf("relation-set: %d %q %q", code, out, errOut)
	}
	if !maps.Equal(f.rel.data, map[string]string{"a": "1"}) {
		t.Errorf("relation data = %v", f.rel.data)
	}
	if code, _, errOut := run("", filepath.Join(tools, "state-get"), "--strict", "k"); code != 1 || errOut != "ERROR \"k\" not found\n" {
		t.Errorf("state-get: code %d stderr %q", code, errOut)
	}
	if code, _, errOut := run("", bin, "state-get", "--bogus"); code != 2 || errOut != "ERROR option provided but not defined: --bogus\n" {
		t.Errorf("jujuc state-get --bogus: code %d stderr %q", code, errOut)
	}
}
