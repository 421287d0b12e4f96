package controller_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/debuglog"
)

// updateStatusInterval is the model's update-status-hook-interval while a
// scenario is measured: short enough for a sample every second or so,
// long enough that a unit is idle between two hooks (a hook slower than
// the interval runs back to back with the next one).
const updateStatusInterval = "1s"

// updateStatusSamples is the fewest update-status hooks a scenario
// measures, whatever b.N: a median needs several. Pass -benchtime=Nx
// for more.
const updateStatusSamples = 25

// hookTookRE matches the agent's DEBUG line after every hook (see
// internal/controller/agent.go execute).
var hookTookRE = regexp.MustCompile(`^hook "update-status" took (\S+)$`)

// updateStatusScenario is one charm in the state it reaches alone or with
// its cheapest partners.
type updateStatusScenario struct {
	name    string
	apps    []scenarioApp
	relate  [][2]string
	measure string // the unit whose update-status is timed
}

type scenarioApp struct {
	charm, app string
	// path, when set, is the charm to deploy instead of the packed one
	// named charm.
	path      func(testing.TB) string
	resources map[string]string
	config    []string
}

var (
	postgresqlApp = scenarioApp{charm: "postgresql-k8s", app: "postgresql",
		resources: map[string]string{"postgresql-image": "docker.io/library/postgres:15"}}
	traefikApp = scenarioApp{charm: "traefik-k8s", app: "traefik",
		resources: map[string]string{"traefik-image": "docker.io/library/traefik:v3.6"}}
	hydraApp = scenarioApp{charm: "hydra", app: "hydra",
		resources: map[string]string{"oci-image": "ghcr.io/canonical/hydra:2.3.0-canonical"}, config: []string{"dev=true"}}
)

// BenchmarkUpdateStatus times each real charm's update-status dispatch
// on the local runtime (issue 6: median ≤ 15 ms). Every scenario gets a
// model of its own, deployed when its sub-benchmark first runs (so -bench
// can pick scenarios) and settled; then update-status runs every
// updateStatusInterval (±20%, as Juju's uniter) while it is measured,
// hourly after. The durations are the agent's own (dispatch started by
// the unit's containeragent, and every tool call it makes), read from the
// debug log; the first update-status is a warm-up and not counted.
// Models stay until the end: destroying one would wait for the
// agents of removed units with containers, whose workload watchers
// outlive them.
//
// ms/hook is the median, max-ms/hook the slowest; ns/op is suppressed
// (an op is a wait for the next timer tick, not work).
func BenchmarkUpdateStatus(b *testing.B) {
	e := newEnvTB(b)
	scenarios := []updateStatusScenario{
		// The floor: the local runtime's own cost per hook (starting a
		// dispatch that does nothing, as in BenchmarkDispatchOverhead).
		{name: "noop", measure: "noop/0", apps: []scenarioApp{{app: "noop", path: noopCharm}}},
		{name: "kratos-external-idp-integrator", measure: "kratos-external-idp-integrator/0",
			apps: []scenarioApp{{charm: "kratos-external-idp-integrator", app: "kratos-external-idp-integrator"}}},
		{name: "postgresql-k8s", measure: "postgresql/0", apps: []scenarioApp{postgresqlApp}},
		{name: "traefik-k8s", measure: "traefik/0", apps: []scenarioApp{traefikApp}},
		{name: "hydra", measure: "hydra/0", apps: []scenarioApp{postgresqlApp, hydraApp},
			relate: [][2]string{{"hydra:pg-database", "postgresql:database"}}},
		// Hydra active, as TestHydra sets it up: the full reconcile.
		{name: "hydra-active", measure: "hydra/0",
			apps: []scenarioApp{postgresqlApp, hydraApp,
				{charm: "traefik-k8s", app: "traefik-public", resources: traefikApp.resources},
				{charm: "traefik-k8s", app: "traefik-admin", resources: traefikApp.resources},
				{charm: "oauth-app", app: "login-ui"}},
			relate: [][2]string{{"hydra:pg-database", "postgresql:database"},
				{"hydra:public-ingress", "traefik-public:ingress"}, {"hydra:admin-ingress", "traefik-admin:ingress"},
				{"hydra:ui-endpoint-info", "login-ui:ui-endpoint-info"}}},
	}
	for i, sc := range scenarios {
		modelName := fmt.Sprintf("us-%d", i)
		deployed := false
		b.Run(sc.name, func(b *testing.B) {
			// Run again for a larger b.N: the model is there.
			if !deployed {
				e.deployScenario(b, modelName, sc)
				deployed = true
			}
			e.setUpdateStatusInterval(b, modelName, updateStatusInterval)
			defer e.setUpdateStatusInterval(b, modelName, "1h")
			took := e.updateStatusDurations(b, modelName, sc.measure, max(b.N, updateStatusSamples))
			e.noToolFallback(b, modelName)
			slices.Sort(took)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms(took[len(took)/2]), "ms/hook")
			b.ReportMetric(ms(took[len(took)-1]), "max-ms/hook")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// deployScenario deploys the scenario's applications into a new model,
// relates them and waits until the model is idle, with update-status
// left at the environment's (long) interval.
func (e *env) deployScenario(tb testing.TB, modelName string, sc updateStatusScenario) {
	tb.Helper()
	if _, err := e.c.AddModel(e.ctx, api.AddModelRequest{Name: modelName}); err != nil {
		tb.Fatalf("add-model %s: %v", modelName, err)
	}
	for _, a := range sc.apps {
		path := e.charm(a.charm)
		if a.path != nil {
			path = a.path(tb)
		}
		_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: modelName, Path: path, ApplicationName: a.app,
			NumUnits: 1, NumUnitsSet: true, Resources: a.resources, ConfigFlags: a.config}, nil)
		if err != nil {
			tb.Fatalf("deploy %s: %v", a.app, err)
		}
	}
	for _, r := range sc.relate {
		if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: modelName, Endpoints: r[:]}); err != nil {
			tb.Fatalf("integrate %s %s: %v", r[0], r[1], err)
		}
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Minute)
	defer cancel()
	if err := e.c.WaitIdle(ctx, modelName, time.Second); err != nil {
		tb.Fatalf("%s: %v", sc.name, err)
	}
	st, err := e.c.Status(e.ctx, api.StatusRequest{Model: modelName})
	if err != nil {
		tb.Fatal(err)
	}
	app, _, _ := strings.Cut(sc.measure, "/")
	ws := st.Applications[app].Units[sc.measure].WorkloadStatus
	tb.Logf("%s: %s is %s %q", sc.name, sc.measure, ws.Status, ws.Info)
}

func (e *env) setUpdateStatusInterval(tb testing.TB, modelName, interval string) {
	tb.Helper()
	err := e.c.SetModelConfig(e.ctx, api.SetModelConfigRequest{Model: modelName,
		Set: map[string]any{"update-status-hook-interval": interval}})
	if err != nil {
		tb.Fatalf("model-config: %v", err)
	}
}

// updateStatusDurations waits for n update-status hooks of unit after the
// next one (the warm-up) and returns how long each took.
func (e *env) updateStatusDurations(tb testing.TB, modelName, unit string, n int) []time.Duration {
	tb.Helper()
	mark := len(e.hookDurations(tb, modelName, unit))
	deadline := time.Now().Add(time.Duration(n+5) * 10 * time.Second)
	for {
		took := e.hookDurations(tb, modelName, unit)
		if len(took) >= mark+1+n {
			return took[mark+1 : mark+1+n]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %d update-status hooks in time, want %d", unit, len(took)-mark, n+1)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// hookDurations lists the durations of unit's update-status hooks so far.
func (e *env) hookDurations(tb testing.TB, modelName, unit string) []time.Duration {
	tb.Helper()
	var out []time.Duration
	req := api.DebugLogRequest{Model: modelName, Replay: true, NoTail: true, Level: "DEBUG",
		IncludeEntity: []string{debuglog.UnitTag(unit)}, IncludeModule: []string{"juju.worker.uniter.operation"}}
	err := e.c.DebugLog(e.ctx, req, func(r api.LogRecord) error {
		m := hookTookRE.FindStringSubmatch(r.Message)
		if m == nil {
			return nil
		}
		d, err := time.ParseDuration(m[1])
		if err != nil {
			return fmt.Errorf("%q: %w", r.Message, err)
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		tb.Fatalf("debug-log: %v", err)
	}
	return out
}

// toolFallbackLog is what hooktool logs when the hook tools' socket
// failed and the charm went back to exec'ing the tool binaries.
const toolFallbackLog = "hook tools: calling the unit agent directly failed"

// dispatchFallbackLog is what the agent logs when an update-status went
// through nsenter because the unit's containeragent did not answer
// (internal/controller/containeragent.go).
const dispatchFallbackLog = "running update-status through nsenter"

// noToolFallback fails when a unit of the model fell back to the tool
// binaries, or ran update-status without its containeragent: the numbers
// would not be the socket's and the containeragent's.
func (e *env) noToolFallback(tb testing.TB, modelName string) {
	tb.Helper()
	req := api.DebugLogRequest{Model: modelName, Replay: true, NoTail: true, Level: "DEBUG"}
	err := e.c.DebugLog(e.ctx, req, func(r api.LogRecord) error {
		if strings.Contains(r.Message, toolFallbackLog) || strings.Contains(r.Message, dispatchFallbackLog) {
			tb.Errorf("%s: %s", r.Entity, r.Message)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("debug-log: %v", err)
	}
}
