// Package pebbletest runs a real Pebble daemon for tests: the pebble
// binary of the version this module requires is built once per machine
// and started per test in a temporary directory, so workload code can be
// tested against the same server Juju runs in workload containers.
package pebbletest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Module is the Go module the daemon is built from; its version is the
// one in this module's go.mod (a `tool` directive keeps go.sum complete).
const Module = "github.com/canonical/pebble"

const (
	startTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
)

// Start builds Pebble if needed, runs `pebble run --create-dirs --hold` in
// a fresh directory, waits until its socket accepts connections and
// returns the socket path. The daemon is stopped in t.Cleanup. Without a
// go toolchain the test is skipped.
func Start(t testing.TB) (socket string) {
	t.Helper()
	bin := Binary(t)

	// A unix socket path is limited to 108 bytes; t.TempDir() embeds the
	// test name and can exceed it, so use a short directory.
	dir, err := os.MkdirTemp("", "pebble-")
	if err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket = filepath.Join(dir, ".pebble.socket")

	out := &syncBuffer{}
	cmd := exec.Command(bin, "run", "--create-dirs", "--hold")
	cmd.Env = append(withoutPebbleVars(os.Environ()), "PEBBLE="+dir, "PEBBLE_SOCKET="+socket)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("pebbletest: start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stop(cmd, exited)
		if t.Failed() {
			t.Logf("pebble output:\n%s", out.String())
		}
	})

	if err := waitForSocket(socket, exited); err != nil {
		t.Fatalf("pebbletest: %v\npebble output:\n%s", err, out.String())
	}
	return socket
}

func waitForSocket(socket string, exited <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("pebble exited before listening: %v", err)
		default:
		}
		if conn, err := net.Dial("unix", socket); err == nil {
			_ = conn.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("pebble socket %s not ready after %s", socket, startTimeout)
}

// stop asks Pebble to stop its services and exit, killing it if it does
// not within stopTimeout.
func stop(cmd *exec.Cmd, exited <-chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

func withoutPebbleVars(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PEBBLE") {
			out = append(out, kv)
		}
	}
	return out
}

// Binary returns the path of the cached pebble binary, building it first
// if this machine has none for the required version. Concurrent test
// binaries serialize on a lock file; the binary appears atomically
// (temporary file + rename), so a crashed build leaves no half file.
func Binary(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("pebbletest: no go toolchain on PATH to build Pebble: %v", err)
	}
	version, err := moduleVersion(gobin)
	if err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "identity-platform-go-charms")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	bin := filepath.Join(dir, "pebble-"+version)
	if isExecutable(bin) {
		return bin
	}

	unlock, err := lockFile(bin + ".lock")
	if err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	defer unlock()
	if isExecutable(bin) { // built by another process while we waited
		return bin
	}
	if err := build(gobin, bin); err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	return bin
}

func build(gobin, bin string) error {
	tmp, err := os.CreateTemp(filepath.Dir(bin), filepath.Base(bin)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpName) // no-op after the rename

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", tmpName, Module+"/cmd/pebble")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s/cmd/pebble: %v\n%s", Module, err, out)
	}
	if err := os.Rename(tmpName, bin); err != nil {
		return fmt.Errorf("install pebble binary: %w", err)
	}
	return nil
}

// moduleVersion is the Pebble version linked into this test binary (the
// one go.mod selects), or what `go list` says when build info is absent.
func moduleVersion(gobin string) (string, error) {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path != Module {
				continue
			}
			if dep.Replace != nil {
				return "", fmt.Errorf("%s is replaced (%s); pebbletest builds only released versions", Module, dep.Replace.Path)
			}
			return dep.Version, nil
		}
	}
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Version}}", Module).Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", Module, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		return "", errors.New("go list: no version for " + Module)
	}
	return v, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lockFile takes an exclusive flock on path; flock locks belong to the
// open file, so this also serializes goroutines of one process.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// syncBuffer collects the daemon's output, written from exec's copying
// goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
