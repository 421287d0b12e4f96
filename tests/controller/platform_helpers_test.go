package controller_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// The images the platform tests name for charms outside the bundle.
const testWorkloadImage = "identity-platform-go-charms/test-workload:1"

// platform is the project's bundle deployed on the local runtime, with a
// login UI (the oauth-app test charm) so that Hydra can be active.
type platform struct {
	e *env
	// public and admin are Hydra's URLs through traefik-public and
	// traefik-admin (path routing: /<model>-<app>).
	public, admin string
}

// bundleCopy writes the project's bundle/bundle.yaml with its charm paths
// (../build/<name>.charm, the output of `make charms`) pointing at the
// charms built() packed, and returns its path. Every application of the
// bundle must be one built() packs: a charm added to the bundle is added
// there too.
func bundleCopy(tb testing.TB, e *env) string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(tb), "bundle", "bundle.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Applications map[string]struct {
			Charm string `yaml:"charm"`
		} `yaml:"applications"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		tb.Fatalf("bundle/bundle.yaml: %v", err)
	}
	for app, a := range doc.Applications {
		name, ok := strings.CutPrefix(a.Charm, "../build/")
		if !ok {
			tb.Fatalf("bundle/bundle.yaml: application %s: charm %q is not a ../build/ path", app, a.Charm)
		}
		if _, err := os.Stat(filepath.Join(e.build, name)); err != nil {
			tb.Fatalf("bundle/bundle.yaml: application %s names %s, which built() does not pack: %v", app, name, err)
		}
	}
	path := filepath.Join(tb.TempDir(), "bundle.yaml")
	content := strings.ReplaceAll(string(raw), "../build/", e.build+string(filepath.Separator))
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// deployPlatform deploys the bundle as an operator would (`juju deploy
// ./bundle/bundle.yaml --trust`), sets hydra's dev option (the local
// ingresses are plain HTTP), and adds the oauth-app test charm as
// login-ui; with testApp, also the oauth-test-app charm as test-app,
// not yet related. It waits until Hydra is active.
func deployPlatform(tb testing.TB, e *env, testApp bool) platform {
	tb.Helper()
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: bundleCopy(tb, e), Trust: true}, nil); err != nil {
		tb.Fatalf("deploy the bundle: %v", err)
	}
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "hydra", Args: []string{"dev=true"}}); err != nil {
		tb.Fatalf("config hydra dev=true: %v", err)
	}
	deployApp(tb, e, "oauth-app", "login-ui", nil)
	integrateApps(tb, e, "hydra:ui-endpoint-info", "login-ui:ui-endpoint-info")
	if testApp {
		deployApp(tb, e, "oauth-test-app", "test-app", map[string]string{"app-image": testWorkloadImage})
	}
	e.settle()
	wantAppStatus(tb, e, "hydra", "active", "")
	return platformURLs(tb, e)
}

// platformURLs reads Hydra's ingress URLs off the Traefik units'
// addresses (which a controller restart may change).
func platformURLs(tb testing.TB, e *env) platform {
	tb.Helper()
	st := e.status()
	addr := func(app string) string {
		a := st.Applications[app].Units[app+"/0"].Address
		if a == "" {
			tb.Fatalf("%s/0 has no address: %+v", app, st.Applications[app])
		}
		return a
	}
	return platform{
		e:      e,
		public: "http://" + addr("traefik-public") + "/test-hydra",
		admin:  "http://" + addr("traefik-admin") + "/test-hydra",
	}
}

func deployApp(tb testing.TB, e *env, charm, app string, resources map[string]string, config ...string) {
	tb.Helper()
	_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm(charm), ApplicationName: app,
		NumUnits: 1, NumUnitsSet: true, Resources: resources, ConfigFlags: config}, nil)
	if err != nil {
		tb.Fatalf("deploy %s: %v", app, err)
	}
}

func integrateApps(tb testing.TB, e *env, a, b string) {
	tb.Helper()
	if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{a, b}}); err != nil {
		tb.Fatalf("integrate %s %s: %v", a, b, err)
	}
}

func removeRelation(tb testing.TB, e *env, a, b string) {
	tb.Helper()
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{a, b}}); err != nil {
		tb.Fatalf("remove-relation %s %s: %v", a, b, err)
	}
}

// configure sets application config and waits for the model to settle.
func configure(tb testing.TB, e *env, app string, args ...string) {
	tb.Helper()
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: app, Args: args}); err != nil {
		tb.Fatalf("config %s %v: %v", app, args, err)
	}
	e.settle()
}

// wantAppStatus checks every unit of app for a workload status; msg ""
// accepts any message only when status is not active (an active Hydra
// has none; other charms say what they do).
func wantAppStatus(tb testing.TB, e *env, app, status, msg string) {
	tb.Helper()
	units := e.status().Applications[app].Units
	if len(units) == 0 {
		tb.Fatalf("%s has no units", app)
	}
	for name, u := range units {
		if st := u.WorkloadStatus; st.Status != status || st.Info != msg {
			e.dumpLog()
			tb.Fatalf("%s: %s %q, want %s %q", name, st.Status, st.Info, status, msg)
		}
	}
}

// mustRun runs an action that must complete.
func mustRun(tb testing.TB, e *env, args ...string) api.TaskResult {
	tb.Helper()
	res := e.run(args...)
	if res.Status != "completed" {
		e.dumpLog()
		tb.Fatalf("%v: %s %q %v", args, res.Status, res.Message, res.Output)
	}
	return res
}

// wantRefused runs an action that the charm must refuse (action-fail)
// with a message containing msg.
func wantRefused(tb testing.TB, e *env, msg string, args ...string) {
	tb.Helper()
	res := e.run(args...)
	if res.Status != "failed" || !strings.Contains(res.Message, msg) {
		tb.Errorf("%v: %s %q, want failed with %q", args, res.Status, res.Message, msg)
	}
}

// wantRejected runs an action whose parameters Juju must reject against
// the action's schema, before any unit sees it.
func wantRejected(tb testing.TB, e *env, msg string, args ...string) {
	tb.Helper()
	op, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: args})
	if err == nil || !strings.Contains(err.Error(), msg) {
		tb.Errorf("%v: %+v, %v; want rejected with %q", args, op, err, msg)
	}
}

// runUntil runs an action until it completes (a workload restarting
// after a config change fails it for a moment), for up to 30 s.
func runUntil(tb testing.TB, e *env, args ...string) api.TaskResult {
	tb.Helper()
	var res api.TaskResult
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if res = e.run(args...); res.Status == "completed" || time.Now().After(deadline) {
			break
		}
	}
	if res.Status != "completed" {
		e.dumpLog()
		tb.Fatalf("%v: %s %q %v", args, res.Status, res.Message, res.Output)
	}
	return res
}

// jwksKIDs lists the key IDs Hydra publishes, sorted.
func jwksKIDs(tb testing.TB, e *env, public string) []string {
	tb.Helper()
	var jwks struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(getOKTB(tb, e, public+"/.well-known/jwks.json")), &jwks); err != nil {
		tb.Fatalf("JWKS: %v", err)
	}
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.KID)
	}
	slices.Sort(kids)
	return kids
}

// oauthClients lists the client IDs list-oauth-clients shows, sorted, and
// checks that it shows no secret.
func oauthClients(tb testing.TB, e *env, unit string) []string {
	tb.Helper()
	res := mustRun(tb, e, unit, "list-oauth-clients")
	raw, _ := res.Output["clients"].(string)
	var clients []map[string]any
	if err := json.Unmarshal([]byte(raw), &clients); err != nil {
		tb.Fatalf("list-oauth-clients: %v", err)
	}
	var ids []string
	for _, c := range clients {
		if _, ok := c["client-secret"]; ok {
			tb.Errorf("list-oauth-clients shows a client secret")
		}
		ids = append(ids, fmt.Sprint(c["client-id"]))
	}
	slices.Sort(ids)
	return ids
}

// getOKTB is getOK for any testing.TB.
func getOKTB(tb testing.TB, e *env, url string) string {
	tb.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, body, err := get(e.ctx, url, "")
		if err == nil && code == 200 {
			return body
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
	}
	e.dumpLog()
	tb.Fatalf("GET %s: %s", url, last)
	return ""
}

// phases logs how long each phase of a long test takes.
type phases struct {
	tb          testing.TB
	start, last time.Time
}

func newPhases(tb testing.TB) *phases {
	now := time.Now()
	return &phases{tb: tb, start: now, last: now}
}

func (p *phases) done(name string) {
	p.tb.Helper()
	now := time.Now()
	p.tb.Logf("phase %-34s %5.1fs (total %5.1fs)", name, now.Sub(p.last).Seconds(), now.Sub(p.start).Seconds())
	p.last = now
}
