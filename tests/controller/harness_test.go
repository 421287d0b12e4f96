package controller_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller"
	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/tests/charms/record"
)

// repoRoot finds the module root.
func repoRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// built packs the test charms and the integrator and builds the hook-tool
// client once per test binary.
func built(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root := repoRoot(t)
		buildDir, buildErr = os.MkdirTemp("", "ctltest-")
		if buildErr != nil {
			return
		}
		pack := exec.Command("go", "run", "./cmd/charmpack", "-o", buildDir,
			"tests/charms/recorder", "tests/charms/workload", "charms/kratos-external-idp-integrator",
			"charms/traefik", "tests/charms/webapp",
			"charms/postgresql", "tests/charms/pgclient",
			"charms/hydra", "tests/charms/oauthapp", "tests/charms/oauth-test-app")
		pack.Dir = root
		if out, err := pack.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("charmpack: %v\n%s", err, out)
			return
		}
		tools := exec.Command("go", "build", "-o", filepath.Join(buildDir, "jujuc"), "./cmd/jujuc")
		tools.Dir = root
		tools.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := tools.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building jujuc: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

// env is one controller under test.
type env struct {
	t     testing.TB
	c     *controller.Controller
	cfg   controller.Config
	build string
	ctx   context.Context
}

var bridgeSeq struct {
	sync.Mutex
	n int
}

func newEnv(t *testing.T) *env { return newEnvTB(t) }

func newEnvTB(t testing.TB) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the local controller needs root (network and mount namespaces)")
	}
	root := repoRoot(t)
	workloads := filepath.Join(root, ".workloads")
	if _, err := os.Stat(filepath.Join(workloads, "versions")); err != nil {
		t.Skip("workloads not built: run make workloads")
	}
	build := built(t)
	run, err := os.MkdirTemp("", "ctl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(run) })
	cfg := controller.Config{
		StateDir:             t.TempDir(),
		RunDir:               run,
		WorkloadsDir:         workloads,
		ToolBinary:           filepath.Join(build, "jujuc"),
		PebblePollInterval:   200 * time.Millisecond,
		UpdateStatusInterval: time.Hour,
	}
	e := &env{t: t, cfg: cfg, build: build, ctx: context.Background()}
	e.start()
	return e
}

// start starts the controller. A fresh env takes the first bridge (and
// subnet) no other runtime on this machine holds — another test of this
// package, or another `go test` run at the same time.
func (e *env) start() {
	e.t.Helper()
	var c *controller.Controller
	var err error
	if e.cfg.Bridge != "" {
		c, err = controller.New(e.ctx, e.cfg)
	} else {
		for i := range 40 {
			bridgeSeq.Lock()
			n := (bridgeSeq.n + i) % 40
			bridgeSeq.Unlock()
			cfg := e.cfg
			cfg.Bridge = fmt.Sprintf("ipgcc%d", n)
			cfg.Subnet = mustPrefix(e.t, fmt.Sprintf("10.213.%d.0/24", 150+n))
			if c, err = controller.New(e.ctx, cfg); err == nil {
				e.cfg = cfg
				bridgeSeq.Lock()
				bridgeSeq.n = n + 1
				bridgeSeq.Unlock()
				break
			}
			if !strings.Contains(err.Error(), "another pod runtime") && !strings.Contains(err.Error(), "overlap") {
				break
			}
		}
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.c = c
	e.t.Cleanup(func() { _ = c.Close() })
	if _, err := c.AddModel(e.ctx, api.AddModelRequest{Name: "test"}); err != nil && !strings.Contains(err.Error(), "already exists") {
		e.t.Fatal(err)
	}
}

// restart stops the controller and starts a new one on the same state.
func (e *env) restart() {
	e.t.Helper()
	if err := e.c.Close(); err != nil {
		e.t.Fatalf("closing the controller: %v", err)
	}
	e.start()
}

func (e *env) charm(name string) string { return filepath.Join(e.build, name+".charm") }

func (e *env) deploy(path, name string, n int, config ...string) {
	e.t.Helper()
	_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: path, ApplicationName: name, NumUnits: n, NumUnitsSet: true, ConfigFlags: config}, nil)
	if err != nil {
		e.t.Fatalf("deploy %s: %v", name, err)
	}
}

// settle waits until every unit is idle (or in error) for a moment.
func (e *env) settle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
	defer cancel()
	if err := e.c.WaitIdle(ctx, "test", 700*time.Millisecond); err != nil {
		st, _ := e.c.Status(e.ctx, api.StatusRequest{Model: "test"})
		e.t.Fatalf("%v; status: %+v", err, st)
	}
}

// events returns the EVENT records in the debug log, per unit, in order.
func (e *env) events() map[string][]record.Event {
	e.t.Helper()
	out := map[string][]record.Event{}
	err := e.c.DebugLog(e.ctx, api.DebugLogRequest{Model: "test", Replay: true, NoTail: true}, func(r api.LogRecord) error {
		ev, ok, err := record.ParseLine(r.Message)
		if err != nil {
			return err
		}
		if ok {
			out[ev.Unit] = append(out[ev.Unit], ev)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// hooks lists a unit's hooks (and actions as "action:<name>") in order.
func hooks(evs []record.Event) []string {
	var out []string
	for _, ev := range evs {
		if ev.Action != "" {
			out = append(out, "action:"+ev.Action)
			continue
		}
		out = append(out, ev.Hook)
	}
	return out
}

// dumpLog logs the model's log, event records shortened to their hook.
func (e *env) dumpLog() {
	_ = e.c.DebugLog(e.ctx, api.DebugLogRequest{Model: "test", Replay: true, NoTail: true}, func(r api.LogRecord) error {
		if ev, ok, _ := record.ParseLine(r.Message); ok {
			e.t.Logf("%s EVENT %s %s remote=%s departing=%s", r.Entity, ev.Hook, ev.Action, ev.RemoteUnit, ev.DepartingUnit)
			return nil
		}
		if strings.HasPrefix(r.Module, "juju.worker.uniter.operation") && r.Severity == "INFO" {
			return nil
		}
		e.t.Logf("%s %s %s %s", r.Entity, r.Severity, r.Module, r.Message)
		return nil
	})
}

// run runs an action and waits for its result.
func (e *env) run(args ...string) api.TaskResult {
	e.t.Helper()
	op, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: args})
	if err != nil {
		e.t.Fatalf("run %v: %v", args, err)
	}
	res, err := e.c.WaitTask(e.ctx, api.WaitTaskRequest{Model: "test", ID: op.Tasks[0].ID, Wait: time.Minute}, nil)
	if err != nil {
		e.t.Fatalf("run %v: %v", args, err)
	}
	return res
}

// mark returns, per unit, how many events it has recorded so far.
func (e *env) mark() map[string]int {
	out := map[string]int{}
	for u, evs := range e.events() {
		out[u] = len(evs)
	}
	return out
}

// since lists the hooks each unit ran after mark.
func (e *env) since(mark map[string]int) map[string][]string {
	out := map[string][]string{}
	for u, evs := range e.events() {
		out[u] = hooks(evs[mark[u]:])
	}
	return out
}

func (e *env) status() api.Status {
	e.t.Helper()
	st, err := e.c.Status(e.ctx, api.StatusRequest{Model: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}
