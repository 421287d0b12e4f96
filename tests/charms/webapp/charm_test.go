package main

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

func newContext(t *testing.T) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	self := func() ([]byte, error) { return []byte("binary"), nil }
	return &charmtest.Context{Charm: webapp{self: self}, Meta: meta, ModelName: "test"}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	ctr := charmtest.Container{Name: containerName, CanConnect: true}
	rel := charmtest.Relation{Endpoint: endpoint, ID: 3, RemoteApp: "traefik-k8s", RemoteUnits: map[int]map[string]string{0: {}}}

	out := ctx.MustRun(t, charmtest.PebbleReadyEvent(containerName), charmtest.State{Leader: true, Containers: []charmtest.Container{ctr}})
	if got := string(out.Containers[0].Files[binaryPath].Content); got != "binary" {
		t.Errorf("binary %q", got)
	}
	if out.Containers[0].Files[binaryPath].Permissions != 0o755 {
		t.Errorf("binary mode %o", out.Containers[0].Files[binaryPath].Permissions)
	}
	if !strings.Contains(out.Containers[0].Layers[layerLabel], "command: /opt/webapp/webapp serve --port 8080 --unit webapp/0") {
		t.Errorf("layer:\n%s", out.Containers[0].Layers[layerLabel])
	}
	if out.Containers[0].Services[serviceName] != "active" || out.UnitStatus.Message != "waiting for the ingress relation" {
		t.Errorf("service %q, status %+v", out.Containers[0].Services[serviceName], out.UnitStatus)
	}

	out.Relations = []charmtest.Relation{rel}
	out = ctx.MustRun(t, charmtest.RelationEvent(charm.RelationJoined, rel, 0), out)
	if got := out.Relations[0].LocalAppData; got["port"] != "8080" || got["strip-prefix"] != "true" || got["name"] != `"webapp"` {
		t.Errorf("request %v", got)
	}
	if out.UnitStatus.Message != "waiting for the ingress URL" {
		t.Errorf("status %+v", out.UnitStatus)
	}
	out.Relations[0].RemoteAppData = map[string]string{"ingress": `{"url": "http://10.1.0.10/test-webapp"}`}
	out = ctx.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, out.Relations[0], -1), out)
	if want := (charmtest.Status{Name: "active", Message: "Serving at http://10.1.0.10/test-webapp"}); out.UnitStatus != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(handler("webapp/0"))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/health/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "webapp/0 GET /health/ready\n" {
		t.Errorf("body %q", body)
	}
}
