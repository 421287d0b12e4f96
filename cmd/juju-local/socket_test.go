package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestDaemonOverSocket runs `juju-local controller` in-process with a
// fake backend, then the CLI against it over the real unix socket (the
// default client, from JUJU_LOCAL_SOCKET), then stops the daemon as
// kill-controller does (its context ends).
func TestDaemonOverSocket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{
		"JUJU_LOCAL_SOCKET":    filepath.Join(dir, "run", "api.sock"),
		"JUJU_LOCAL_STATE_DIR": filepath.Join(dir, "state"),
	}
	fake := statusFake()
	closed := make(chan struct{})
	daemon, _, derr := testApp(nil, "", env)
	daemon.newBackend = func(_ context.Context, cfg api.ControllerConfig) (api.Backend, io.Closer, error) {
		if cfg.StateDir != env["JUJU_LOCAL_STATE_DIR"] || cfg.SocketPath != env["JUJU_LOCAL_SOCKET"] {
			t.Errorf("config = %+v", cfg)
		}
		return fake, closerFunc(func() error { close(closed); return nil }), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- daemon.Main(ctx, []string{"controller"}) }()

	cli, out, errb := testApp(nil, "", env)
	cli.connect = nil // the real client on the socket
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := api.Dial(env["JUJU_LOCAL_SOCKET"]).Info(context.Background()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not answer; its stderr: %s", derr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := cli.Main(context.Background(), []string{"status"}); code != 0 {
		t.Fatalf("status exit %d: %s", code, errb)
	}
	golden(t, "status-tabular", out.String())

	out.Reset()
	errb.Reset()
	if code := cli.Main(context.Background(), []string{"status", "-m", "nope"}); code != 1 || errb.String() != "ERROR model \"nope\" not found\n" {
		t.Errorf("status -m nope: exit %d, stderr %q", code, errb)
	}
	// The placeholder-backed verbs fail as the controller says.
	errb.Reset()
	if code := cli.Main(context.Background(), []string{"models"}); code != 1 || errb.String() != "ERROR controller not implemented yet\n" {
		t.Errorf("models: exit %d, stderr %q", code, errb)
	}

	fi, err := os.Stat(env["JUJU_LOCAL_SOCKET"])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v, %v", fi.Mode(), err)
	}
	if pid, err := os.ReadFile(filepath.Join(env["JUJU_LOCAL_STATE_DIR"], "controller.pid")); err != nil || strings.TrimSpace(string(pid)) == "" {
		t.Errorf("pid file: %q, %v", pid, err)
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("daemon exit %d: %s", code, derr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop")
	}
	select {
	case <-closed:
	default:
		t.Error("backend not closed when the daemon stopped")
	}
	if _, err := os.Stat(env["JUJU_LOCAL_SOCKET"]); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
