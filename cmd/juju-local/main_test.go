package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var (
	t0   = time.Date(2025, 10, 15, 12, 0, 0, 0, time.UTC)
	tNow = t0.Add(90 * time.Second)
)

// testApp is an app wired to a fake backend, in UTC, at a fixed time.
func testApp(b api.Backend, stdin string, env map[string]string) (*app, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	a := &app{
		stdin:        strings.NewReader(stdin),
		stdout:       &out,
		stderr:       &errb,
		getenv:       func(k string) string { return env[k] },
		connect:      func() (api.Backend, error) { return b, nil },
		now:          func() time.Time { return tNow },
		loc:          time.UTC,
		pollInterval: time.Millisecond,
		newBackend:   api.NewUnimplemented,
		geteuid:      func() int { return 1000 },
	}
	return a, &out, &errb
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// sampleStatus is a three-application model: a leader with ports, a
// scaling application with an executing unit, a blocked one, relations.
func sampleStatus() api.Status {
	active := func(msg string) api.DetailedStatus { return api.DetailedStatus{Status: "active", Info: msg, Since: t0} }
	idle := api.DetailedStatus{Status: "idle", Since: t0}
	return api.Status{
		Model: api.ModelStatus{Name: "default", Type: "caas", Controller: "local", Cloud: "local", Region: "localhost",
			Version: "3.6.11", Status: api.DetailedStatus{Status: "available", Since: t0}},
		ControllerTimestamp: t0,
		Applications: map[string]api.ApplicationStatus{
			"hydra": {
				Charm: "local:hydra-0", Base: api.Base{Name: "ubuntu", Channel: "22.04/stable"}, Scale: 1,
				PublicAddress: "10.152.183.10", WorkloadVersion: "ghcr.io/canonical/hydra:2.3.0-canonical",
				Relations: map[string][]string{"pg-database": {"postgresql"}},
				Status:    active(""),
				Units: map[string]api.UnitStatus{"hydra/0": {
					WorkloadStatus: active(""), AgentStatus: idle, Leader: true,
					Address: "10.1.0.5", OpenedPorts: []string{"4444/tcp", "4445/tcp"},
				}},
			},
			"postgresql": {
				Charm: "local:postgresql-2", Base: api.Base{Name: "ubuntu", Channel: "22.04"}, Scale: 2,
				WorkloadVersion: "15.8",
				Relations:       map[string][]string{"database": {"hydra"}, "restart": {"postgresql"}},
				Units: map[string]api.UnitStatus{
					"postgresql/0": {WorkloadStatus: active("Primary"), AgentStatus: idle, Leader: true, Address: "10.1.0.6", OpenedPorts: []string{"5432/tcp"}},
					"postgresql/1": {WorkloadStatus: api.DetailedStatus{Status: "maintenance", Info: "joining the cluster", Since: t0},
						AgentStatus: api.DetailedStatus{Status: "executing", Info: "running restart-relation-joined hook", Since: t0}, Address: "10.1.0.7"},
				},
			},
			"kratos": {
				Charm: "local:kratos-0", Base: api.Base{Name: "ubuntu", Channel: "22.04"}, Scale: 1,
				Status: api.DetailedStatus{Status: "blocked", Info: "Missing required relation with postgresql", Since: t0},
				Units: map[string]api.UnitStatus{"kratos/0": {
					WorkloadStatus: api.DetailedStatus{Status: "blocked", Info: "Missing required relation with postgresql", Since: t0},
					AgentStatus:    idle, Leader: true, Address: "10.1.0.8",
				}},
			},
		},
		Relations: []api.RelationStatus{
			{ID: 1, Key: "hydra:pg-database postgresql:database", Interface: "postgresql_client", Scope: "global",
				Endpoints: []api.EndpointStatus{{ApplicationName: "hydra", Name: "pg-database", Role: "requirer"}, {ApplicationName: "postgresql", Name: "database", Role: "provider"}},
				Status:    api.DetailedStatus{Status: "joined"}},
			{ID: 0, Key: "postgresql:restart", Interface: "rolling_op", Scope: "global",
				Endpoints: []api.EndpointStatus{{ApplicationName: "postgresql", Name: "restart", Role: "peer"}},
				Status:    api.DetailedStatus{Status: "joined"}},
			{ID: 2, Key: "kratos:pg-database postgresql:database", Interface: "postgresql_client", Scope: "global",
				Endpoints: []api.EndpointStatus{{ApplicationName: "kratos", Name: "pg-database", Role: "requirer"}, {ApplicationName: "postgresql", Name: "database", Role: "provider"}},
				Status:    api.DetailedStatus{Status: "joining"}},
		},
	}
}

func statusFake() *apitest.Fake {
	return &apitest.Fake{StatusFunc: func(_ context.Context, req api.StatusRequest) (api.Status, error) {
		if req.Model != "default" {
			return api.Status{}, api.Errorf(api.CodeNotFoundModel, "model %q not found", req.Model)
		}
		return sampleStatus(), nil
	}}
}

type cliCase struct {
	name   string
	args   []string
	stdin  string
	env    map[string]string
	fake   func() *apitest.Fake
	code   int
	stdout string // exact, or "golden:<name>"
	stderr string // exact, or "golden:<name>"
	check  func(t *testing.T, f *apitest.Fake)
}

func runCase(t *testing.T, tc cliCase) {
	t.Helper()
	f := &apitest.Fake{}
	if tc.fake != nil {
		f = tc.fake()
	}
	a, out, errb := testApp(f, tc.stdin, tc.env)
	code := a.Main(context.Background(), tc.args)
	if code != tc.code {
		t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errb)
	}
	compare(t, "stdout", out.String(), tc.stdout)
	compare(t, "stderr", errb.String(), tc.stderr)
	if tc.check != nil {
		tc.check(t, f)
	}
}

func compare(t *testing.T, what, got, want string) {
	t.Helper()
	if name, ok := strings.CutPrefix(want, "golden:"); ok {
		golden(t, name, got)
		return
	}
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestCLI(t *testing.T) {
	t.Parallel()
	for _, tc := range cliCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCase(t, tc)
		})
	}
}

// lastRequest returns the request of the last call to method.
func lastRequest(t *testing.T, f *apitest.Fake, method string) any {
	t.Helper()
	calls := f.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Method == method {
			return calls[i].Request
		}
	}
	t.Fatalf("no %s call in %+v", method, calls)
	return nil
}
