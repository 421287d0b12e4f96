package localpods_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/identity-platform-go/charms/internal/images"
	"github.com/identity-platform-go/charms/internal/pod"
	"github.com/identity-platform-go/charms/internal/workload"
)

// repoRoot walks up from the test's directory to the go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// requirements skips unless the test can run real pods with real
// workloads, and returns the workloads directory.
func requirements(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("tests/localpods starts real pods (network namespaces, mounts, cgroups) and needs root; run `go test` as root")
	}
	dir := filepath.Join(repoRoot(t), ".workloads")
	if _, err := os.Stat(filepath.Join(dir, "versions")); err != nil {
		t.Skip(`workloads not built: run "make workloads" (PostgreSQL, Hydra, Traefik and Pebble for the pods)`)
	}
	return dir
}

// openRuntime opens a pod runtime on bridge ipgce<n> with subnet
// 10.213.<200+n>.0/24, the first n in 0..4 that no other runtime holds
// (ipgce0 unless two runs of this test overlap). Its state lives under
// t.TempDir(); Close runs at the end of the test and must leave no link
// or namespace of the bridge behind.
func openRuntime(t testing.TB) *pod.Runtime {
	t.Helper()
	pebble := filepath.Join(requirements(t), "bin", "pebble")
	var errs []string
	for n := range 5 {
		bridge := fmt.Sprintf("ipgce%d", n)
		cfg := pod.Config{
			StateDir:  t.TempDir(),
			RunDir:    "/run/" + bridge,
			Pebble:    pebble,
			Bridge:    bridge,
			Subnet:    netip.MustParsePrefix(fmt.Sprintf("10.213.%d.0/24", 200+n)),
			StopGrace: 5 * time.Second,
			Logf:      func(format string, args ...any) { t.Logf("pod runtime: "+format, args...) },
		}
		rt, err := pod.Open(cfg)
		if err == nil {
			t.Cleanup(func() {
				start := time.Now()
				if err := rt.Close(); err != nil {
					t.Errorf("close runtime: %v", err)
				}
				t.Logf("closed the runtime in %.2fs", time.Since(start).Seconds())
				checkNoLeftovers(t, bridge)
			})
			return rt
		}
		errs = append(errs, err.Error())
		if !strings.Contains(err.Error(), "another pod runtime") && !strings.Contains(err.Error(), "overlaps") {
			break
		}
	}
	t.Fatalf("open a pod runtime:\n%s", strings.Join(errs, "\n"))
	return nil
}

// checkNoLeftovers fails the test if a link or network namespace of the
// closed runtime's bridge is still there.
func checkNoLeftovers(t testing.TB, bridge string) {
	t.Helper()
	for _, args := range [][]string{{"-o", "link", "show"}, {"netns", "list"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Errorf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			fields := strings.Fields(line)
			for _, f := range fields {
				name := strings.TrimSuffix(strings.SplitN(f, "@", 2)[0], ":")
				if name == bridge || strings.HasPrefix(name, bridge+"-") {
					t.Errorf("runtime closed but %q is still listed by ip %s: %s", name, strings.Join(args, " "), line)
				}
			}
		}
	}
	if _, err := os.Stat("/run/" + bridge); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("runtime closed but its run directory /run/%s is still there (%v)", bridge, err)
	}
}

// containerSpec builds a workload container from an image of the
// catalog, as the controller will from a charm's resources.
func containerSpec(t testing.TB, cat *images.Catalog, workloads, name, image string, mounts ...pod.Mount) pod.ContainerSpec {
	t.Helper()
	img, err := cat.Resolve(image, workloads)
	if err != nil {
		t.Fatalf("container %s: %v", name, err)
	}
	spec := pod.ContainerSpec{Name: name, Users: img.Users, Env: img.Env, Mounts: mounts}
	for _, f := range img.Files {
		spec.Files = append(spec.Files, pod.File{Path: f.Path, Source: f.Source})
	}
	return spec
}

// pebbleOf is the workload container's Pebble, as a charm reaches it.
func pebbleOf(t testing.TB, p *pod.Pod, name string) *workload.Container {
	t.Helper()
	api, err := workload.DialSocket(p.PebbleSocket(name))
	return workload.New(name, api, err)
}

// secret is 32 random hex digits (Python's token_hex(16), what the
// charms generate).
func secret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// redact hides secrets in text that goes to the test log.
func redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "<redacted>")
		}
	}
	return s
}

// mustExec runs a command through the container's Pebble and fails the
// test unless it exits 0. Output in the failure message is redacted.
func mustExec(t testing.TB, ctx context.Context, c *workload.Container, req workload.ExecRequest, secrets ...string) workload.ExecResult {
	t.Helper()
	res, err := c.Exec(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", c.Name(), err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("%s: %s exited %d\nstdout:\n%s\nstderr:\n%s", c.Name(), req.Command[0], res.ExitCode,
			redact(string(res.Stdout), secrets...), redact(string(res.Stderr), secrets...))
	}
	return res
}

// mustPush pushes a file into the container or fails the test.
func mustPush(t testing.TB, ctx context.Context, c *workload.Container, path string, content []byte, opts workload.PushOptions) {
	t.Helper()
	if err := c.Push(ctx, path, content, opts); err != nil {
		t.Fatal(err)
	}
}

// mustApply adds the layer (combined, as the charms do) and replans.
func mustApply(t testing.TB, ctx context.Context, c *workload.Container, label string, l layer) {
	t.Helper()
	if err := c.AddLayer(ctx, label, mustYAML(t, l), true); err != nil {
		t.Fatal(err)
	}
	if err := c.Replan(ctx); err != nil {
		t.Fatal(err)
	}
}

// waitFor retries probe every 100ms until it succeeds or ctx ends, and
// fails the test with the last error then.
func waitFor(t testing.TB, ctx context.Context, what string, probe func(context.Context) error) {
	t.Helper()
	for {
		err := probe(ctx)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not ready before the deadline: %v", what, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitChecks waits until Pebble reports every named check up with no
// failures: the state a charm reads as "running". Pebble v1.19 reports a
// new check up until it has failed threshold times in a row, so this
// alone does not prove a check ever passed; readiness is probed directly
// before (waitFor), and this only catches checks that fail afterwards.
func waitChecks(t testing.TB, ctx context.Context, c *workload.Container, names ...string) {
	t.Helper()
	waitFor(t, ctx, c.Name()+" checks", func(ctx context.Context) error {
		checks, err := c.Checks(ctx, names...)
		if err != nil {
			return err
		}
		for _, n := range names {
			s, ok := checks[n]
			if !ok {
				return fmt.Errorf("check %s not in the plan", n)
			}
			if !s.Up() || s.Failures > 0 {
				return fmt.Errorf("check %s is %s with %d failures", n, s.Status, s.Failures)
			}
		}
		return nil
	})
}

// httpClient talks to pods from the host: never through a proxy the
// environment may name, and without keep-alives so that a request never
// reuses a connection to a service that restarted.
var httpClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// httpDo performs the request and returns the status and body.
func httpDo(ctx context.Context, method, url, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// httpOK probes url with GET and wants 200.
func httpOK(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		code, body, err := httpDo(ctx, http.MethodGet, url, "", nil)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", url, code, truncate(body, 300))
		}
		return nil
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// dumpOnFailure logs, when the test has failed, what explains it: each
// workload container's Pebble services, checks and service logs (Pebble
// keeps services' output in its log buffer, not in its own stdout), and
// the tail of the container's init/Pebble log file. Secrets are redacted.
func dumpOnFailure(t *testing.T, pods []*pod.Pod, secrets ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range pods {
			for _, c := range p.Spec().Containers {
				t.Logf("===== %s/%s (pod address %s)", p.Name(), c.Name, p.Address())
				dumpPebble(t, p.PebbleSocket(c.Name), secrets)
				if data, err := os.ReadFile(p.LogPath(c.Name)); err == nil {
					t.Logf("--- %s:\n%s", p.LogPath(c.Name), redact(tailLines(string(data), 20), secrets...))
				}
			}
		}
	})
}

func dumpPebble(t *testing.T, socket string, secrets []string) {
	cl, err := client.New(&client.Config{Socket: socket})
	if err != nil {
		t.Logf("pebble client: %v", err)
		return
	}
	defer cl.CloseIdleConnections()
	if svcs, err := cl.Services(&client.ServicesOptions{}); err == nil {
		for _, s := range svcs {
			t.Logf("service %s: startup %s, current %s", s.Name, s.Startup, s.Current)
		}
	}
	if checks, err := cl.Checks(&client.ChecksOptions{}); err == nil {
		for _, c := range checks {
			t.Logf("check %s: %s, %d/%d failures", c.Name, c.Status, c.Failures, c.Threshold)
		}
	}
	var logs strings.Builder
	err = cl.Logs(&client.LogsOptions{N: 60, WriteLog: func(e client.LogEntry) error {
		_, err := fmt.Fprintf(&logs, "%s [%s] %s\n", e.Time.Format(time.TimeOnly), e.Service, strings.TrimRight(e.Message, "\n"))
		return err
	}})
	if err != nil {
		t.Logf("pebble logs: %v", err)
		return
	}
	t.Logf("--- service logs (last 60 lines):\n%s", redact(logs.String(), secrets...))
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
