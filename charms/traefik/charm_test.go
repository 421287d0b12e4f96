package main

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

const (
	relID = 7
	// podAddress is charmtest's default network-get address.
	podAddress = "10.1.0.10"
	hydraFile  = "/opt/traefik/juju/juju_ingress_ingress_7_hydra.yaml"
	wipeDir    = "mkdir -p /opt/traefik/juju && rm -f /opt/traefik/juju/*.yaml"
)

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatalf("loading charmcraft.yaml: %v", err)
	}
	return &charmtest.Context{Charm: traefikCharm{}, Meta: meta, ModelName: "iam"}
}

// container is the traefik container's fake Pebble: the commands the
// charm runs answer as in the Docker image.
func container() charmtest.Container {
	return charmtest.Container{
		Name:       containerName,
		CanConnect: true,
		Execs: []charmtest.Exec{
			{Command: []string{"sh", "-c"}},
			{Command: []string{"rm", "-f"}},
			{Command: []string{"traefik", "version"}, Stdout: "Version:      3.6.12\nCodename:     ramequin\nGo version:   go1.24.11\n"},
		},
	}
}

// running is the container after a successful pebble-ready.
func running(t testing.TB) charmtest.Container {
	t.Helper()
	out := newContext(t).MustRun(t, charmtest.PebbleReadyEvent(containerName), charmtest.State{Leader: true, Containers: []charmtest.Container{container()}})
	c := out.Containers[0]
	c.ExecLog = nil
	return c
}

// hydraV2 is a v2 requirer (JSON values) with the given units (number ->
// host) and extra application keys.
func hydraV2(units map[int]string, app ...string) charmtest.Relation {
	bag := map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": "4444"}
	for i := 0; i < len(app); i += 2 {
		bag[app[i]] = app[i+1]
	}
	r := charmtest.Relation{Endpoint: endpoint, ID: relID, RemoteApp: "hydra", RemoteEndpoint: "public-ingress",
		RemoteAppData: bag, RemoteUnits: map[int]map[string]string{}}
	for n, host := range units {
		r.RemoteUnits[n] = map[string]string{"host": `"` + host + `"`, "ip": `"10.1.0.2` + string(rune('0'+n)) + `"`}
	}
	return r
}

func hydraHost(n int) string {
	return "hydra-" + string(rune('0'+n)) + ".hydra-endpoints.iam.svc.cluster.local"
}

// loginV1 is a legacy v1 requirer: plain strings in the app databag.
func loginV1(id int) charmtest.Relation {
	return charmtest.Relation{Endpoint: endpoint, ID: id, RemoteApp: "login", RemoteEndpoint: "ingress",
		RemoteAppData: map[string]string{"model": "iam", "name": "login", "host": "login-0.login-endpoints.iam.svc.cluster.local", "port": "8080"},
		RemoteUnits:   map[int]map[string]string{0: {}}}
}

func relation(st charmtest.State, id int) charmtest.Relation {
	for _, r := range st.Relations {
		if r.ID == id {
			return r
		}
	}
	return charmtest.Relation{}
}

func file(st charmtest.State, path string) (string, bool) {
	f, ok := st.Containers[0].Files[path]
	return string(f.Content), ok
}

func ran(st charmtest.State, argv ...string) bool {
	return slices.ContainsFunc(st.Containers[0].ExecLog, func(cmd []string) bool { return slices.Equal(cmd, argv) })
}

const hydraPathStrip = `http:
  routers:
    juju-iam-hydra-router:
      rule: PathPrefix(` + "`/iam-hydra`" + `)
      service: juju-iam-hydra-service
      entryPoints:
        - web
      middlewares:
        - juju-sidecar-noprefix-iam-hydra
  services:
    juju-iam-hydra-service:
      loadBalancer:
        servers:
          - url: http://hydra-0.hydra-endpoints.iam.svc.cluster.local:4444
          - url: http://hydra-1.hydra-endpoints.iam.svc.cluster.local:4444
  middlewares:
    juju-sidecar-noprefix-iam-hydra:
      stripPrefix:
        prefixes:
          - /iam-hydra
`

const hydraSubdomain = `http:
  routers:
    juju-iam-hydra-router:
      rule: Host(` + "`iam-hydra.ingress.example.com`" + `)
      service: juju-iam-hydra-service
      entryPoints:
        - web
  services:
    juju-iam-hydra-service:
      loadBalancer:
        servers:
          - url: http://hydra-0.hydra-endpoints.iam.svc.cluster.local:4444
`

const loginV1Path = `http:
  routers:
    juju-iam-login-router:
      rule: PathPrefix(` + "`/iam-login`" + `)
      service: juju-iam-login-service
      entryPoints:
        - web
  services:
    juju-iam-login-service:
      loadBalancer:
        servers:
          - url: http://login-0.login-endpoints.iam.svc.cluster.local:8080
`

// TestReconcile runs one hook per case on a running Traefik and checks
// status, route files and published URLs.
func TestReconcile(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	base := running(t)
	stale := map[string]string{"ingress": `{"url": "http://old/iam-hydra"}`}
	withStale := func(r charmtest.Relation) charmtest.Relation { r.LocalAppData = maps.Clone(stale); return r }

	tests := []struct {
		name     string
		leader   bool
		config   map[string]any
		rels     []charmtest.Relation
		status   charmtest.Status
		files    map[string]string // path -> content; "" means absent
		urls     map[int]string    // relation -> "ingress" value; "" means absent
		removed  bool              // the charm ran rm -f on hydraFile
		logsWant string
	}{
		{
			name:   "path mode, v2 with strip-prefix and two units",
			leader: true,
			rels:   []charmtest.Relation{hydraV2(map[int]string{1: hydraHost(1), 0: hydraHost(0)}, "strip-prefix", "true")},
			status: charmtest.Status{Name: "active", Message: "Serving at http://" + podAddress},
			files:  map[string]string{hydraFile: hydraPathStrip},
			urls:   map[int]string{relID: `{"url": "http://10.1.0.10/iam-hydra"}`},
		},
		{
			name:   "external_hostname is the advertised host",
			leader: true,
			config: map[string]any{"external_hostname": "ingress.example.com"},
			rels:   []charmtest.Relation{hydraV2(map[int]string{0: hydraHost(0)})},
			status: charmtest.Status{Name: "active", Message: "Serving at http://ingress.example.com"},
			urls:   map[int]string{relID: `{"url": "http://ingress.example.com/iam-hydra"}`},
		},
		{
			name:   "subdomain mode: Host rule, no strip-prefix middleware",
			leader: true,
			config: map[string]any{"external_hostname": "ingress.example.com", "routing_mode": "subdomain"},
			rels:   []charmtest.Relation{hydraV2(map[int]string{0: hydraHost(0)}, "strip-prefix", "true")},
			status: charmtest.Status{Name: "active", Message: "Serving at http://ingress.example.com"},
			files:  map[string]string{hydraFile: hydraSubdomain},
			urls:   map[int]string{relID: `{"url": "http://iam-hydra.ingress.example.com/"}`},
		},
		{
			name:   "v1 requirer: one server, YAML URL",
			leader: true,
			rels:   []charmtest.Relation{loginV1(9)},
			status: charmtest.Status{Name: "active", Message: "Serving at http://" + podAddress},
			files:  map[string]string{"/opt/traefik/juju/juju_ingress_ingress_9_login.yaml": loginV1Path},
			urls:   map[int]string{9: "url: http://10.1.0.10/iam-login\n"},
		},
		{
			name:   "v1 and v2 side by side",
			leader: true,
			rels:   []charmtest.Relation{loginV1(9), hydraV2(map[int]string{0: hydraHost(0)})},
			status: charmtest.Status{Name: "active", Message: "Serving at http://" + podAddress},
			urls:   map[int]string{9: "url: http://10.1.0.10/iam-login\n", relID: `{"url": "http://10.1.0.10/iam-hydra"}`},
		},
		{
			name:   "non-leader routes but publishes nothing",
			leader: false,
			rels:   []charmtest.Relation{hydraV2(map[int]string{1: hydraHost(1), 0: hydraHost(0)}, "strip-prefix", "true")},
			status: charmtest.Status{Name: "active", Message: "Serving at http://" + podAddress},
			files:  map[string]string{hydraFile: hydraPathStrip},
			urls:   map[int]string{relID: ""},
		},
		{
			name:   "requirer data not there yet: pending, not an error",
			leader: true,
			rels:   []charmtest.Relation{{Endpoint: endpoint, ID: relID, RemoteApp: "hydra", RemoteUnits: map[int]map[string]string{0: {}}}},
			status: charmtest.Status{Name: "active", Message: "Serving at http://" + podAddress},
			files:  map[string]string{hydraFile: ""},
			urls:   map[int]string{relID: ""},
		},
		{
			name:     "invalid requirer data: blocked, route and URL withdrawn",
			leader:   true,
			rels:     []charmtest.Relation{withStale(hydraV2(map[int]string{0: hydraHost(0)}, "port", `"4444"`))},
			status:   charmtest.Status{Name: "blocked", Message: "setup of some ingress relation failed: ingress:7 (hydra); see logs"},
			files:    map[string]string{hydraFile: ""},
			urls:     map[int]string{relID: ""},
			logsWant: `ingress relation 7 (hydra): key "port"`,
		},
		{
			name:     "a name that would break the router rule",
			leader:   true,
			rels:     []charmtest.Relation{hydraV2(map[int]string{0: hydraHost(0)}, "name", "\"x`) || PathPrefix(`/\"")},
			status:   charmtest.Status{Name: "blocked", Message: "setup of some ingress relation failed: ingress:7 (hydra); see logs"},
			files:    map[string]string{hydraFile: ""},
			logsWant: "do not make a route name",
		},
		{
			name:     "invalid routing_mode: blocked naming the option, everything withdrawn",
			leader:   true,
			config:   map[string]any{"routing_mode": "host"},
			rels:     []charmtest.Relation{withStale(hydraV2(map[int]string{0: hydraHost(0)}))},
			status:   charmtest.Status{Name: "blocked", Message: `invalid routing mode: host; see logs. Set routing_mode to "path" or "subdomain"`},
			urls:     map[int]string{relID: ""},
			logsWant: `"host" is not a valid routing_mode value`,
		},
		{
			name:   "subdomain without external_hostname",
			leader: true,
			config: map[string]any{"routing_mode": "subdomain"},
			rels:   []charmtest.Relation{withStale(hydraV2(map[int]string{0: hydraHost(0)}))},
			status: charmtest.Status{Name: "blocked", Message: `"external_hostname" must be set while using routing mode "subdomain"`},
			urls:   map[int]string{relID: ""},
		},
		{
			name:   "subdomain under an IP address",
			leader: true,
			config: map[string]any{"routing_mode": "subdomain", "external_hostname": "10.0.0.1"},
			status: charmtest.Status{Name: "blocked", Message: `"external_hostname" must be a DNS name, not an IP address, while using routing mode "subdomain"`},
		},
		{
			name:     "external_hostname with a port",
			leader:   true,
			config:   map[string]any{"external_hostname": "ingress.example.com:8080"},
			rels:     []charmtest.Relation{withStale(hydraV2(map[int]string{0: hydraHost(0)}))},
			status:   charmtest.Status{Name: "blocked", Message: "invalid hostname: ingress.example.com:8080; see logs. Set external_hostname to a bare DNS name or IP address"},
			urls:     map[int]string{relID: ""},
			logsWant: "must not include a scheme, port",
		},
		{
			name:   "external_hostname with a scheme",
			leader: true,
			config: map[string]any{"external_hostname": "http://ingress.example.com"},
			status: charmtest.Status{Name: "blocked", Message: "invalid hostname: http://ingress.example.com; see logs. Set external_hostname to a bare DNS name or IP address"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{Leader: tc.leader, Config: tc.config, Relations: tc.rels, Containers: []charmtest.Container{base}}
			out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
			if out.Err != nil {
				t.Fatalf("hook failed: %v", out.Err)
			}
			st := out.State
			if st.UnitStatus != tc.status {
				t.Errorf("status = %+v\nwant %+v", st.UnitStatus, tc.status)
			}
			for path, want := range tc.files {
				got, ok := file(st, path)
				if want == "" && ok {
					t.Errorf("%s written:\n%s", path, got)
				}
				if want != "" && got != want {
					t.Errorf("%s =\n%s\nwant\n%s", path, got, want)
				}
			}
			for id, want := range tc.urls {
				if got := relation(st, id).LocalAppData["ingress"]; got != want {
					t.Errorf("relation %d ingress = %q, want %q", id, got, want)
				}
			}
			if tc.logsWant != "" && !slices.ContainsFunc(out.Logs, func(l string) bool { return strings.Contains(l, tc.logsWant) }) {
				t.Errorf("no log line with %q in %q", tc.logsWant, out.Logs)
			}
			if svc := st.Containers[0].Services[serviceName]; svc != "active" {
				t.Errorf("traefik service is %q", svc)
			}
		})
	}
}

// TestPebbleReady: a fresh container gets an emptied route directory, the
// static configuration, the layer with its ping check, a running Traefik
// and the workload version.
func TestPebbleReady(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	in := charmtest.State{Leader: true, Containers: []charmtest.Container{container()},
		Relations: []charmtest.Relation{hydraV2(map[int]string{0: hydraHost(0)})}}
	out := ctx.MustRun(t, charmtest.PebbleReadyEvent(containerName), in)
	ctr := out.Containers[0]
	if !ran(out, "sh", "-c", wipeDir) {
		t.Errorf("the route directory was not emptied: %q", ctr.ExecLog)
	}
	if i := slices.IndexFunc(ctr.ExecLog, func(c []string) bool { return c[0] == "sh" }); i != 0 {
		t.Errorf("the wipe is not the first command: %q", ctr.ExecLog)
	}
	static, _ := file(out, staticConfigPath)
	for _, want := range []string{
		"directory: /opt/traefik/juju", "watch: true", "address: :80", "address: :443", "address: :8082",
		"readTimeout: 0s", "entryPoint: diagnostics", "checkNewVersion: false", "noColor: true",
	} {
		if !strings.Contains(static, want) {
			t.Errorf("static config lacks %q:\n%s", want, static)
		}
	}
	if _, ok := file(out, hydraFile); !ok {
		t.Error("no route file for hydra")
	}
	layer := ctr.Layers[layerLabel]
	for _, want := range []string{"command: traefik --configFile=/etc/traefik/traefik.yaml", "url: http://localhost:8082/ping", "level: ready"} {
		if !strings.Contains(layer, want) {
			t.Errorf("layer lacks %q:\n%s", want, layer)
		}
	}
	if ctr.Services[serviceName] != "active" {
		t.Errorf("traefik is %q", ctr.Services[serviceName])
	}
	if out.WorkloadVersion != "3.6.12" {
		t.Errorf("workload version %q", out.WorkloadVersion)
	}
	if want := (charmtest.Status{Name: "active", Message: "Serving at http://10.1.0.10"}); out.UnitStatus != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
	if got := relation(out, relID).LocalAppData["ingress"]; got != `{"url": "http://10.1.0.10/iam-hydra"}` {
		t.Errorf("URL %q", got)
	}

	// The next hook changes nothing: no wipe, no restart, no version exec.
	again := ctx.Run(t, charmtest.Hook(charm.UpdateStatus), out)
	if again.Err != nil {
		t.Fatal(again.Err)
	}
	if log := again.State.Containers[0].ExecLog; len(log) != len(ctr.ExecLog) {
		t.Errorf("update-status ran commands: %q", log[len(ctr.ExecLog):])
	}
	if slices.ContainsFunc(again.Logs, func(l string) bool { return strings.Contains(l, "restarting") }) {
		t.Errorf("update-status restarted traefik: %q", again.Logs)
	}
}

// TestWaiting: without Pebble, or with Traefik down, the unit waits with
// the reference's words; a relation that cannot be served still loses its
// URL, one that can keeps it.
func TestWaiting(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	served := hydraV2(map[int]string{0: hydraHost(0)})
	served.LocalAppData = map[string]string{"ingress": `{"url": "http://10.1.0.10/iam-hydra"}`}
	bad := loginV1(9)
	bad.RemoteAppData["port"] = "eighty"
	bad.LocalAppData = map[string]string{"ingress": "url: http://10.1.0.10/iam-login\n"}
	down := container()
	down.CanConnect = false
	out := ctx.MustRun(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true,
		Relations: []charmtest.Relation{served, bad}, Containers: []charmtest.Container{down}})
	if want := (charmtest.Status{Name: "waiting", Message: "waiting for service: 'traefik'"}); out.UnitStatus != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
	if got := relation(out, relID).LocalAppData["ingress"]; got == "" {
		t.Error("the served relation lost its URL while Pebble was away")
	}
	if got := relation(out, 9).LocalAppData["ingress"]; got != "" {
		t.Errorf("the unservable relation kept its URL %q", got)
	}

	// The ping check failing.
	ctr := running(t)
	ctr.Checks = map[string]charmtest.Check{pingCheck: {Level: "ready", Status: "down", Failures: 3, Threshold: 3}}
	out = ctx.MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: true, Containers: []charmtest.Container{ctr}})
	if want := (charmtest.Status{Name: "waiting", Message: "waiting for service: 'traefik' (ping check failing)"}); out.UnitStatus != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
}

// TestRelationBroken: the broken relation's file goes, the others stay.
func TestRelationBroken(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	hydra := hydraV2(map[int]string{0: hydraHost(0)}, "strip-prefix", "true")
	in := charmtest.State{Leader: true, Relations: []charmtest.Relation{hydra, loginV1(9)}, Containers: []charmtest.Container{running(t)}}
	st := ctx.MustRun(t, charmtest.Hook(charm.ConfigChanged), in)
	if _, ok := file(st, hydraFile); !ok {
		t.Fatal("no route file for hydra")
	}
	st.Containers[0].ExecLog = nil
	// Juju runs relation-broken once every remote unit has departed.
	st.Relations[0].RemoteUnits = map[int]map[string]string{}
	out := ctx.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, st.Relations[0], -1), st)
	if !ran(out, "rm", "-f", hydraFile) {
		t.Errorf("hydra's route file was not removed: %q", out.Containers[0].ExecLog)
	}
	if len(out.Containers[0].ExecLog) != 1 {
		t.Errorf("commands run: %q", out.Containers[0].ExecLog)
	}
	if want := (charmtest.Status{Name: "active", Message: "Serving at http://10.1.0.10"}); out.UnitStatus != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
	// The file is gone only in a real container; the fake keeps it, so
	// the next hook (without the relation) must not try again wrongly.
	out.Relations = slices.DeleteFunc(out.Relations, func(r charmtest.Relation) bool { return r.ID == relID })
	delete(out.Containers[0].Files, hydraFile)
	again := ctx.MustRun(t, charmtest.Hook(charm.UpdateStatus), out)
	if n := len(again.Containers[0].ExecLog); n != 1 {
		t.Errorf("update-status after the break ran commands: %q", again.Containers[0].ExecLog)
	}
}

// TestUnitsComeAndGo: servers follow the requirer's units; a departing
// unit's server is dropped in relation-departed.
func TestUnitsComeAndGo(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	rel := hydraV2(map[int]string{0: hydraHost(0), 1: hydraHost(1), 2: hydraHost(2)})
	st := ctx.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rel, 2),
		charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}, Containers: []charmtest.Container{running(t)}})
	got, _ := file(st, hydraFile)
	for n := range 3 {
		if !strings.Contains(got, "url: http://"+hydraHost(n)+":4444") {
			t.Errorf("no server for unit %d:\n%s", n, got)
		}
	}
	delete(st.Relations[0].RemoteUnits, 1)
	ev := charmtest.RelationEvent(charm.RelationDeparted, st.Relations[0], 1)
	ev.DepartingUnit = "hydra/1"
	st = ctx.MustRun(t, ev, st)
	got, _ = file(st, hydraFile)
	if strings.Contains(got, hydraHost(1)) || !strings.Contains(got, hydraHost(2)) {
		t.Errorf("after hydra/1 departed:\n%s", got)
	}
}

// TestStaticConfigRestart: Traefik restarts only when its static
// configuration changes (an upgrade, or a file edited by hand).
func TestStaticConfigRestart(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	ctr := running(t)
	ctr.Files = maps.Clone(ctr.Files)
	ctr.Files[staticConfigPath] = charmtest.File{Content: []byte("log: {level: DEBUG}\n")}
	res := ctx.Run(t, charmtest.Hook(charm.UpgradeCharm), charmtest.State{Leader: true, Containers: []charmtest.Container{ctr}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.State
	if !slices.ContainsFunc(res.Logs, func(l string) bool { return strings.Contains(l, "restarting traefik") }) {
		t.Errorf("no restart: %q", res.Logs)
	}
	if got, _ := file(out, staticConfigPath); strings.Contains(got, "DEBUG") {
		t.Error("the static configuration was not rewritten")
	}
	if ran(out, "sh", "-c", wipeDir) {
		t.Error("a running Traefik's routes were wiped")
	}
}

// TestDuplicateRoute: one application related twice asks for the same
// route; the older relation keeps it.
func TestDuplicateRoute(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	first := hydraV2(map[int]string{0: hydraHost(0)})
	second := hydraV2(map[int]string{0: hydraHost(0)})
	second.ID, second.RemoteEndpoint = 12, "admin-ingress"
	out := ctx.MustRun(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true,
		Relations: []charmtest.Relation{second, first}, Containers: []charmtest.Container{running(t)}})
	if want := "setup of some ingress relation failed: ingress:12 (hydra); see logs"; out.UnitStatus.Message != want {
		t.Errorf("status %+v", out.UnitStatus)
	}
	if relation(out, relID).LocalAppData["ingress"] == "" || relation(out, 12).LocalAppData["ingress"] != "" {
		t.Errorf("URLs: %v / %v", relation(out, relID).LocalAppData, relation(out, 12).LocalAppData)
	}
}

// TestUpstreamOptions: scheme, redirect-https and healthcheck_params
// reach Traefik as the reference charm renders them.
func TestUpstreamOptions(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	rel := hydraV2(map[int]string{0: hydraHost(0)}, "scheme", `"https"`, "redirect-https", "true",
		"healthcheck_params", `{"path": "/health/ready", "interval": "10s"}`)
	out := ctx.MustRun(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true,
		Relations: []charmtest.Relation{rel}, Containers: []charmtest.Container{running(t)}})
	got, _ := file(out, hydraFile)
	for _, want := range []string{
		"- url: https://" + hydraHost(0) + ":4444",
		"serversTransport: reverseTerminationTransport",
		"reverseTerminationTransport:\n      insecureSkipVerify: false",
		"juju-sidecar-redir-https-iam-hydra:\n      redirectScheme:\n        scheme: https\n        port: \"443\"\n        permanent: true",
		"healthCheck:\n          path: /health/ready\n          interval: 10s\n          timeout: 5s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("route lacks %q:\n%s", want, got)
		}
	}
}

// TestShowProxiedEndpoints: the reference's JSON, on any unit.
func TestShowProxiedEndpoints(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	rels := []charmtest.Relation{loginV1(9), hydraV2(map[int]string{0: hydraHost(0)})}
	for _, tc := range []struct {
		name   string
		ctr    charmtest.Container
		config map[string]any
		want   string
	}{
		{"serving", running(t), nil,
			`{"traefik-k8s": {"url": "http://10.1.0.10"}, "hydra": {"url": "http://10.1.0.10/iam-hydra"}, "login": {"url": "http://10.1.0.10/iam-login"}}`},
		{"subdomain", running(t), map[string]any{"routing_mode": "subdomain", "external_hostname": "example.com"},
			`{"traefik-k8s": {"url": "http://example.com"}, "hydra": {"url": "http://iam-hydra.example.com/"}, "login": {"url": "http://iam-login.example.com/"}}`},
		{"not running", container(), nil, `{}`},
		{"blocked", running(t), map[string]any{"routing_mode": "x"}, `{}`},
	} {
		out := ctx.RunAction(t, "show-proxied-endpoints", nil, charmtest.State{Leader: false, Config: tc.config,
			Relations: rels, Containers: []charmtest.Container{tc.ctr}})
		if out.Err != nil || out.ActionFailed {
			t.Fatalf("%s: %v %s", tc.name, out.Err, out.ActionMessage)
		}
		if got := out.ActionResults["proxied-endpoints"]; got != tc.want {
			t.Errorf("%s: proxied-endpoints =\n%v\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

// FuzzConfig: no option value may fail a hook or panic; a blocked unit
// publishes no URL; an active one publishes URLs the requirer library
// accepts.
func FuzzConfig(f *testing.F) {
	for _, seed := range [][2]string{
		{"", "path"}, {"ingress.example.com", "subdomain"}, {"10.0.0.1", "subdomain"}, {"a:80", "path"},
		{"Upper.example.com", "path"}, {"::1", "path"}, {"x`y", "subdomain"}, {"1.2.3.999", "path"}, {"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	ctx := newContext(f)
	ctr := running(f)
	rel := hydraV2(map[int]string{0: hydraHost(0)}, "strip-prefix", "true")
	f.Fuzz(func(t *testing.T, host, mode string) {
		in := charmtest.State{Leader: true, Config: map[string]any{"external_hostname": host, "routing_mode": mode},
			Relations: []charmtest.Relation{rel}, Containers: []charmtest.Container{ctr}}
		out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
		if out.Err != nil {
			t.Fatalf("hook failed: %v", out.Err)
		}
		url := relation(out.State, relID).LocalAppData["ingress"]
		switch out.State.UnitStatus.Name {
		case "blocked":
			if url != "" {
				t.Fatalf("blocked (%s) but published %q", out.State.UnitStatus.Message, url)
			}
		case "active":
			if url == "" {
				t.Fatal("active but no URL")
			}
		default:
			t.Fatalf("status %+v", out.State.UnitStatus)
		}
		if strings.ContainsAny(out.State.UnitStatus.Message, "\n\r") {
			t.Fatalf("multi-line status %q", out.State.UnitStatus.Message)
		}
	})
}

// BenchmarkDispatchUpdateStatus is the steady state: Traefik running, two
// relations served, nothing to change.
func BenchmarkDispatchUpdateStatus(b *testing.B) {
	ctx := newContext(b)
	st := ctx.MustRun(b, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true,
		Relations:  []charmtest.Relation{hydraV2(map[int]string{0: hydraHost(0), 1: hydraHost(1)}, "strip-prefix", "true"), loginV1(9)},
		Containers: []charmtest.Container{running(b)}})
	ev := charmtest.Hook(charm.UpdateStatus)
	b.ReportAllocs()
	for b.Loop() {
		if out := ctx.Run(b, ev, st); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}
