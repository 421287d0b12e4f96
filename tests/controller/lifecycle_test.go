package controller_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// check compares hook sequences. Consecutive repeats are collapsed: when
// a remote application writes its data twice while a unit catches up,
// Juju may run relation-changed once or twice, depending on timing.
func check(t *testing.T, e *env, step string, got map[string][]string, want map[string][]string) {
	t.Helper()
	for unit, w := range want {
		if !slices.Equal(slices.Compact(slices.Clone(got[unit])), w) {
			e.dumpLog()
			t.Fatalf("%s: %s ran %v\nwant %v", step, unit, got[unit], w)
		}
	}
}

// TestLifecycle walks two recorder applications through integrate,
// config change, scale up and down, refresh, remove-relation and
// remove-application, and compares every unit's hooks with Juju's order.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "a", 1)
	e.deploy(e.charm("recorder"), "b", 1)
	e.settle()

	m := e.mark()
	if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"a:source", "b:sink"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	check(t, e, "integrate", e.since(m), map[string][]string{
		"a/0": {"source-relation-created", "source-relation-changed", "source-relation-joined", "source-relation-changed"},
		"b/0": {"sink-relation-created", "sink-relation-changed", "sink-relation-joined", "sink-relation-changed"},
	})

	m = e.mark()
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "a", Args: []string{"message=hello"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	// The leader watches its own application's peer databag too (Juju's
	// relation units watcher follows the counterpart application, which
	// for a peer relation is the unit's own), so its own write of
	// config-message there comes back as peers-relation-changed.
	check(t, e, "config", e.since(m), map[string][]string{
		"a/0": {"config-changed", "peers-relation-changed"},
		"b/0": {"sink-relation-changed"},
	})
	info, err := e.c.ShowUnit(e.ctx, api.ShowUnitRequest{Model: "test", Units: []string{"b/0"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rd := range info[0].RelationData {
		if rd.Endpoint == "sink" && rd.ApplicationData["config-message"] == "hello" {
			found = true
		}
	}
	if !found {
		t.Errorf("b/0 does not see a's config message: %+v", info[0].RelationData)
	}

	m = e.mark()
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "a", Delta: 1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	got := e.since(m)
	check(t, e, "scale up", got, map[string][]string{
		"a/0": {"peers-relation-joined", "peers-relation-changed"},
		"b/0": {"sink-relation-joined", "sink-relation-changed"},
	})
	if len(got["a/1"]) == 0 || got["a/1"][0] != "install" || slices.Contains(got["a/1"], "leader-elected") {
		t.Errorf("a/1 ran %v", got["a/1"])
	}

	m = e.mark()
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "a", Delta: -1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	got = e.since(m)
	check(t, e, "scale down", got, map[string][]string{
		"a/0": {"peers-relation-departed"},
		"b/0": {"sink-relation-departed"},
	})
	// The departing unit leaves its relations, then stops and goes.
	a1 := got["a/1"]
	if len(a1) < 2 || a1[len(a1)-2] != "stop" || a1[len(a1)-1] != "remove" ||
		!slices.Contains(a1, "source-relation-broken") || !slices.Contains(a1, "source-relation-departed") {
		t.Errorf("a/1 ran %v", a1)
	}

	m = e.mark()
	if _, err := e.c.Refresh(e.ctx, api.RefreshRequest{Model: "test", Application: "a", Path: e.charm("recorder")}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	check(t, e, "refresh", e.since(m), map[string][]string{"a/0": {"upgrade-charm", "config-changed"}})

	m = e.mark()
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	check(t, e, "remove-relation", e.since(m), map[string][]string{
		"a/0": {"source-relation-departed", "source-relation-broken"},
		"b/0": {"sink-relation-departed", "sink-relation-broken"},
	})

	m = e.mark()
	if _, err := e.c.RemoveApplication(e.ctx, api.RemoveApplicationRequest{Model: "test", Applications: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	b0 := e.since(m)["b/0"]
	if len(b0) < 2 || b0[len(b0)-2] != "stop" || b0[len(b0)-1] != "remove" {
		t.Errorf("b/0 ran %v", b0)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := e.status().Applications["b"]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b still in status: %+v", e.status().Applications["b"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestVisibility: a non-leader's app-bag write and a consumer reading a
// secret it was not granted both fail as in Juju; a granted one reads.
func TestVisibility(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "x", 2)
	e.deploy(e.charm("recorder"), "y", 1)
	if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"x:source", "y:sink"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()

	res := e.run("x/1", "set-app-data", "key=k", "value=v")
	if res.Status != "failed" || !strings.Contains(res.Message, "cannot write relation settings") {
		t.Errorf("non-leader app-bag write: %+v", res)
	}
	res = e.run("x/0", "set-app-data", "key=k", "value=v")
	if res.Status != "completed" {
		t.Errorf("leader app-bag write: %+v", res)
	}

	res = e.run("x/0", "secret-add", "content.token=s3cret", "label=ungranted")
	uri, _ := res.Output["uri"].(string)
	if res.Status != "completed" || uri == "" {
		t.Fatalf("secret-add: %+v", res)
	}
	res = e.run("y/0", "secret-get", "uri="+uri)
	if res.Status != "failed" {
		t.Errorf("reading an ungranted secret: %+v", res)
	}

	st := e.status()
	relID := -1
	for _, r := range st.Relations {
		if strings.Contains(r.Key, "y:sink") {
			relID = r.ID
		}
	}
	res = e.run("x/0", "secret-add", "content.token=granted", "label=granted", "relation-id="+itoa(relID))
	uri, _ = res.Output["uri"].(string)
	if res.Status != "completed" {
		t.Fatalf("secret-add with grant: %+v", res)
	}
	res = e.run("y/0", "secret-get", "uri="+uri)
	if res.Status != "completed" || !strings.Contains(res.Output["content"].(string), "granted") {
		t.Errorf("reading a granted secret: %+v", res)
	}
}

// TestErrorRetryResolve: a failing hook puts the unit in error, is
// retried, and `resolve` runs it again at once.
func TestErrorRetryResolve(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "r", 1)
	e.settle()
	if res := e.run("r/0", "crash-next", "hook=config-changed"); res.Status != "completed" {
		t.Fatalf("crash-next: %+v", res)
	}
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "r", Args: []string{"message=boom"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	u := e.status().Applications["r"].Units["r/0"]
	if u.AgentStatus.Status != "error" || u.WorkloadStatus.Info != `hook failed: "config-changed"` {
		t.Fatalf("after a failing hook: %+v", u)
	}
	// Juju retries after 5 s.
	time.Sleep(6 * time.Second)
	e.settle()
	n := 0
	for _, ev := range e.events()["r/0"] {
		if ev.Hook == "config-changed" {
			n++
		}
	}
	if n < 3 { // the first one, the failure and its retry
		t.Errorf("config-changed ran %d times; want the failure retried", n)
	}
	if res := e.run("r/0", "crash-clear"); res.Status != "completed" {
		t.Fatalf("crash-clear: %+v", res)
	}
	if err := e.c.Resolve(e.ctx, api.ResolveRequest{Model: "test", Units: []string{"r/0"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	u = e.status().Applications["r"].Units["r/0"]
	if u.AgentStatus.Status != "idle" || u.WorkloadStatus.Status != "active" {
		t.Errorf("after resolve: %+v", u)
	}
	if err := e.c.Resolve(e.ctx, api.ResolveRequest{Model: "test", Units: []string{"r/0"}}); err == nil {
		t.Error("resolving a unit that is not in error succeeded")
	}
}

// TestRestart: a controller restart loses nothing and is a pod churn:
// start and pebble-ready run again, install does not.
func TestRestart(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm("workload"), ApplicationName: "w", NumUnits: 1, NumUnitsSet: true,
		Resources: map[string]string{"app-image": "identity-platform-go-charms/test-workload:1"}}, nil); err != nil {
		t.Fatal(err)
	}
	e.deploy(e.charm("recorder"), "p", 1, "message=kept")
	e.settle()
	if got := hooks(e.events()["w/0"]); !slices.Contains(got, "app-pebble-ready") {
		e.dumpLog()
		t.Fatalf("w/0 ran %v, no pebble-ready", got)
	}
	before := e.status()
	m := e.mark()
	e.restart()
	e.settle()
	got := e.since(m)
	for _, unit := range []string{"w/0", "p/0"} {
		if slices.Contains(got[unit], "install") || !slices.Contains(got[unit], "start") {
			t.Errorf("%s after restart ran %v", unit, got[unit])
		}
	}
	if !slices.Contains(got["w/0"], "app-pebble-ready") {
		t.Errorf("w/0 after restart ran %v, no pebble-ready", got["w/0"])
	}
	after := e.status()
	for name, app := range before.Applications {
		if len(after.Applications[name].Units) != len(app.Units) {
			t.Errorf("%s: units before %v after %v", name, app.Units, after.Applications[name].Units)
		}
	}
	cfg, err := e.c.GetConfig(e.ctx, api.GetConfigRequest{Model: "test", Application: "p"})
	if err != nil || cfg.Settings["message"].Value != "kept" {
		t.Errorf("config after restart: %+v, %v", cfg.Settings["message"], err)
	}
	if st := after.Applications["w"].Units["w/0"].WorkloadStatus; st.Status != "active" {
		t.Errorf("w/0 after restart: %+v", st)
	}
}

// TestSecretChanged: a consumer that read a secret runs secret-changed
// when its owner sets a new revision, and then reads the new content.
func TestSecretChanged(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "owner", 1)
	e.deploy(e.charm("recorder"), "consumer", 1)
	res, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"owner:source", "consumer:sink"}})
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	add := e.run("owner/0", "secret-add", "content.token=one", "relation-id="+itoa(res.ID))
	uri, _ := add.Output["uri"].(string)
	if add.Status != "completed" || uri == "" {
		t.Fatalf("secret-add: %+v", add)
	}
	if got := e.run("consumer/0", "secret-get", "uri="+uri); got.Status != "completed" || !strings.Contains(got.Output["content"].(string), "one") {
		t.Fatalf("secret-get: %+v", got)
	}
	m := e.mark()
	if set := e.run("owner/0", "secret-set", "uri="+uri, "content.token=two"); set.Status != "completed" {
		t.Fatalf("secret-set: %+v", set)
	}
	e.settle()
	check(t, e, "secret-set", e.since(m), map[string][]string{"consumer/0": {"secret-changed"}})
	var changed bool
	for _, ev := range e.events()["consumer/0"] {
		if ev.Hook == "secret-changed" && ev.SecretID != "" && ev.SecretRevision == 0 {
			changed = true
		}
	}
	if !changed {
		t.Errorf("no secret-changed with JUJU_SECRET_ID for the consumer")
	}
	if got := e.run("consumer/0", "secret-get", "uri="+uri, "refresh=true"); got.Status != "completed" || !strings.Contains(got.Output["content"].(string), "two") {
		t.Errorf("secret-get --refresh after secret-changed: %+v", got)
	}
}
