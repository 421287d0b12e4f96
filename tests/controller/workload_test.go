package controller_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestWorkloadEvents: a check that goes down and back up in the unit's
// Pebble runs pebble-check-failed and pebble-check-recovered.
func TestWorkloadEvents(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm("workload"), ApplicationName: "w", NumUnits: 1, NumUnitsSet: true,
		Resources: map[string]string{"app-image": "identity-platform-go-charms/test-workload:1"}}, nil); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if st := e.status().Applications["w"].Units["w/0"].WorkloadStatus; st.Status != "active" {
		e.dumpLog()
		t.Fatalf("w/0: %+v", st)
	}
	if res := e.run("w/0", "set-health", "healthy=false"); res.Status != "completed" {
		t.Fatalf("set-health: %+v", res)
	}
	waitFor(t, e, "app-pebble-check-failed")
	if res := e.run("w/0", "set-health", "healthy=true"); res.Status != "completed" {
		t.Fatalf("set-health: %+v", res)
	}
	waitFor(t, e, "app-pebble-check-recovered")
	for _, ev := range e.events()["w/0"] {
		if ev.Hook == "app-pebble-check-failed" && (ev.Check != "alive" || ev.Workload != "app") {
			t.Errorf("check-failed event: %+v", ev)
		}
	}
}

func waitFor(t *testing.T, e *env, hook string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if slices.Contains(hooks(e.events()["w/0"]), hook) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.dumpLog()
	t.Fatalf("no %s", hook)
}

// TestIntegrator deploys the real integrator charm: it asks for its
// relation, and its action reports that there is no redirect URI yet.
func TestIntegrator(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("kratos-external-idp-integrator"), "idp", 1,
		"provider=generic", "client_id=abc", "client_secret=s3cret", "issuer_url=https://login.example.com/")
	e.settle()
	st := e.status().Applications["idp"].Units["idp/0"].WorkloadStatus
	if st.Status != "blocked" || st.Info != "Missing integration kratos-external-idp" {
		e.dumpLog()
		t.Fatalf("idp/0: %+v", st)
	}
	res := e.run("idp/0", "get-redirect-uri")
	if res.Status != "failed" || !strings.Contains(res.Message, "No redirect uri is found") {
		t.Errorf("get-redirect-uri: %+v", res)
	}
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "idp", Args: []string{"issuer_url=not a url"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	st = e.status().Applications["idp"].Units["idp/0"].WorkloadStatus
	if st.Status != "blocked" || !strings.Contains(st.Info, "issuer_url") {
		t.Errorf("after a bad issuer_url: %+v", st)
	}
	var leaked bool
	_ = e.c.DebugLog(e.ctx, api.DebugLogRequest{Model: "test", Replay: true, NoTail: true}, func(r api.LogRecord) error {
		leaked = leaked || strings.Contains(r.Message, "s3cret")
		return nil
	})
	if leaked {
		t.Error("the client secret is in the debug log")
	}
}
