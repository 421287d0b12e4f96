package charmtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/workload"
)

// The scenarios below run twice: against the in-memory fake and against a
// real Pebble daemon, both through newPebbleSet, so that the fake is held
// to the real server's behaviour. Fake runs also assert the state out.

type pebbleBackend struct {
	name string
	// container returns the input Container (real: Socket set).
	container func(t *testing.T, in Container) Container
	fake      bool
}

var pebbleBackends = []pebbleBackend{
	{name: "fake", fake: true, container: func(t *testing.T, in Container) Container { return in }},
	{name: "real", container: startRealContainer},
}

// startRealContainer starts a daemon holding in's layers.
func startRealContainer(t *testing.T, in Container) Container {
	t.Helper()
	socket := StartPebble(t)
	api, err := workload.DialSocket(socket)
	c := workload.New(in.Name, api, err)
	for _, label := range layerLabels(&in) {
		must(t, c.AddLayer(context.Background(), label, []byte(in.Layers[label]), false))
	}
	return Container{Name: in.Name, Socket: socket}
}

// runPebble connects to one container through a pebbleSet and returns the
// workload Container plus a function giving the state out.
func runPebble(t *testing.T, in Container) (*workload.Container, func() Container) {
	t.Helper()
	set := newPebbleSet(t, []Container{in})
	api, err := set.Connector()(in.Name)
	return workload.New(in.Name, api, err), func() Container { return set.Containers()[0] }
}

func pebbleContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const (
	fakeLayer = `services:
  srv:
    override: replace
    command: sleep 1000
    startup: enabled
    environment:
      GREETING: hello
  manual:
    override: replace
    command: sleep 1001
checks:
  ok:
    override: replace
    level: ready
    period: 100ms
    threshold: 2
    exec:
      command: "true"
`
	mergeLayer = `services:
  srv:
    override: merge
    environment:
      GREETING: bonjour
`
)

func TestPebbleScenarios(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name string
		in   Container
		run  func(t *testing.T, ctx context.Context, c *workload.Container)
		// out checks the fake's state out.
		out func(t *testing.T, f *pebbleSet, out Container)
	}{
		{
			name: "layers, combine and replan",
			in:   Container{Name: "app", CanConnect: true},
			run: func(t *testing.T, ctx context.Context, c *workload.Container) {
				must(t, c.AddLayer(ctx, "base", []byte(fakeLayer), false))
				if err := c.AddLayer(ctx, "base", []byte(fakeLayer), false); err == nil || !strings.Contains(err.Error(), `layer "base" already exists`) {
					t.Errorf("re-adding a label without combine: err = %v", err)
				}
				if err := c.AddLayer(ctx, "bad", []byte("services:\n  x:\n    command: y\n"), false); err == nil || !strings.Contains(err.Error(), `must define "override"`) {
					t.Errorf("layer without override: err = %v", err)
				}
				must(t, c.Replan(ctx))
				assertServices(t, ctx, c, map[string]workload.ServiceStatus{
					"srv":    {Startup: "enabled", Current: "active"},
					"manual": {Startup: "disabled", Current: "inactive"},
				})
				must(t, c.AddLayer(ctx, "base", []byte(mergeLayer), true))
				plan, err := c.Plan(ctx)
				must(t, err)
				for _, want := range []string{"GREETING: bonjour", "command: sleep 1000", "level: ready"} {
					if !strings.Contains(string(plan), want) {
						t.Errorf("plan lacks %q:\n%s", want, plan)
					}
				}
				must(t, c.Replan(ctx))
				assertServices(t, ctx, c, map[string]workload.ServiceStatus{
					"srv":    {Startup: "enabled", Current: "active"},
					"manual": {Startup: "disabled", Current: "inactive"},
				})
			},
			out: func(t *testing.T, f *pebbleSet, out Container) {
				if !reflect.DeepEqual(out.LayerOrder, []string{"base"}) {
					t.Errorf("LayerOrder = %q", out.LayerOrder)
				}
				if l := out.Layers["base"]; !strings.Contains(l, "GREETING: bonjour") || !strings.Contains(l, "sleep 1001") {
					t.Errorf("combined layer:\n%s", l)
				}
				if got := f.fakes["app"].running["srv"].Environment["GREETING"]; got != "bonjour" {
					t.Errorf("srv runs with GREETING=%q after replan, want bonjour", got)
				}
			},
		},
		{
			name: "start, stop, restart",
			in:   Container{Name: "app", CanConnect: true, Layers: map[string]string{"base": fakeLayer}},
			run: func(t *testing.T, ctx context.Context, c *workload.Container) {
				must(t, c.Start(ctx, "manual"))
				must(t, c.Restart(ctx, "srv"))
				must(t, c.Stop(ctx, "manual"))
				if err := c.Start(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `service "nope" does not exist`) {
					t.Errorf("Start(nope): err = %v", err)
				}
				assertServices(t, ctx, c, map[string]workload.ServiceStatus{
					"srv":    {Startup: "enabled", Current: "active"},
					"manual": {Startup: "disabled", Current: "inactive"},
				})
			},
			out: func(t *testing.T, _ *pebbleSet, out Container) {
				want := map[string]string{"srv": "active", "manual": "inactive"}
				if !reflect.DeepEqual(out.Services, want) {
					t.Errorf("Services = %v, want %v", out.Services, want)
				}
			},
		},
		{
			name: "files",
			in:   Container{Name: "app", CanConnect: true},
			run: func(t *testing.T, ctx context.Context, c *workload.Container) {
				path := t.TempDir() + "/etc/app.yaml"
				if _, err := c.Pull(ctx, path); !errors.Is(err, workload.ErrNotFound) {
					t.Errorf("Pull of missing file: err = %v", err)
				}
				opts := workload.PushOptions{Permissions: 0o600, MakeDirs: true}
				for i, want := range []bool{true, false} {
					changed, err := c.PushIfChanged(ctx, path, []byte("a: 1\n"), opts)
					must(t, err)
					if changed != want {
						t.Errorf("push %d: changed = %v, want %v", i, changed, want)
					}
				}
				got, err := c.Pull(ctx, path)
				if err != nil || string(got) != "a: 1\n" {
					t.Errorf("Pull = %q, %v", got, err)
				}
			},
			out: func(t *testing.T, _ *pebbleSet, out Container) {
				if len(out.Files) != 1 {
					t.Fatalf("Files = %v", out.Files)
				}
				for _, f := range out.Files {
					if string(f.Content) != "a: 1\n" || f.Permissions != 0o600 {
						t.Errorf("file = %+v", f)
					}
				}
			},
		},
		{
			name: "exec",
			in: Container{Name: "app", CanConnect: true, Execs: []Exec{
				{Command: []string{"/bin/sh", "-c"}, ExitCode: 3, Stdout: "out\n", Stderr: "err\n"},
			}},
			run: func(t *testing.T, ctx context.Context, c *workload.Container) {
				res, err := c.Exec(ctx, workload.ExecRequest{Command: []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}})
				must(t, err)
				if res.ExitCode != 3 || string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" {
					t.Errorf("Exec = %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
				}
				if _, err := c.Exec(ctx, workload.ExecRequest{Command: []string{"no-such-binary", "x"}}); err == nil || !strings.Contains(err.Error(), `cannot find executable "no-such-binary"`) {
					t.Errorf("missing executable: err = %v", err)
				}
			},
			out: func(t *testing.T, _ *pebbleSet, out Container) {
				want := [][]string{{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {"no-such-binary", "x"}}
				if !reflect.DeepEqual(out.ExecLog, want) {
					t.Errorf("ExecLog = %q, want %q", out.ExecLog, want)
				}
			},
		},
		{
			name: "checks",
			in:   Container{Name: "app", CanConnect: true, Layers: map[string]string{"base": fakeLayer}},
			run: func(t *testing.T, ctx context.Context, c *workload.Container) {
				must(t, c.Replan(ctx))
				deadline := time.Now().Add(5 * time.Second)
				for {
					checks, err := c.Checks(ctx)
					must(t, err)
					ok := checks["ok"]
					if ok.Up() && ok.Level == "ready" && ok.Threshold == 2 {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("check ok = %+v, want up", ok)
					}
					time.Sleep(50 * time.Millisecond)
				}
			},
		},
	}
	for _, sc := range scenarios {
		for _, be := range pebbleBackends {
			t.Run(sc.name+"/"+be.name, func(t *testing.T) {
				t.Parallel()
				in := be.container(t, sc.in)
				set := newPebbleSet(t, []Container{in})
				api, err := set.Connector()(in.Name)
				c := workload.New(in.Name, api, err)
				sc.run(t, pebbleContext(t), c)
				if be.fake && sc.out != nil {
					sc.out(t, set, set.Containers()[0])
				}
			})
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertServices(t *testing.T, ctx context.Context, c *workload.Container, want map[string]workload.ServiceStatus) {
	t.Helper()
	got, err := c.Services(ctx)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Services = %+v, want %+v", got, want)
	}
}

func TestPebbleUnreachable(t *testing.T) {
	t.Parallel()
	ctx := pebbleContext(t)
	c, out := runPebble(t, Container{Name: "app", CanConnect: false, Layers: map[string]string{"base": fakeLayer}})
	if c.CanConnect(ctx) {
		t.Error("CanConnect = true")
	}
	calls := map[string]func() error{
		"AddLayer": func() error { return c.AddLayer(ctx, "x", []byte(fakeLayer), true) },
		"Replan":   func() error { return c.Replan(ctx) },
		"Push":     func() error { return c.Push(ctx, "/x", []byte("y"), workload.PushOptions{}) },
		"Exec":     func() error { _, err := c.Exec(ctx, workload.ExecRequest{Command: []string{"true"}}); return err },
		"Services": func() error { _, err := c.Services(ctx); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), `socket "/charm/containers/app/pebble.socket" not found`) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if got := out(); len(got.Files) != 0 || len(got.ExecLog) != 0 || len(got.LayerOrder) != 0 {
		t.Errorf("state changed while unreachable: %+v", got)
	}

	fake, _ := runPebble(t, Container{Name: "app", CanConnect: true})
	if !fake.CanConnect(ctx) {
		t.Error("fake: CanConnect = false")
	}
	if _, err := newPebbleSet(t, []Container{{Name: "app", CanConnect: true}}).Connector()("db"); err == nil {
		t.Error("connecting to a container not in the state: want an error")
	}
}

func TestPebbleFakeReplan(t *testing.T) {
	t.Parallel()
	ctx := pebbleContext(t)
	tests := []struct {
		name  string
		in    Container
		layer string // combined into "base" before Replan
		want  map[string]string
		// wantEnv is srv's GREETING after Replan ("" when not running).
		wantEnv string
	}{
		{
			name:    "enabled services start",
			in:      Container{Name: "app", CanConnect: true, Layers: map[string]string{"base": fakeLayer}},
			want:    map[string]string{"srv": "active"},
			wantEnv: "hello",
		},
		{
			name: "a running service with changed config restarts",
			in: Container{Name: "app", CanConnect: true, Layers: map[string]string{"base": fakeLayer},
				Services: map[string]string{"srv": "active", "manual": "active"}},
			layer:   mergeLayer,
			want:    map[string]string{"srv": "active", "manual": "active"},
			wantEnv: "bonjour",
		},
		{
			name: "a running disabled service with changed config is restarted",
			in: Container{Name: "app", CanConnect: true, Layers: map[string]string{"base": fakeLayer},
				Services: map[string]string{"manual": "active"}},
			layer:   "services:\n  manual:\n    override: merge\n    command: sleep 5\n",
			want:    map[string]string{"srv": "active", "manual": "active"},
			wantEnv: "hello",
		},
		{
			name: "input layers follow LayerOrder",
			in: Container{Name: "app", CanConnect: true, LayerOrder: []string{"z", "a"}, Layers: map[string]string{
				"z": fakeLayer,
				"a": mergeLayer,
			}},
			want:    map[string]string{"srv": "active"},
			wantEnv: "bonjour",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set := newPebbleSet(t, []Container{tt.in})
			api, err := set.Connector()("app")
			c := workload.New("app", api, err)
			if tt.layer != "" {
				must(t, c.AddLayer(ctx, "base", []byte(tt.layer), true))
			}
			must(t, c.Replan(ctx))
			out := set.Containers()[0]
			if !reflect.DeepEqual(out.Services, tt.want) {
				t.Errorf("Services = %v, want %v", out.Services, tt.want)
			}
			var env string
			if svc := set.fakes["app"].running["srv"]; svc != nil {
				env = svc.Environment["GREETING"]
			}
			if env != tt.wantEnv {
				t.Errorf("srv GREETING = %q, want %q", env, tt.wantEnv)
			}
		})
	}
}

func TestPebbleFakeChecksAndServicesFromState(t *testing.T) {
	t.Parallel()
	ctx := pebbleContext(t)
	c, _ := runPebble(t, Container{
		Name: "app", CanConnect: true,
		Layers:   map[string]string{"base": fakeLayer},
		Services: map[string]string{"srv": "backoff", "sidecar": "active"},
		Checks:   map[string]Check{"ok": {Status: "down", Failures: 2}, "extra": {Level: "alive", Status: "up", Threshold: 3}},
	})
	assertServices(t, ctx, c, map[string]workload.ServiceStatus{
		"srv":     {Startup: "enabled", Current: "backoff"},
		"manual":  {Startup: "disabled", Current: "inactive"},
		"sidecar": {Startup: "disabled", Current: "active"},
	})
	checks, err := c.Checks(ctx)
	must(t, err)
	want := map[string]workload.CheckStatus{
		"ok":    {Level: "ready", Status: "down", Failures: 2, Threshold: 2},
		"extra": {Level: "alive", Status: "up", Threshold: 3},
	}
	if !reflect.DeepEqual(checks, want) {
		t.Errorf("Checks = %+v, want %+v", checks, want)
	}
}

func TestNewPebbleSetRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []Container
		want string
	}{
		{"duplicate", []Container{{Name: "a"}, {Name: "a"}}, "appears twice"},
		{"bad layer", []Container{{Name: "a", Layers: map[string]string{"x": "services:\n  s:\n    command: y\n"}}}, `must define "override"`},
		{"order names missing layer", []Container{{Name: "a", LayerOrder: []string{"x"}}}, "not in Layers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &fatalRecorder{TB: t}
			func() {
				defer func() { _ = recover() }()
				newPebbleSet(rec, tt.in)
			}()
			if !strings.Contains(rec.msg, tt.want) {
				t.Errorf("Fatal message = %q, want it to contain %q", rec.msg, tt.want)
			}
		})
	}
}

// fatalRecorder captures Fatalf instead of failing the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
