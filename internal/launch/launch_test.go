package launch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve starts a server on a socket in a temporary directory with env as
// its own environment and returns the socket's path.
func serve(t *testing.T, env []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), SocketName)
	srv, err := Listen(path, env)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return path
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	socket := serve(t, []string{"PATH=/usr/bin:/bin", "KEEP=base", "OVER=base"})
	if err := os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\necho \"from the request's PATH\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name             string
		cmd              Command
		code             int
		stdout, stderr   string
		stderrContaining string
	}{
		{name: "output and status",
			cmd:  Command{Args: []string{"sh", "-c", "echo out; echo err >&2; exit 3"}},
			code: 3, stdout: "out\n", stderr: "err\n"},
		{name: "environment over the server's",
			cmd:    Command{Args: []string{"sh", "-c", `echo "$KEEP $OVER $NEW"`}, Env: map[string]string{"OVER": "req", "NEW": "new"}},
			stdout: "base req new\n"},
		{name: "PATH of the request",
			cmd:    Command{Args: []string{"tool"}, Env: map[string]string{"PATH": dir + ":/usr/bin:/bin"}},
			stdout: "from the request's PATH\n"},
		{name: "working directory",
			cmd:    Command{Args: []string{"pwd"}, Dir: dir},
			stdout: dir + "\n"},
		{name: "stdin",
			cmd:    Command{Args: []string{"cat"}, Stdin: strings.NewReader("fed\n")},
			stdout: "fed\n"},
		{name: "not found",
			cmd:  Command{Args: []string{"no-such-command"}},
			code: 127, stderrContaining: "failed to execute no-such-command: not found"},
		{name: "not executable",
			cmd:  Command{Args: []string{filepath.Join(dir, "plain")}},
			code: 126, stderrContaining: "failed to execute"},
		{name: "killed by a signal",
			cmd:  Command{Args: []string{"sh", "-c", "kill -TERM $$"}},
			code: 128 + int(syscall.SIGTERM)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			tc.cmd.Stdout, tc.cmd.Stderr = &stdout, &stderr
			code, err := Run(t.Context(), socket, tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if stdout.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if tc.stderrContaining != "" {
				if !strings.Contains(stderr.String(), tc.stderrContaining) {
					t.Errorf("stderr %q, want containing %q", stderr.String(), tc.stderrContaining)
				}
			} else if stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}

func TestCancelKillsTheProcessGroup(t *testing.T) {
	t.Parallel()
	socket := serve(t, []string{"PATH=/usr/bin:/bin"})
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The background sleep is in the group: it must die too.
	_, err := Run(ctx, socket, Command{Args: []string{"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want the context's error", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("returned after %v", took)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the background sleep %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	_, err := Run(t.Context(), filepath.Join(t.TempDir(), SocketName), Command{Args: []string{"true"}})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Run without a server = %v, want ErrUnavailable", err)
	}
}

func TestListenReplacesAStaleSocket(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), SocketName)
	for range 2 {
		srv, err := Listen(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
		}
		// Closing the listener removes the socket; recreate the stale
		// file a crashed server leaves behind.
		_ = srv.Close()
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	t.Parallel()
	got := mergeEnv([]string{"A=1", "B=2", "PATH=/bin"}, map[string]string{"B": "3", "C": "4"})
	want := map[string]string{"A": "1", "B": "3", "C": "4", "PATH": "/bin"}
	if len(got) != len(want) {
		t.Fatalf("%q", got)
	}
	for _, kv := range got {
		k, v, _ := strings.Cut(kv, "=")
		if want[k] != v {
			t.Errorf("%s=%s, want %s", k, v, want[k])
		}
	}
}
