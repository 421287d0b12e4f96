package ingress

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

const providerYAML = `
name: traefik
type: charm
summary: test provider
description: test provider
provides:
  ingress:
    interface: ingress
`

const requirerYAML = `
name: hydra
type: charm
summary: test requirer
description: test requirer
requires:
  public-ingress:
    interface: ingress
    limit: 1
`

const gateway = "http://10.64.140.43"

// traefik publishes <gateway>/<model>-<name> for every ready request and
// clears the URL of the others, as Traefik's charm does; its status lists
// what it serves, so that tests can see what Requests returned.
type traefik struct{}

func (traefik) Reconcile(c *charm.Context) error {
	reqs, err := Requests(c, DefaultEndpoint)
	if err != nil {
		return err
	}
	var lines []string
	for _, r := range reqs {
		if r.Err != nil {
			lines = append(lines, fmt.Sprintf("%s v%d: %v", r.RemoteApp, r.Version, r.Err))
			if err := ClearURL(c, r.RelationID); err != nil {
				return err
			}
			continue
		}
		hosts := make([]string, len(r.Units))
		for i, u := range r.Units {
			hosts[i] = u.Host + "=" + u.IP
		}
		lines = append(lines, fmt.Sprintf("%s v%d %s://:%d %s", r.RemoteApp, r.Version, r.App.Scheme, r.App.Port, strings.Join(hosts, ",")))
		url := gateway + "/" + r.App.Model + "-" + strings.ReplaceAll(r.App.Name, "/", "-")
		if err := PublishURL(c, r.RelationID, r.Version, url); err != nil {
			return err
		}
	}
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusActive, Message: strings.Join(lines, "; ")}, false)
}

// hydra asks for ingress of its public port and reports its URL.
type hydra struct{ req Request }

func (h hydra) Reconcile(c *charm.Context) error {
	if err := PublishRequest(c, PublicEndpoint, h.req); err != nil {
		return err
	}
	url, ok, err := URL(c, PublicEndpoint)
	if err != nil {
		return err
	}
	st := hooktool.Status{Name: hooktool.StatusWaiting, Message: "waiting for ingress"}
	if ok {
		st = hooktool.Status{Name: hooktool.StatusActive, Message: "Serving at " + url}
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

func harness(t *testing.T, ch charm.Charm, yaml string, unit int) *charmtest.Context {
	t.Helper()
	h := charmtest.New(t, ch, yaml)
	h.UnitNumber, h.ModelName = unit, "iam"
	return h
}

func run(t *testing.T, h *charmtest.Context, kind charm.Kind, rel charmtest.Relation, unit int, in charmtest.State) charmtest.State {
	t.Helper()
	return h.MustRun(t, charmtest.RelationEvent(kind, rel, unit), in)
}

func wantStatus(t *testing.T, who string, st charmtest.State, want charmtest.Status) {
	t.Helper()
	if st.UnitStatus != want {
		t.Errorf("%s status = %+v\nwant %+v", who, st.UnitStatus, want)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 7
	req := Request{Port: 4444, StripPrefix: true}
	hydra0 := harness(t, hydra{req}, requirerYAML, 0)
	hydra1 := harness(t, hydra{req}, requirerYAML, 1)
	trfk := harness(t, traefik{}, providerYAML, 0)

	reqRel := charmtest.Relation{Endpoint: PublicEndpoint, ID: relID, RemoteApp: "traefik", RemoteEndpoint: DefaultEndpoint,
		RemoteUnits: map[int]map[string]string{0: {}}}
	provRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "hydra", RemoteEndpoint: PublicEndpoint}
	h0 := charmtest.State{Leader: true, Relations: []charmtest.Relation{reqRel},
		OpenedPorts: []charmtest.Port{{Protocol: "tcp", From: 4444, To: 4444}}, Address: "10.1.157.92"}
	h1 := charmtest.State{Relations: []charmtest.Relation{reqRel}, Address: "10.1.157.93"}
	tr := charmtest.State{Leader: true, Relations: []charmtest.Relation{provRel}}

	// The provider publishes nothing on created or joined (interface tests).
	tr = run(t, trfk, charm.RelationCreated, provRel, -1, tr)
	if d := tr.Relations[0].LocalAppData; len(d) != 0 {
		t.Fatalf("provider published on created: %v", d)
	}
	provRel.RemoteUnits = map[int]map[string]string{0: {}, 1: {}}
	tr.Relations[0].RemoteUnits = provRel.RemoteUnits
	tr = run(t, trfk, charm.RelationJoined, provRel, 0, tr)
	if d := tr.Relations[0].LocalAppData; len(d) != 0 {
		t.Fatalf("provider published on joined: %v", d)
	}

	// The requirer's leader writes the application databag and its unit
	// databag; the other unit only its own.
	h0 = run(t, hydra0, charm.RelationJoined, reqRel, 0, h0)
	wantApp := map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "strip-prefix": `true`, "is_port_open": `true`}
	if got := h0.Relations[0].LocalAppData; !maps.Equal(got, wantApp) {
		t.Errorf("leader app databag = %v\nwant %v", got, wantApp)
	}
	wantUnit0 := map[string]string{"host": `"hydra-0.hydra-endpoints.iam.svc.cluster.local"`, "ip": `"10.1.157.92"`}
	if got := h0.Relations[0].LocalUnitData; !maps.Equal(got, wantUnit0) {
		t.Errorf("unit 0 databag = %v\nwant %v", got, wantUnit0)
	}
	wantStatus(t, "hydra/0", h0, charmtest.Status{Name: "waiting", Message: "waiting for ingress"})
	h1 = run(t, hydra1, charm.RelationJoined, reqRel, 0, h1)
	if got := h1.Relations[0].LocalAppData; len(got) != 0 {
		t.Errorf("non-leader wrote the app databag: %v", got)
	}
	wantUnit1 := map[string]string{"host": `"hydra-1.hydra-endpoints.iam.svc.cluster.local"`, "ip": `"10.1.157.93"`}
	if got := h1.Relations[0].LocalUnitData; !maps.Equal(got, wantUnit1) {
		t.Errorf("unit 1 databag = %v\nwant %v", got, wantUnit1)
	}

	// Only the leader's data has arrived: hydra/1 has joined without a
	// host, so the relation is not ready and nothing is published.
	tr = charmtest.Across(h0, 0, relID, tr)
	tr = run(t, trfk, charm.RelationChanged, provRel, 0, tr)
	if d := tr.Relations[0].LocalAppData; len(d) != 0 {
		t.Fatalf("provider published with a unit missing its host: %v", d)
	}
	wantStatus(t, "traefik", tr, charmtest.Status{Name: "active", Message: `hydra v2: unit hydra/1: key "host": missing`})

	// Both units' data (hydra/1 first: Across copies the app databag too,
	// and only the leader's holds it): ready, the URL is published.
	tr = charmtest.Across(h1, 1, relID, tr)
	tr = charmtest.Across(h0, 0, relID, tr)
	tr = run(t, trfk, charm.RelationChanged, provRel, 1, tr)
	wantURL := map[string]string{"ingress": `{"url": "http://10.64.140.43/iam-hydra"}`}
	if got := tr.Relations[0].LocalAppData; !maps.Equal(got, wantURL) {
		t.Fatalf("provider app databag = %v\nwant %v", got, wantURL)
	}
	if d := tr.Relations[0].LocalUnitData; len(d) != 0 {
		t.Errorf("provider wrote its unit databag: %v", d)
	}
	wantStatus(t, "traefik", tr, charmtest.Status{Name: "active",
		Message: "hydra v2 http://:4444 hydra-0.hydra-endpoints.iam.svc.cluster.local=10.1.157.92,hydra-1.hydra-endpoints.iam.svc.cluster.local=10.1.157.93"})

	// The URL reaches both requirer units.
	h0 = charmtest.Across(tr, 0, relID, h0)
	h0 = run(t, hydra0, charm.RelationChanged, reqRel, -1, h0)
	wantStatus(t, "hydra/0", h0, charmtest.Status{Name: "active", Message: "Serving at http://10.64.140.43/iam-hydra"})
	h1 = charmtest.Across(tr, 0, relID, h1)
	h1 = run(t, hydra1, charm.RelationChanged, reqRel, -1, h1)
	wantStatus(t, "hydra/1", h1, charmtest.Status{Name: "active", Message: "Serving at http://10.64.140.43/iam-hydra"})
	if got := h0.Relations[0].LocalAppData; !maps.Equal(got, wantApp) {
		t.Errorf("republishing changed the app databag: %v", got)
	}

	// A unit's data going bad makes the relation not ready: the URL is
	// withdrawn while the relation lives.
	bad := tr.Relations[0].RemoteUnits[1]
	tr.Relations[0].RemoteUnits[1] = map[string]string{"host": "not json"}
	tr2 := run(t, trfk, charm.RelationChanged, provRel, 1, tr)
	if d := tr2.Relations[0].LocalAppData; len(d) != 0 {
		t.Errorf("provider kept the URL for invalid data: %v", d)
	}
	tr.Relations[0].RemoteUnits[1] = bad

	// relation-broken: the relation leaves Requests and the requirer's
	// URL; the provider writes nothing (Juju drops the databags with the
	// relation).
	tr = run(t, trfk, charm.RelationBroken, provRel, -1, tr)
	if got := tr.Relations[0].LocalAppData; !maps.Equal(got, wantURL) {
		t.Errorf("provider wrote to the broken relation: %v", got)
	}
	wantStatus(t, "traefik", tr, charmtest.Status{Name: "active", Message: ""})
	h0 = run(t, hydra0, charm.RelationBroken, reqRel, -1, h0)
	wantStatus(t, "hydra/0", h0, charmtest.Status{Name: "waiting", Message: "waiting for ingress"})
}

func TestProviderV1(t *testing.T) {
	t.Parallel()
	const relID = 3
	trfk := harness(t, traefik{}, providerYAML, 0)
	v1, err := EncodeRequirerAppV1(RequirerAppV1{Model: "iam", Name: "legacy", Host: "legacy-0.legacy-endpoints.iam.svc.cluster.local", Port: 8080})
	if err != nil {
		t.Fatal(err)
	}
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "legacy",
		RemoteAppData: v1, RemoteUnits: map[int]map[string]string{0: {}}}
	out := run(t, trfk, charm.RelationChanged, rel, 0, charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
	want := map[string]string{"ingress": "url: http://10.64.140.43/iam-legacy\n"}
	if got := out.Relations[0].LocalAppData; !maps.Equal(got, want) {
		t.Errorf("v1 answer = %q, want %q", got, want)
	}
	wantStatus(t, "traefik", out, charmtest.Status{Name: "active", Message: "legacy v1 http://:8080 legacy-0.legacy-endpoints.iam.svc.cluster.local="})
}

// TestProviderInterfaceTests replays charm-relation-interfaces'
// interfaces/ingress/v{1,2}/interface_tests/test_provider.py.
func TestProviderInterfaceTests(t *testing.T) {
	t.Parallel()
	trfk := harness(t, traefik{}, providerYAML, 0)
	tests := []struct {
		name    string
		kind    charm.Kind
		app     map[string]string
		units   map[int]map[string]string
		version int // of the expected answer; 0: nothing published
	}{
		{"created: nothing", charm.RelationCreated, nil, nil, 0},
		{"joined: nothing", charm.RelationJoined, nil, map[int]map[string]string{0: {}}, 0},
		{"v2 valid", charm.RelationChanged, map[string]string{"model": `"bar"`, "port": `42`, "name": `"remote"`},
			map[int]map[string]string{0: {"host": `"0.0.0.42"`}}, V2},
		{"v2 invalid JSON", charm.RelationChanged, map[string]string{"model": "bar", "port": "42", "name": "true"},
			map[int]map[string]string{0: {"host": "0.0.0.42"}}, 0},
		{"v2 unit without host", charm.RelationChanged, map[string]string{"model": `"bar"`, "port": `42`, "name": `"true"`},
			map[int]map[string]string{0: {"bubble": "blabla"}}, 0},
		{"v1 valid (Scenario's default unit databag is empty, so v2 fails and v1 answers)", charm.RelationChanged,
			map[string]string{"host": `"0.0.0.42"`, "model": `"bar"`, "name": `"remote/0"`, "port": "42"},
			map[int]map[string]string{0: {}}, V1},
		{"v1 invalid", charm.RelationChanged, map[string]string{"host": "0.0.0.42", "bubble": "10", "rubble": "foo"},
			map[int]map[string]string{0: {}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "remote", RemoteAppData: tt.app, RemoteUnits: tt.units}
			unit := -1
			if tt.kind == charm.RelationJoined {
				unit = 0
			}
			out := run(t, trfk, tt.kind, rel, unit, charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
			bag := out.Relations[0].LocalAppData
			switch tt.version {
			case 0:
				if len(bag) != 0 || len(out.Relations[0].LocalUnitData) != 0 {
					t.Errorf("published %v", bag)
				}
			case V2:
				if _, err := DecodeProviderApp(bag); err != nil {
					t.Errorf("v2 answer %v: %v", bag, err)
				}
			case V1:
				// The v1 schema reads the value with yaml.safe_load.
				if _, err := DecodeProviderAppV1(bag); err != nil {
					t.Errorf("v1 answer %v: %v", bag, err)
				}
				if _, err := DecodeProviderApp(bag); err == nil {
					t.Errorf("v1 answer %v reads as v2", bag)
				}
			}
		})
	}
}

func TestPublishRequest(t *testing.T) {
	t.Parallel()
	const relID = 2
	stale := map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "scheme": `"https"`,
		"strip-prefix": `true`, "host": "old-v1-host", "someone-else": "kept"}
	rel := charmtest.Relation{Endpoint: PublicEndpoint, ID: relID, RemoteApp: "traefik",
		LocalAppData: stale, LocalUnitData: map[string]string{"host": `"old"`, "ip": `"10.0.0.1"`, "ingress-address": "10.1.0.10"},
		RemoteUnits: map[int]map[string]string{0: {}}}

	t.Run("leader: stale keys deleted, others kept, overrides used", func(t *testing.T) {
		t.Parallel()
		h := harness(t, hydra{Request{Port: 4444, Host: "hydra.example", IP: "fd00::5"}}, requirerYAML, 0)
		out := run(t, h, charm.RelationChanged, rel, 0, charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
		wantApp := map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "someone-else": "kept"}
		if got := out.Relations[0].LocalAppData; !maps.Equal(got, wantApp) {
			t.Errorf("app databag = %v\nwant %v", got, wantApp)
		}
		wantUnit := map[string]string{"host": `"hydra.example"`, "ip": `"fd00::5"`, "ingress-address": "10.1.0.10"}
		if got := out.Relations[0].LocalUnitData; !maps.Equal(got, wantUnit) {
			t.Errorf("unit databag = %v\nwant %v", got, wantUnit)
		}
	})
	t.Run("non-leader leaves the app databag alone", func(t *testing.T) {
		t.Parallel()
		h := harness(t, hydra{Request{Port: 4444}}, requirerYAML, 3)
		out := run(t, h, charm.RelationChanged, rel, 0, charmtest.State{Relations: []charmtest.Relation{rel}})
		if got := out.Relations[0].LocalAppData; !maps.Equal(got, stale) {
			t.Errorf("app databag = %v", got)
		}
		if got := out.Relations[0].LocalUnitData["host"]; got != `"hydra-3.hydra-endpoints.iam.svc.cluster.local"` {
			t.Errorf("host = %s", got)
		}
	})
	t.Run("an invalid request fails the hook and writes nothing", func(t *testing.T) {
		t.Parallel()
		for _, r := range []Request{{Port: 0}, {Port: 80, Scheme: "ftp"}, {Port: 80, IP: "nope"}} {
			h := harness(t, hydra{r}, requirerYAML, 0)
			out := h.Run(t, charmtest.RelationEvent(charm.RelationChanged, rel, 0), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
			var ke *databag.KeyError
			if !errors.As(out.Err, &ke) {
				t.Errorf("%+v: err = %v, want a KeyError", r, out.Err)
			}
			if got := out.State.Relations[0].LocalAppData; !maps.Equal(got, stale) {
				t.Errorf("%+v: app databag changed: %v", r, got)
			}
		}
	})
	t.Run("is_port_open as ops reads opened-ports", func(t *testing.T) {
		t.Parallel()
		h := harness(t, hydra{Request{Port: 4444}}, requirerYAML, 0)
		for _, tt := range []struct {
			ports []charmtest.Port
			want  bool
		}{
			{nil, false},
			{[]charmtest.Port{{Protocol: "udp", From: 4444, To: 4444}}, true},  // any protocol
			{[]charmtest.Port{{Protocol: "tcp", From: 4444, To: 4450}}, true},  // a range reads as its first port
			{[]charmtest.Port{{Protocol: "tcp", From: 4440, To: 4450}}, false}, // …and only that one
			{[]charmtest.Port{{Protocol: "icmp"}, {Protocol: "tcp", From: 80, To: 80}}, false},
		} {
			st := charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}, OpenedPorts: tt.ports}
			out := run(t, h, charm.RelationChanged, rel, 0, st)
			if got := out.Relations[0].LocalAppData[KeyIsPortOpen] == "true"; got != tt.want {
				t.Errorf("ports %+v: is_port_open = %v, want %v", tt.ports, got, tt.want)
			}
		}
	})
	t.Run("no relation: nothing to do", func(t *testing.T) {
		t.Parallel()
		h := harness(t, hydra{Request{Port: 4444}}, requirerYAML, 0)
		out := h.Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true})
		if out.Err != nil {
			t.Fatal(out.Err)
		}
		wantStatus(t, "hydra", out.State, charmtest.Status{Name: "waiting", Message: "waiting for ingress"})
	})
}

func TestPublishURLLeadership(t *testing.T) {
	t.Parallel()
	app, _ := EncodeRequirerApp(RequirerApp{Model: "iam", Name: "hydra", Port: 4444})
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 5, RemoteApp: "hydra", RemoteAppData: app,
		RemoteUnits: map[int]map[string]string{0: {"host": `"h"`}}}
	trfk := harness(t, traefik{}, providerYAML, 1)
	out := run(t, trfk, charm.RelationChanged, rel, 0, charmtest.State{Relations: []charmtest.Relation{rel}})
	if d := out.Relations[0].LocalAppData; len(d) != 0 {
		t.Errorf("non-leader published %v", d)
	}
	// Requests still works on a non-leader (Traefik's units all route).
	wantStatus(t, "traefik/1", out, charmtest.Status{Name: "active", Message: "hydra v2 http://:4444 h="})
}

// urlCharm publishes a fixed URL, to check PublishURL's refusal.
type urlCharm struct{ url string }

func (u urlCharm) Reconcile(c *charm.Context) error {
	return PublishURL(c, 5, V2, u.url)
}

func TestPublishURLInvalid(t *testing.T) {
	t.Parallel()
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 5, RemoteApp: "hydra",
		LocalAppData: map[string]string{"ingress": `{"url": "http://old/"}`}, RemoteUnits: map[int]map[string]string{0: {}}}
	h := harness(t, urlCharm{"not a url"}, providerYAML, 0)
	out := h.Run(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
	var ke *databag.KeyError
	if !errors.As(out.Err, &ke) || ke.Key != KeyIngress {
		t.Errorf("err = %v, want a KeyError on ingress", out.Err)
	}
	h = harness(t, urlCharm{"http://new"}, providerYAML, 0)
	out = h.Run(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
	if got := out.State.Relations[0].LocalAppData["ingress"]; out.Err != nil || got != `{"url": "http://new/"}` {
		t.Errorf("ingress = %s, %v", got, out.Err)
	}
}
