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
const updateStatusSamples = 15

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
	resources  map[string]string
	config     []string
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
// model of its own, settles, then runs update-status every
// updateStatusInterval; the durations are the agent's own (pod exec,
// dispatch and every tool call it makes), read from the debug log. The
// first update-status of a scenario is a warm-up and not counted.
//
// ms/hook is the median, max-ms/hook the slowest; ns/op is suppressed
// (an op is a wait for the next timer tick, not work).
func BenchmarkUpdateStatus(b *testing.B) {
	e := newEnvTB(b)
	scenarios := []updateStatusScenario{
		{name: "kratos-external-idp-integrator", measure: "kratos-external-idp-integrator/0",
			apps: []scenarioApp{{charm: "kratos-external-idp-integrator", app: "kratos-external-idp-integrator"}}},
		{name: "postgresql-k8s", measure: "postgresql/0", apps: []scenarioApp{postgresqlApp}},
		{name: "traefik-k8s", measure: "traefik/0", apps: []scenarioApp{traefikApp}},
		{name: "hydra", measure: "hydra/0", apps: []scenarioApp{postgresqlApp, hydraApp},
			relate: [][2]string{{"hydra:pg-database", "postgresql:database"}}},
	}
	for i, sc := range scenarios {
		modelName := fmt.Sprintf("us-%d", i)
		e.deployScenario(modelName, sc)
		b.Run(sc.name, func(b *testing.B) {
			e.setUpdateStatusInterval(modelName, updateStatusInterval)
			took := e.updateStatusDurations(modelName, sc.measure, max(b.N, updateStatusSamples))
			slices.Sort(took)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms(took[len(took)/2]), "ms/hook")
			b.ReportMetric(ms(took[len(took)-1]), "max-ms/hook")
		})
		if err := e.c.DestroyModel(e.ctx, api.DestroyModelRequest{Name: modelName}); err != nil {
			b.Fatalf("destroy-model %s: %v", modelName, err)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// deployScenario deploys the scenario's applications into a new model,
// relates them and waits until the model is idle, with update-status
// left at the environment's (long) interval.
func (e *env) deployScenario(modelName string, sc updateStatusScenario) {
	e.t.Helper()
	if _, err := e.c.AddModel(e.ctx, api.AddModelRequest{Name: modelName}); err != nil {
		e.t.Fatalf("add-model %s: %v", modelName, err)
	}
	for _, a := range sc.apps {
		_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: modelName, Path: e.charm(a.charm), ApplicationName: a.app,
			NumUnits: 1, NumUnitsSet: true, Resources: a.resources, ConfigFlags: a.config}, nil)
		if err != nil {
			e.t.Fatalf("deploy %s: %v", a.app, err)
		}
	}
	for _, r := range sc.relate {
		if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: modelName, Endpoints: r[:]}); err != nil {
			e.t.Fatalf("integrate %s %s: %v", r[0], r[1], err)
		}
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Minute)
	defer cancel()
	if err := e.c.WaitIdle(ctx, modelName, time.Second); err != nil {
		e.t.Fatalf("%s: %v", sc.name, err)
	}
	st, err := e.c.Status(e.ctx, api.StatusRequest{Model: modelName})
	if err != nil {
		e.t.Fatal(err)
	}
	app, _, _ := strings.Cut(sc.measure, "/")
	ws := st.Applications[app].Units[sc.measure].WorkloadStatus
	e.t.Logf("%s: %s is %s %q", sc.name, sc.measure, ws.Status, ws.Info)
}

func (e *env) setUpdateStatusInterval(modelName, interval string) {
	e.t.Helper()
	err := e.c.SetModelConfig(e.ctx, api.SetModelConfigRequest{Model: modelName,
		Set: map[string]any{"update-status-hook-interval": interval}})
	if err != nil {
		e.t.Fatalf("model-config: %v", err)
	}
}

// updateStatusDurations waits for n update-status hooks of unit after the
// next one (the warm-up) and returns how long each took.
func (e *env) updateStatusDurations(modelName, unit string, n int) []time.Duration {
	e.t.Helper()
	mark := len(e.hookDurations(modelName, unit))
	deadline := time.Now().Add(time.Duration(n+5) * 10 * time.Second)
	for {
		took := e.hookDurations(modelName, unit)
		if len(took) >= mark+1+n {
			return took[mark+1 : mark+1+n]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d update-status hooks in time, want %d", unit, len(took)-mark, n+1)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// hookDurations lists the durations of unit's update-status hooks so far.
func (e *env) hookDurations(modelName, unit string) []time.Duration {
	e.t.Helper()
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
		e.t.Fatalf("debug-log: %v", err)
	}
	return out
}
