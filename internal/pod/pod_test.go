package pod

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/identity-platform-go/charms/internal/workload"
)

func TestContainersArePrivateButShareLocalhost(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	p := startPod(t, rt, testSpec(t, "iso", "app", 0, "a", "b"))

	mustRun(t, p, "a", "sh", "-c", "echo secret > /tmp/secret && echo secret > /etc/ipgc-private && echo secret > /var/lib/ipgc-private && echo secret > /ipgc-root-file")
	for _, path := range []string{"/tmp/secret", "/etc/ipgc-private", "/var/lib/ipgc-private", "/ipgc-root-file"} {
		for _, other := range []string{"b", CharmContainer} {
			if code, _ := run(t, p, other, "test", "-e", path); code != 1 {
				t.Errorf("%s written in container a is visible in %s (test -e: %d)", path, other, code)
			}
		}
		if path != "/tmp/secret" { // the host's own /tmp is irrelevant
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s written in container a appeared on the host", path)
			}
		}
	}
	// The host's system directories are read-only, /etc is a private
	// copy of the host's, and the image's files are in place.
	if code, out := run(t, p, "a", "touch", "/usr/ipgc-test"); code == 0 {
		t.Errorf("/usr is writable in a container: %s", out)
	}
	if out := mustRun(t, p, "a", "getent", "passwd", "root"); !strings.HasPrefix(out, "root:") {
		t.Errorf("no root in the container's /etc/passwd: %q", out)
	}
	if code, out := run(t, p, "a", "sh", "-c", "echo x > "+toolPath); code == 0 {
		t.Errorf("image file %s is writable: %s", toolPath, out)
	}

	listen(t, p, "a", "127.0.0.1:7070", "hello from a")
	for _, from := range []string{"b", CharmContainer} {
		if out := mustRun(t, p, from, toolPath, "dial", "127.0.0.1:7070"); out != "hello from a\n" {
			t.Errorf("dial localhost from %s: %q", from, out)
		}
	}
}

func TestPushLandsInOneContainerOnly(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	p := startPod(t, rt, testSpec(t, "push", "app", 0, "a", "b"))

	api, err := workload.DialSocket(p.PebbleSocket("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SysInfo(); err != nil {
		t.Fatalf("pebble of a from the host: %v", err)
	}
	err = api.Push(&client.PushOptions{Source: strings.NewReader("pushed\n"), Path: "/srv/pushed.txt", Permissions: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, p, "a", "cat", "/srv/pushed.txt"); out != "pushed\n" {
		t.Errorf("pushed file in a: %q", out)
	}
	for _, other := range []string{"b", CharmContainer} {
		if code, _ := run(t, p, other, "test", "-e", "/srv/pushed.txt"); code != 1 {
			t.Errorf("file pushed to a is visible in %s", other)
		}
	}
	// The charm reaches the same daemon where Juju mounts its socket.
	out := mustRun(t, p, CharmContainer, "sh", "-c", "PEBBLE_SOCKET=/charm/containers/a/pebble.socket /charm/bin/pebble ls /srv")
	if !strings.Contains(out, "pushed.txt") {
		t.Errorf("pebble ls /srv through a's socket from the charm container: %q", out)
	}
	out = mustRun(t, p, CharmContainer, "sh", "-c", "PEBBLE_SOCKET=/charm/containers/b/pebble.socket /charm/bin/pebble ls /srv")
	if strings.Contains(out, "pushed.txt") {
		t.Errorf("b's pebble sees a's file: %q", out)
	}
	// Pebble's own environment, as Juju sets it.
	env := mustRun(t, p, "a", "sh", "-c", "cat /proc/1/environ | tr '\\0' '\\n'")
	for _, want := range []string{"PEBBLE=" + PebbleDir, "PEBBLE_SOCKET=" + PebbleSocketInContainer, "IMAGE_VAR=from-image-a"} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("pebble environment lacks %s:\n%s", want, env)
		}
	}
	if cmdline := mustRun(t, p, "a", "cat", "/proc/1/cmdline"); cmdline != "/charm/bin/pebble\x00run\x00--create-dirs\x00--hold\x00" {
		t.Errorf("PID 1 of a workload container: %q", cmdline)
	}
}

func TestPodsReachEachOtherByAddressAndName(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	const model = "net"
	alpha := startPod(t, rt, testSpec(t, model, "alpha", 0, "w"))
	beta0 := startPod(t, rt, testSpec(t, model, "beta", 0, "w"))
	beta1 := startPod(t, rt, testSpec(t, model, "beta", 1, "w"))

	// Every pod listens on the same port, answering its name.
	for _, p := range []*Pod{alpha, beta0, beta1} {
		listen(t, p, "w", "0.0.0.0:8080", p.Name())
	}
	// The host reaches each by address.
	for _, p := range []*Pod{alpha, beta0, beta1} {
		if got := dialFromHost(t, p.Address().String()+":8080"); got != p.Name() {
			t.Errorf("host dialled %s (%s): answer %q", p.Name(), p.Address(), got)
		}
	}
	// alpha reaches beta by address, pod name, short name and service
	// names (the service answers with the lowest unit first).
	targets := map[string]string{
		beta0.Address().String():     "beta-0",
		beta1.Address().String():     "beta-1",
		PodFQDN(model, "beta", 1):    "beta-1",
		"beta-1":                     "beta-1",
		PodFQDN(model, "beta", 0):    "beta-0",
		ServiceFQDN(model, "beta"):   "beta-0",
		EndpointsFQDN(model, "beta"): "beta-0",
		PodFQDN(model, "alpha", 0):   "alpha-0",
		ServiceFQDN(model, "alpha"):  "alpha-0",
		"localhost":                  "alpha-0",
	}
	for host, want := range targets {
		if out := mustRun(t, alpha, "w", toolPath, "dial", net.JoinHostPort(host, "8080")); out != want+"\n" {
			t.Errorf("alpha dialled %s: %q, want %q", host, out, want)
		}
	}
	// Both libc interfaces return every unit of a service, lowest first.
	want := fmt.Sprintf("%s %s", beta0.Address(), beta1.Address())
	for _, db := range []string{"hosts", "ahostsv4"} {
		out := mustRun(t, alpha, CharmContainer, "getent", db, ServiceFQDN(model, "beta"))
		if got := strings.Join(uniqueFirstFields(out), " "); got != want {
			t.Errorf("getent %s %s: %s, want %s\n%s", db, ServiceFQDN(model, "beta"), got, want, out)
		}
	}
	// Nothing routes beyond the subnet.
	if out := mustRun(t, alpha, "w", "ip", "route"); strings.Contains(out, "default") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("pod routes: %q", out)
	}
	if code, out := run(t, alpha, "w", toolPath, "dial", "192.0.2.1:80"); code == 0 || !strings.Contains(out, "unreachable") {
		t.Errorf("dial beyond the subnet: exit %d, %q", code, out)
	}

	// A unit that goes away disappears from the others' hosts files.
	if err := beta1.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, alpha, "w", "getent", "hosts", "beta-1"); code != 2 {
		t.Errorf("beta-1 still resolves after its destruction: %d %s", code, out)
	}
	out := mustRun(t, alpha, "w", "getent", "hosts", ServiceFQDN(model, "beta"))
	if got := strings.Join(uniqueFirstFields(out), " "); got != beta0.Address().String() {
		t.Errorf("service after beta-1 left: %s", got)
	}
}

func uniqueFirstFields(out string) []string {
	var fields []string
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !seen[f[0]] {
			seen[f[0]] = true
			fields = append(fields, f[0])
		}
	}
	return fields
}

func dialFromHost(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("host dial %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("host read %s: %v", addr, err)
	}
	return strings.TrimSpace(string(b))
}

func TestCharmContainerAndExec(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	spec := testSpec(t, "exec", "my-app", 3, "w")
	p := startPod(t, rt, spec)

	if got := mustRun(t, p, CharmContainer, "cat", "/var/lib/juju/agents/unit-my-app-3/charm/metadata.yaml"); got != "name: my-app\n" {
		t.Errorf("charm in the charm container: %q", got)
	}
	if code, _ := run(t, p, CharmContainer, "touch", "/var/lib/juju/agents/unit-my-app-3/charm/x"); code == 0 {
		t.Error("the charm directory is writable")
	}
	if got := mustRun(t, p, CharmContainer, "sh", "-c", "command -v hello-tool && hello-tool hi"); got != "/var/lib/juju/tools/unit-my-app-3/hello-tool\ntool says hi\n" {
		t.Errorf("hook tool on PATH: %q", got)
	}
	// PATH given by the caller still has the tools first.
	code, got := runSpec(t, p, CharmContainer, ExecSpec{Args: []string{"sh", "-c", "echo $PATH"}, Env: map[string]string{"PATH": "/usr/bin:/bin"}})
	if code != 0 || got != "/var/lib/juju/tools/unit-my-app-3:/usr/bin:/bin\n" {
		t.Errorf("PATH: %q", got)
	}
	if code, _ := run(t, p, "w", "sh", "-c", "command -v hello-tool"); code == 0 {
		t.Error("hook tools are on a workload container's PATH")
	}

	var stdout, stderr bytes.Buffer
	tests := []struct {
		name      string
		container string
		spec      ExecSpec
		code      int
		stdout    string
	}{
		{"exit status", "w", ExecSpec{Args: []string{"sh", "-c", "exit 3"}}, 3, ""},
		{"killed by signal", "w", ExecSpec{Args: []string{"sh", "-c", "kill -TERM $$"}}, 128 + 15, ""},
		{"not found", "w", ExecSpec{Args: []string{"no-such-command"}}, 127, ""},
		{"stdin and env", "w", ExecSpec{Args: []string{"sh", "-c", "read x; echo $x $FOO $IMAGE_VAR"}, Stdin: strings.NewReader("in\n"), Env: map[string]string{"FOO": "foo"}}, 0, "in foo from-image-w\n"},
		{"dir", CharmContainer, ExecSpec{Args: []string{"pwd"}, Dir: spec.CharmPath()}, 0, spec.CharmPath() + "\n"},
		{"default dir", "w", ExecSpec{Args: []string{"pwd"}}, 0, "/\n"},
		{"run dir writable", CharmContainer, ExecSpec{Args: []string{"sh", "-c", "echo written > " + spec.RunPath() + "/f && cat " + spec.RunPath() + "/f"}}, 0, "written\n"},
		{"image user", "w", ExecSpec{Args: []string{"sh", "-c", "id -un; id -gn; echo $HOME $USER"}, User: "ipgctest"}, 0, "ipgctest\nipgctest\n/nonexistent ipgctest\n"},
		{"host user", "w", ExecSpec{Args: []string{"id", "-u"}, User: "nobody"}, 0, "65534\n"},
		{"numeric user", "w", ExecSpec{Args: []string{"id", "-u"}, User: "4242"}, 0, "4242\n"},
		{"hostname", "w", ExecSpec{Args: []string{"hostname"}}, 0, "my-app-3\n"},
		{"own pid namespace", "w", ExecSpec{Args: []string{"ps", "-e", "-o", "comm="}}, 0, "pebble\nps\n"},
	}
	for _, tt := range tests {
		stdout.Reset()
		stderr.Reset()
		tt.spec.Stdout, tt.spec.Stderr = &stdout, &stderr
		code, err := p.Exec(context.Background(), tt.container, tt.spec)
		if err != nil || code != tt.code || stdout.String() != tt.stdout {
			t.Errorf("%s: exit %d, err %v, stdout %q (want %d, %q); stderr %q", tt.name, code, err, stdout.String(), tt.code, tt.stdout, stderr.String())
		}
	}

	if data, err := os.ReadFile(filepath.Join(spec.RunDir, "f")); err != nil || string(data) != "written\n" {
		t.Errorf("the run directory on the host: %q, %v", data, err)
	}

	// A daemon holding the output pipes delays Exec by execWaitDelay only.
	start := time.Now()
	if code, _ := run(t, p, "w", "setsid", "-f", "sleep", "1000"); code != 0 || time.Since(start) > execWaitDelay+3*time.Second {
		t.Errorf("exec leaving a daemon: exit %d after %s", code, time.Since(start))
	}

	// Errors: unknown container or user, and a cancelled context, which
	// kills the process group.
	if _, err := p.Exec(context.Background(), "nope", ExecSpec{Args: []string{"true"}}); err == nil {
		t.Error("exec in an unknown container succeeded")
	}
	if _, err := p.Exec(context.Background(), "w", ExecSpec{Args: []string{"true"}, User: "no-such-user"}); err == nil {
		t.Error("exec as an unknown user succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err := p.Exec(ctx, "w", ExecSpec{Args: []string{"sh", "-c", "sleep 60 & sleep 60"}})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled exec: %v after %s", err, time.Since(start))
	}
	eventually(t, func() bool {
		out := mustRun(t, p, "w", "ps", "-e", "-o", "args=")
		return !strings.Contains(out, "sleep 60")
	})
}

func TestRestartKeepsStorageAndAddress(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	p := startPod(t, rt, testSpec(t, "churn", "app", 0, "w"))
	addr := p.Address()

	mustRun(t, p, "w", "sh", "-c", "echo kept > /srv/data/kept && echo gone > /tmp/gone && echo gone > /var/lib/gone && echo gone > /etc/gone")
	if got := mustRun(t, p, CharmContainer, "cat", "/var/lib/juju/storage/data/0/kept"); got != "kept\n" {
		t.Errorf("storage seen from the charm container: %q", got)
	}
	if err := p.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, p, "w", "cat", "/srv/data/kept"); got != "kept\n" {
		t.Errorf("storage after restart: %q", got)
	}
	for _, path := range []string{"/tmp/gone", "/var/lib/gone", "/etc/gone"} {
		if code, _ := run(t, p, "w", "test", "-e", path); code != 1 {
			t.Errorf("%s survived a restart", path)
		}
	}
	if p.Address() != addr {
		t.Errorf("address changed from %s to %s", addr, p.Address())
	}
	if got := mustRun(t, p, "w", "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}'"); got != addr.String()+"/24\n" {
		t.Errorf("eth0 after restart: %q", got)
	}
	if got, err := os.ReadFile(filepath.Join(p.StorageDir("data"), "kept")); err != nil || string(got) != "kept\n" {
		t.Errorf("storage on the host: %q, %v", got, err)
	}

	// Stop and Start do the same.
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exec(context.Background(), "w", ExecSpec{Args: []string{"true"}}); err == nil {
		t.Error("exec in a stopped pod succeeded")
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustRun(t, p, "w", "test", "-e", "/srv/data/kept")
}

// daemon starts a process in its own session that outlives the Exec (its
// output redirected, or Exec would wait execWaitDelay for the pipes).
const daemon = "setsid -f sleep 1000 </dev/null >/dev/null 2>&1"

// podTraces are the host-visible traces of a running pod.
type podTraces struct {
	pids []int // every process in the pod's network namespace
}

func tracesOf(t *testing.T, p *Pod) podTraces {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(netnsDir, p.Netns()), &st); err != nil {
		t.Fatal(err)
	}
	var tr podTraces
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var pst syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name()+"/ns/net", &pst) == nil && pst.Ino == st.Ino && pst.Dev == st.Dev {
			tr.pids = append(tr.pids, pid)
		}
	}
	return tr
}

// checkGone fails the test if anything of the pod (index, netns name,
// run dir) is left on the host: processes, mounts, links, namespaces,
// cgroup, directories.
func checkGone(t *testing.T, rt *Runtime, netns string, runDir string, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d survived", pid)
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, runDir) || strings.Contains(line, "/"+netns+" ") {
			t.Errorf("mount left: %s", line)
		}
	}
	for _, args := range [][]string{{"link", "show"}, {"netns", "list"}} {
		out, err := exec.Command(rt.tools.ip, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %s: %v", args, err)
		}
		for _, f := range strings.Fields(string(out)) {
			if strings.TrimSuffix(strings.Split(f, "@")[0], ":") == netns {
				t.Errorf("ip %s still lists %s:\n%s", strings.Join(args, " "), netns, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(netnsDir, netns)); err == nil {
		t.Errorf("netns %s left", netns)
	}
	if dir := rt.cg.podDir(indexOf(netns)); dir != "" {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("cgroup %s left", dir)
		}
	}
	if _, err := os.Stat(runDir); err == nil {
		t.Errorf("run directory %s left", runDir)
	}
}

func indexOf(netns string) int {
	i, _ := strconv.Atoi(netns[strings.LastIndex(netns, "-")+1:])
	return i
}

// alive reports whether pid runs (a zombie awaiting its reaper counts as
// gone: it holds no resources of the pod).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndex(s, ")")+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

func TestDestroyLeavesNothing(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	spec := testSpec(t, "destroy", "app", 0, "a", "b")
	p, err := rt.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A daemon started by a hook, in its own session, and a Pebble service.
	mustRun(t, p, CharmContainer, "sh", "-c", daemon)
	api, err := workload.DialSocket(p.PebbleSocket("a"))
	if err != nil {
		t.Fatal(err)
	}
	layer := `services: {sleeper: {override: replace, command: "sleep 1000", startup: enabled}}`
	if err := api.AddLayer(&client.AddLayerOptions{Label: "test", LayerData: []byte(layer)}); err != nil {
		t.Fatal(err)
	}
	id, err := api.Replan(&client.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.WaitChange(id, &client.WaitChangeOptions{Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	tr := tracesOf(t, p)
	if len(tr.pids) < 5 { // 3 inits, 2 sleeps
		t.Fatalf("expected at least 5 processes in the pod, found %v", tr.pids)
	}
	netns, runDir, storage := p.Netns(), p.runDir(), p.StorageDir("data")
	if err := p.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkGone(t, rt, netns, runDir, tr.pids)
	if _, err := os.Stat(recordPath(rt.cfg.StateDir, p.key)); err == nil {
		t.Error("the address record survived Destroy")
	}
	if err := p.Start(context.Background()); err == nil {
		t.Error("a destroyed pod started")
	}
	// Storage outlives the pod until DestroyStorage.
	if _, err := os.Stat(storage); err != nil {
		t.Errorf("storage did not survive Destroy: %v", err)
	}
	if got := rt.Known("destroy"); len(got) != 1 || got[0] != "app-0" {
		t.Errorf("Known after Destroy: %v", got)
	}
	if err := rt.DestroyStorage("destroy", "app-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(storage))); err == nil {
		t.Error("the pod's state directory survived DestroyStorage")
	}
	if got := rt.Known("destroy"); len(got) != 0 {
		t.Errorf("Known after DestroyStorage: %v", got)
	}
}

// TestKilledRuntimeIsCleanedUp starts pods in a child process (this test
// binary), SIGKILLs it, and checks that the next Open removes everything
// it left but the records and storage.
func TestKilledRuntimeIsCleanedUp(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	for i, noCgroup := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoCgroup=%v", noCgroup), func(t *testing.T) {
			t.Parallel()
			// Take a bridge no one uses, then hand it to the child (from
			// numbers the shared runtime, opened by a parallel test, does
			// not probe).
			rt, tc, cleanup := openTestRuntime(t, 50+25*i)
			if err := rt.Close(); err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			tc.NoCgroup = noCgroup
			testKilledRuntime(t, tc)
		})
	}
}

func testKilledRuntime(t *testing.T, tc testConfig) {
	encoded, err := json.Marshal(tc)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(self, "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+string(encoded))
	var stderr bytes.Buffer
	child.Stderr = &stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var report childReport
	if err := json.NewDecoder(stdout).Decode(&report); err != nil {
		_ = child.Process.Kill()
		_ = child.Wait()
		t.Fatalf("child report: %v\n%s", err, stderr.String())
	}
	if len(report.Pids) != 4 {
		t.Fatalf("child reported %d container inits, want 4", len(report.Pids))
	}
	_ = child.Process.Kill()
	_ = child.Wait()

	for _, pid := range report.Pids {
		if !alive(pid) {
			t.Fatalf("container init %d died with the runtime; the test proves nothing", pid)
		}
	}
	cfg := tc.config()
	cfg.Logf = t.Logf
	rt, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, netns := range report.Netns {
		checkGone(t, rt, netns, filepath.Join(tc.RunDir, strconv.Itoa(indexOf(netns))), report.Pids)
	}
	if children := rt.cg.children(); len(children) != 0 {
		t.Errorf("cgroups left: %v", children)
	}
	// Records and storage survive: the same unit gets the same address.
	if got := rt.Known("killed"); strings.Join(got, ",") != "app-0,app-1" {
		t.Errorf("Known after a killed runtime: %v", got)
	}
	p, err := rt.Create(PodSpec{Model: "killed", Application: "app", Unit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Netns() != report.Netns[1] {
		t.Errorf("app-1 came back as %s, was %s", p.Netns(), report.Netns[1])
	}
	if err := p.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	rt := testRuntime(t)
	cfg := rt.Config()
	cfg.StateDir = t.TempDir()
	if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "another pod runtime") {
		t.Errorf("second runtime on the same bridge: %v", err)
	}
	cfg = rt.Config()
	cfg.Bridge = Prefix + "zz"
	cfg.RunDir = t.TempDir()
	if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "another pod runtime") {
		t.Errorf("second runtime on the same state directory: %v", err)
	}
	cfg.StateDir = t.TempDir()
	if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("second runtime on the same subnet: %v", err)
	}
	if _, err := rt.Create(testSpec(t, "refuse", "app", 0, CharmContainer)); err == nil {
		t.Error("a workload container named charm was accepted")
	}
}

// TestStopWithoutCgroup checks that PID namespaces alone contain a pod:
// a daemon in its own session dies with the pod.
func TestStopWithoutCgroup(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	rt, _, cleanup := openTestRuntime(t, 100)
	defer cleanup()
	cg := rt.cg
	rt.cg = cgroupRoot{}
	defer func() { rt.cg = cg }()

	p, err := rt.Create(testSpec(t, "nocg", "app", 0, "w"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustRun(t, p, CharmContainer, "sh", "-c", daemon)
	mustRun(t, p, "w", "sh", "-c", daemon)
	tr := tracesOf(t, p)
	if len(tr.pids) != 4 {
		t.Fatalf("expected 4 processes in the pod, found %v", tr.pids)
	}
	if err := p.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, pid := range tr.pids {
		if alive(pid) {
			t.Errorf("process %d survived a restart", pid)
		}
	}
	tr = tracesOf(t, p)
	netns, runDir := p.Netns(), p.runDir()
	if err := p.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkGone(t, rt, netns, runDir, tr.pids)
}
