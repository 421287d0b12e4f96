package workload_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/workload"
	"github.com/identity-platform-go/charms/internal/workload/pebbletest"
)

// These tests run the Container against a real Pebble daemon (the version
// Juju 3.6 ships), started per test in a temporary directory.

func startContainer(t *testing.T) *workload.Container {
	t.Helper()
	socket := pebbletest.Start(t)
	api, err := workload.DialSocket(socket)
	return workload.New("app", api, err)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDaemonCanConnect(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	if c := startContainer(t); !c.CanConnect(ctx) {
		t.Error("CanConnect = false with a running daemon")
	}

	missing := filepath.Join(t.TempDir(), "missing.socket")
	api, err := workload.DialSocket(missing)
	c := workload.New("app", api, err)
	start := time.Now()
	if c.CanConnect(ctx) {
		t.Error("CanConnect = true without a daemon")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("CanConnect took %s on a missing socket; want a quick probe", d)
	}
	if _, err := c.Services(ctx); err == nil || !strings.Contains(err.Error(), `container "app"`) {
		t.Errorf("Services error = %v, want it to name the container", err)
	}
}

const baseLayer = `
services:
  srv:
    override: replace
    command: /bin/sh -c "echo started $GREETING >> %s; exec sleep 1000"
    startup: enabled
    environment:
      GREETING: hello
checks:
  ok:
    override: replace
    level: ready
    period: 100ms
    threshold: 2
    exec:
      command: "true"
`

func TestDaemonLayersReplanRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	c := startContainer(t)
	log := filepath.Join(t.TempDir(), "starts.log")

	if err := c.AddLayer(ctx, "base", []byte(strings.ReplaceAll(baseLayer, "%s", log)), false); err != nil {
		t.Fatal(err)
	}
	if err := c.AddLayer(ctx, "base", []byte(strings.ReplaceAll(baseLayer, "%s", log)), false); err == nil {
		t.Error("AddLayer of an existing label without combine: want an error")
	}
	if err := c.Replan(ctx); err != nil {
		t.Fatal(err)
	}
	svcs, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := svcs["srv"]; !got.Active() || got.Startup != "enabled" {
		t.Errorf("srv = %+v, want enabled and active", got)
	}

	// Merging new environment changes srv's config: Replan restarts it.
	merge := "services:\n  srv:\n    override: merge\n    environment:\n      GREETING: bonjour\n"
	if err := c.AddLayer(ctx, "base", []byte(merge), true); err != nil {
		t.Fatal(err)
	}
	plan, err := c.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(plan), "GREETING: bonjour") || !strings.Contains(string(plan), "exec sleep 1000") {
		t.Errorf("plan after merge lacks merged fields:\n%s", plan)
	}
	if err := c.Replan(ctx); err != nil {
		t.Fatal(err)
	}
	// An unchanged plan: Replan leaves srv alone.
	if err := c.Replan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "srv"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, log); got != "started hello\nstarted bonjour\nstarted bonjour\n" {
		t.Errorf("service starts = %q", got)
	}

	if err := c.Stop(ctx, "srv"); err != nil {
		t.Fatal(err)
	}
	if svcs, _ := c.Services(ctx, "srv"); svcs["srv"].Current != "inactive" {
		t.Errorf("after Stop srv = %+v", svcs["srv"])
	}
	if err := c.Start(ctx, "srv"); err != nil {
		t.Fatal(err)
	}
	if svcs, _ := c.Services(ctx, "srv"); !svcs["srv"].Active() {
		t.Errorf("after Start srv = %+v", svcs["srv"])
	}
	if err := c.Start(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `service "nope" does not exist`) {
		t.Errorf("Start(nope) error = %v", err)
	}

	// The exec check goes up.
	deadline := time.Now().Add(5 * time.Second)
	for {
		checks, err := c.Checks(ctx, "ok")
		if err != nil {
			t.Fatal(err)
		}
		ok := checks["ok"]
		if ok.Up() && ok.Level == "ready" && ok.Threshold == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("check ok = %+v, want up", ok)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDaemonFiles(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	c := startContainer(t)
	path := filepath.Join(t.TempDir(), "etc", "app", "config.yaml")
	opts := workload.PushOptions{Permissions: 0o600, MakeDirs: true}

	if _, err := c.Pull(ctx, path); !errors.Is(err, workload.ErrNotFound) {
		t.Errorf("Pull of a missing file: err = %v, want ErrNotFound", err)
	}
	steps := []struct {
		content     string
		wantChanged bool
	}{
		{"a: 1\n", true},
		{"a: 1\n", false},
		{"a: 2\n", true},
	}
	for i, s := range steps {
		changed, err := c.PushIfChanged(ctx, path, []byte(s.content), opts)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if changed != s.wantChanged {
			t.Errorf("step %d: changed = %v, want %v", i, changed, s.wantChanged)
		}
	}
	got, err := c.Pull(ctx, path)
	if err != nil || string(got) != "a: 2\n" {
		t.Errorf("Pull = %q, %v", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("pushed file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if err := c.Push(ctx, "relative/path", []byte("x"), workload.PushOptions{}); err == nil {
		t.Error("Push to a relative path: want an error")
	}
}

func TestDaemonExec(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	c := startContainer(t)

	tests := []struct {
		name       string
		req        workload.ExecRequest
		wantErr    string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{
			name:       "exit code 3 is not an error",
			req:        workload.ExecRequest{Command: []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}},
			wantCode:   3,
			wantStdout: "out\n",
			wantStderr: "err\n",
		},
		{
			name:       "stdin, environment and working dir",
			req:        workload.ExecRequest{Command: []string{"/bin/sh", "-c", "cat; echo $WHO; pwd"}, Stdin: []byte("in\n"), Environment: map[string]string{"WHO": "me"}, WorkingDir: "/"},
			wantStdout: "in\nme\n/\n",
		},
		{
			name:    "missing executable",
			req:     workload.ExecRequest{Command: []string{"no-such-binary", "--password=hunter2"}},
			wantErr: `cannot find executable "no-such-binary"`,
		},
		{
			name:    "timeout",
			req:     workload.ExecRequest{Command: []string{"sleep", "10"}, Timeout: 300 * time.Millisecond},
			wantErr: "timed out",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := c.Exec(ctx, tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error leaks an argument: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tt.wantCode || string(res.Stdout) != tt.wantStdout || string(res.Stderr) != tt.wantStderr {
				t.Errorf("got code %d stdout %q stderr %q; want %d %q %q",
					res.ExitCode, res.Stdout, res.Stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
