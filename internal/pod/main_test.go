package pod

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/workload/pebbletest"
)

// The test binary has three more modes besides running tests:
//   - "podtest": bound into containers at /usr/local/bin/podtest, it is a
//     tiny network tool (listen, dial), so the tests need no netcat;
//   - the child of TestKilledRuntimeIsCleanedUp (env childEnv): it opens a
//     runtime, starts pods, reports them and waits to be SIGKILLed;
//   - the container init (argv[0] initArg0), caught by init.go.
const (
	toolPath = "/usr/local/bin/podtest"
	childEnv = "IPGC_POD_TEST_CHILD"
)

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == filepath.Base(toolPath) {
		os.Exit(runTool(os.Args[1:]))
	}
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	code := m.Run()
	shared.close()
	os.Exit(code)
}

// runTool: "listen <addr> <reply>" answers every connection with reply
// and a newline; "dial <host:port>" prints the first line it reads.
func runTool(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: podtest listen <addr> <reply> | dial <addr>")
		return 2
	}
	switch args[0] {
	case "listen":
		ln, err := net.Listen("tcp", args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("listening")
		for {
			conn, err := ln.Accept()
			if err != nil {
				return 1
			}
			fmt.Fprintln(conn, args[2])
			_ = conn.Close()
		}
	case "dial":
		conn, err := net.DialTimeout("tcp", args[1], 2*time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Print(line)
		return 0
	}
	return 2
}

// testConfig is the part of Config a child process needs (Config itself
// holds a func and does not marshal).
type testConfig struct {
	StateDir, RunDir, Pebble, Bridge string
	Subnet                           netip.Prefix
	// NoCgroup runs the pods as on a host without a writable cgroup2
	// hierarchy: contained by their PID namespaces only.
	NoCgroup bool
}

func (c testConfig) config() Config {
	return Config{StateDir: c.StateDir, RunDir: c.RunDir, Pebble: c.Pebble, Bridge: c.Bridge, Subnet: c.Subnet,
		StopGrace: 5 * time.Second}
}

// childReport is what the killed child tells its parent.
type childReport struct {
	Pids  []int    // container init processes
	Netns []string // pod namespaces
}

func runChild(encoded string) int {
	var tc testConfig
	if err := json.Unmarshal([]byte(encoded), &tc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rt, err := Open(tc.config())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if tc.NoCgroup {
		rt.cg = cgroupRoot{}
	}
	var report childReport
	for unit := range 2 {
		spec := PodSpec{Model: "killed", Application: "app", Unit: unit,
			Containers: []ContainerSpec{{Name: "w", Mounts: []Mount{{Storage: "data", Location: "/srv/data"}}}}}
		p, err := rt.Create(spec)
		if err == nil {
			err = p.Start(context.Background())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		p.mu.RLock()
		for _, c := range p.containers {
			report.Pids = append(report.Pids, c.cmd.Process.Pid)
		}
		p.mu.RUnlock()
		report.Netns = append(report.Netns, p.Netns())
	}
	if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
		return 1
	}
	select {} // until SIGKILL
}

// requireRoot skips tests of the real runtime for unprivileged users.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("internal/pod starts real pods (network namespaces, mounts, cgroups) and needs root; run `go test` as root to test it")
	}
}

// newTestConfig picks a bridge and subnet no other runtime of this host
// uses, with short directories (Pebble socket paths are length-limited).
func newTestConfig(t testing.TB) (testConfig, func()) {
	t.Helper()
	state, err := os.MkdirTemp("", "ipgc-state-")
	if err != nil {
		t.Fatal(err)
	}
	run, err := os.MkdirTemp("", "ipgc-")
	if err != nil {
		t.Fatal(err)
	}
	cleanup := func() { _ = os.RemoveAll(state); _ = os.RemoveAll(run) }
	return testConfig{StateDir: state, RunDir: run, Pebble: pebbletest.Binary(t)}, cleanup
}

// logf is the tests' Config.Logf: the shared runtime outlives the test
// that opened it, so it cannot log through t.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pod runtime (test): "+format+"\n", args...)
}

// openTestRuntime opens a runtime on the first free test bridge
// "ipgct<n>", n >= first, with subnet 10.213.<100+n>.0/24.
func openTestRuntime(t testing.TB, first int) (*Runtime, testConfig, func()) {
	t.Helper()
	tc, cleanup := newTestConfig(t)
	var errs []string
	for n := first; n < 150; n++ {
		tc.Bridge = fmt.Sprintf("ipgct%d", n)
		tc.Subnet = netip.MustParsePrefix(fmt.Sprintf("10.213.%d.0/24", 100+n))
		cfg := tc.config()
		cfg.Logf = logf
		rt, err := Open(cfg)
		if err == nil {
			return rt, tc, func() {
				if err := rt.Close(); err != nil {
					t.Errorf("close runtime: %v", err)
				}
				cleanup()
			}
		}
		errs = append(errs, err.Error())
		if !strings.Contains(err.Error(), "another pod runtime") && !strings.Contains(err.Error(), "overlaps") {
			break
		}
	}
	cleanup()
	t.Fatalf("open a test runtime: %s", strings.Join(errs, "\n"))
	return nil, tc, nil
}

// shared is the runtime most tests of the package use; TestMain closes it.
var shared sharedRuntime

type sharedRuntime struct {
	once    sync.Once
	rt      *Runtime
	cleanup func()
}

func testRuntime(t testing.TB) *Runtime {
	t.Helper()
	requireRoot(t)
	shared.once.Do(func() {
		var cleanup func()
		shared.rt, _, cleanup = openTestRuntime(t, 0)
		shared.cleanup = sync.OnceFunc(cleanup)
	})
	if shared.rt == nil {
		t.Fatal("the shared test runtime failed to open")
	}
	return shared.rt
}

func (s *sharedRuntime) close() {
	if s.cleanup != nil {
		s.cleanup()
	}
}

// testSpec is a pod with the given workload containers, each holding the
// podtest tool, an extra user, an environment variable and storage "data"
// at /srv/data (also in the charm container at /var/lib/juju/storage/data).
func testSpec(t testing.TB, model, app string, unit int, workloads ...string) PodSpec {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	charmDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(charmDir, "metadata.yaml"), []byte("name: "+app+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	toolsDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(toolsDir, "hello-tool"), []byte("#!/bin/sh\necho tool says $1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := PodSpec{
		Model: model, Application: app, Unit: unit, CharmDir: charmDir, ToolsDir: toolsDir, RunDir: t.TempDir(),
		Charm: ContainerSpec{
			Files:  []File{{Path: toolPath, Source: self}},
			Mounts: []Mount{{Storage: "data", Location: "/var/lib/juju/storage/data/0"}},
		},
	}
	for _, w := range workloads {
		spec.Containers = append(spec.Containers, ContainerSpec{
			Name:   w,
			Files:  []File{{Path: toolPath, Source: self}},
			Users:  []string{"ipgctest"},
			Env:    map[string]string{"IMAGE_VAR": "from-image-" + w},
			Mounts: []Mount{{Storage: "data", Location: "/srv/data"}},
		})
	}
	return spec
}

// startPod creates and starts a pod, destroying it at the end of the test
// (before t.TempDir's directories go).
func startPod(t testing.TB, rt *Runtime, spec PodSpec) *Pod {
	t.Helper()
	p, err := rt.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Destroy(context.Background()); err != nil {
			t.Errorf("destroy: %v", err)
		}
		_ = rt.DestroyStorage(spec.Model, spec.Name())
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// run execs args in a container and returns exit code and output
// (stdout, then stderr).
func run(t testing.TB, p *Pod, container string, args ...string) (int, string) {
	t.Helper()
	return runSpec(t, p, container, ExecSpec{Args: args})
}

func runSpec(t testing.TB, p *Pod, container string, spec ExecSpec) (int, string) {
	t.Helper()
	var out bytes.Buffer
	spec.Stdout, spec.Stderr = &out, &out
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, err := p.Exec(ctx, container, spec)
	if err != nil {
		t.Fatalf("exec %q in %s: %v\n%s", spec.Args, container, err, out.String())
	}
	return code, out.String()
}

// mustRun fails the test unless the command exits 0.
func mustRun(t testing.TB, p *Pod, container string, args ...string) string {
	t.Helper()
	code, out := run(t, p, container, args...)
	if code != 0 {
		t.Fatalf("%q in %s/%s: exit %d\n%s", args, p.Name(), container, code, out)
	}
	return out
}

// listen runs "podtest listen" in a container until the test ends and
// waits until it accepts connections (dialling from the same container).
func listen(t testing.TB, p *Pod, container, addr, reply string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Exec(ctx, container, ExecSpec{Args: []string{toolPath, "listen", addr, reply}, Stderr: io.Discard})
		done <- err
	}()
	t.Cleanup(func() { cancel(); <-done })
	_, port, _ := net.SplitHostPort(addr)
	eventually(t, func() bool {
		code, _ := run(t, p, container, toolPath, "dial", "127.0.0.1:"+port)
		return code == 0
	})
}

func eventually(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
