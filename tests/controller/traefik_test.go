package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestTraefikIngress deploys the traefik-k8s charm (Traefik v3.6.12 in a
// real pod) and the webapp test charm (two units, each serving one line
// naming itself), relates them over ingress, and goes through Traefik
// from the host: path routing with the prefix stripped, load-balanced
// over both units, the URL the requirer got, subdomain routing, and the
// route gone once the relation is removed.
func TestTraefikIngress(t *testing.T) {
	e := newEnv(t)
	deploy := func(charm, app, resource, image string, n int) {
		t.Helper()
		_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm(charm), ApplicationName: app,
			NumUnits: n, NumUnitsSet: true, Resources: map[string]string{resource: image}}, nil)
		if err != nil {
			t.Fatalf("deploy %s: %v", app, err)
		}
	}
	deploy("traefik-k8s", "traefik", "traefik-image", "docker.io/library/traefik:v3.6", 1)
	deploy("webapp", "webapp", "web-image", "identity-platform-go-charms/test-workload:1", 2)
	e.settle()

	addr := e.status().Applications["traefik"].Units["traefik/0"].Address
	if addr == "" {
		e.dumpLog()
		t.Fatalf("traefik/0 has no address: %+v", e.status().Applications["traefik"])
	}
	wantActive(t, e, "traefik", "traefik/0", "Serving at http://"+addr)
	if v := e.status().Applications["traefik"].WorkloadVersion; v != "3.6.12" {
		t.Errorf("traefik workload version %q", v)
	}

	if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"webapp:ingress", "traefik:ingress"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	url := "http://" + addr + "/test-webapp"
	for _, u := range []string{"webapp/0", "webapp/1"} {
		wantActive(t, e, "webapp", u, "Serving at "+url)
	}
	wantActive(t, e, "traefik", "traefik/0", "Serving at http://"+addr)

	// The requirer's view of the provider's databag, as Juju shows it.
	infos, err := e.c.ShowUnit(e.ctx, api.ShowUnitRequest{Model: "test", Units: []string{"webapp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	var published any
	for _, rd := range infos[0].RelationData {
		if rd.Endpoint == "ingress" {
			published = rd.ApplicationData["ingress"]
		}
	}
	if want := `{"url": "` + url + `"}`; published != want {
		t.Errorf("show-unit webapp/0: ingress = %v, want %s", published, want)
	}

	// Path routing: the prefix is stripped, both units answer in turn.
	seen := map[string]bool{}
	for i := 0; i < 6; i++ {
		body := getOK(t, e, url+"/", "")
		unit, rest, _ := strings.Cut(strings.TrimSpace(body), " ")
		if rest != "GET /" {
			t.Fatalf("GET %s/ reached the app as %q", url, body)
		}
		seen[unit] = true
	}
	if !seen["webapp/0"] || !seen["webapp/1"] {
		t.Errorf("Traefik did not balance over both units: %v", seen)
	}
	if body := getOK(t, e, url+"/a/b?c=d", ""); !strings.HasSuffix(strings.TrimSpace(body), "GET /a/b") {
		t.Errorf("GET %s/a/b: %q", url, body)
	}

	res := e.run("traefik/0", "show-proxied-endpoints")
	var endpoints map[string]map[string]string
	if s, _ := res.Output["proxied-endpoints"].(string); json.Unmarshal([]byte(s), &endpoints) != nil {
		t.Fatalf("show-proxied-endpoints: %+v", res)
	}
	if endpoints["traefik"]["url"] != "http://"+addr || endpoints["webapp"]["url"] != url {
		t.Errorf("proxied endpoints %v", endpoints)
	}

	// Subdomain routing: the route is matched on the Host header.
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "traefik",
		Args: []string{"routing_mode=subdomain", "external_hostname=ingress.test"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	wantActive(t, e, "webapp", "webapp/0", "Serving at http://test-webapp.ingress.test/")
	if body := getOK(t, e, "http://"+addr+"/x", "test-webapp.ingress.test"); !strings.HasSuffix(strings.TrimSpace(body), "GET /x") {
		t.Errorf("subdomain GET /x: %q", body)
	}

	// Bad configuration: blocked, naming the option; the route goes.
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "traefik",
		Args: []string{"routing_mode=sideways"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	st := e.status().Applications["traefik"].Units["traefik/0"].WorkloadStatus
	if st.Status != "blocked" || !strings.Contains(st.Info, "routing_mode") {
		t.Errorf("traefik/0 with routing_mode=sideways: %+v", st)
	}
	wantStatus(t, e, "webapp/0", 404, "http://"+addr+"/x", "test-webapp.ingress.test")
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "traefik",
		Args: []string{"routing_mode=path"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	url = "http://ingress.test/test-webapp"
	wantActive(t, e, "webapp", "webapp/0", "Serving at "+url)
	getOK(t, e, "http://"+addr+"/test-webapp/", "")

	// Removing the relation removes the route file: Traefik answers 404.
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{"webapp:ingress", "traefik:ingress"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	wantStatus(t, e, "webapp/0", 404, "http://"+addr+"/test-webapp/", "")
	wantActive(t, e, "traefik", "traefik/0", "Serving at http://ingress.test")
}

func wantActive(t *testing.T, e *env, app, unit, msg string) {
	t.Helper()
	st := e.status().Applications[app].Units[unit].WorkloadStatus
	if st.Status != "active" || st.Info != msg {
		e.dumpLog()
		t.Fatalf("%s: %+v, want active %q", unit, st, msg)
	}
}

// getOK GETs url (with Host header host when set) until it answers 200:
// Traefik's file provider applies a new route within a couple of seconds
// of the file landing, after the hook that wrote it.
func getOK(t *testing.T, e *env, url, host string) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, body, err := get(e.ctx, url, host)
		if err == nil && code == http.StatusOK {
			return body
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
	}
	e.dumpLog()
	t.Fatalf("GET %s (Host %q): %s", url, host, last)
	return ""
}

// wantStatus waits until url answers code (a route removed from Traefik).
func wantStatus(t *testing.T, e *env, what string, code int, url, host string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got, body, err := get(e.ctx, url, host)
		if err == nil && got == code {
			return
		}
		last = fmt.Sprintf("%d %q %v", got, body, err)
	}
	t.Fatalf("%s: GET %s (Host %q): %s, want %d", what, url, host, last, code)
}

func get(ctx context.Context, url, host string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if host != "" {
		req.Host = host
	}
	// No proxy from the environment: pod addresses are on a local bridge.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), err
}
