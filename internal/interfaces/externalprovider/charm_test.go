package externalprovider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const integratorYAML = `
name: integrator
type: charm
summary: test provider
description: test provider
provides:
  kratos-external-idp:
    interface: external_provider
`

const kratosYAML = `
name: kratos
type: charm
summary: test requirer
description: test requirer
requires:
  kratos-external-idp:
    interface: external_provider
`

// integrator publishes one provider and reports the redirect URI Kratos
// registered for it.
type integrator struct{ provider Provider }

func (p integrator) Reconcile(c *charm.Context) error {
	if err := PublishProviders(c, DefaultEndpoint, []Provider{p.provider}); err != nil {
		return err
	}
	remotes, err := Registrations(c, DefaultEndpoint)
	if err != nil {
		return err
	}
	st := hooktool.Status{Name: hooktool.StatusWaiting, Message: "no redirect URI"}
	for _, r := range remotes {
		for _, reg := range r.Items {
			if reg.ProviderID == p.provider.ID {
				st = hooktool.Status{Name: hooktool.StatusActive, Message: reg.RedirectURI}
			}
		}
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

// kratos registers every provider it is given and lists them in its status.
type kratos struct{}

func (kratos) Reconcile(c *charm.Context) error {
	remotes, err := Providers(c, DefaultEndpoint)
	if err != nil {
		return err
	}
	var names []string
	for _, r := range remotes {
		if r.Err != nil {
			return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusBlocked, Message: r.Err.Error()}, false)
		}
		var regs []Registration
		for _, p := range r.Items {
			names = append(names, p.ID)
			regs = append(regs, Registration{ProviderID: p.ID, RedirectURI: RedirectURI("https://iam.example.com/kratos", p.ID)})
		}
		if err := PublishRegistrations(c, DefaultEndpoint, r.RelationID, regs); err != nil {
			return err
		}
	}
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusActive, Message: fmt.Sprintf("providers: %s", strings.Join(names, ","))}, false)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 3
	google := Provider{Type: "google", ClientID: "cid", ClientSecret: "s3cret", Scope: []string{"profile", "email"}, ID: "google"}
	prov := charmtest.New(t, integrator{google}, integratorYAML)
	req := charmtest.New(t, kratos{}, kratosYAML)

	p := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "kratos", RemoteUnits: map[int]map[string]string{0: {}}}}}
	r := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "integrator", RemoteUnits: map[int]map[string]string{0: {}}}}}

	out := prov.Run(t, charmtest.RelationEvent(charm.RelationCreated, p.Relations[0], -1), p)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	p = out.State
	want, _ := EncodeProviders([]Provider{google})
	if got := p.Relations[0].LocalAppData[DataKey]; got != want {
		t.Fatalf("provider wrote %s, want %s", got, want)
	}
	if p.UnitStatus.Name != "waiting" {
		t.Errorf("provider status = %+v", p.UnitStatus)
	}

	r = charmtest.Across(p, 0, relID, r)
	out = req.Run(t, charmtest.RelationEvent(charm.RelationChanged, r.Relations[0], 0), r)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	r = out.State
	if r.UnitStatus.Message != "providers: google" {
		t.Errorf("requirer status = %+v", r.UnitStatus)
	}
	if got := r.Relations[0].LocalAppData[DataKey]; got != `[{"provider_id":"google","redirect_uri":"https://iam.example.com/kratos/self-service/methods/oidc/callback/google"}]` {
		t.Errorf("requirer wrote %s", got)
	}

	p = charmtest.Across(r, 0, relID, p)
	out = prov.Run(t, charmtest.RelationEvent(charm.RelationChanged, p.Relations[0], 0), p)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if st := out.State.UnitStatus; st.Name != "active" || !strings.HasSuffix(st.Message, "/callback/google") {
		t.Errorf("provider status after registration = %+v", st)
	}
	for _, line := range out.Logs {
		if strings.Contains(line, "s3cret") {
			t.Errorf("secret in log: %s", line)
		}
	}

	// Once the relation is broken, Kratos no longer sees the provider.
	out = req.Run(t, charmtest.RelationEvent(charm.RelationBroken, r.Relations[0], -1), r)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if out.State.UnitStatus.Message != "providers: " {
		t.Errorf("requirer status after broken = %+v", out.State.UnitStatus)
	}
}

func TestMalformedProviders(t *testing.T) {
	t.Parallel()
	req := charmtest.New(t, kratos{}, kratosYAML)
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "integrator",
		RemoteAppData: map[string]string{DataKey: `[{"provider":"generic","client_id":"c","client_secret":"s"}]`},
		RemoteUnits:   map[int]map[string]string{0: {}}}
	out := req.Run(t, charmtest.RelationEvent(charm.RelationChanged, rel, 0), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if got := out.State.UnitStatus; got.Name != "blocked" || got.Message != `key "providers": item 0: issuer_url is required for provider generic` {
		t.Errorf("status = %+v", got)
	}
	if len(out.State.Relations[0].LocalAppData) != 0 {
		t.Errorf("requirer registered a malformed provider: %v", out.State.Relations[0].LocalAppData)
	}
}

func TestPublishNonLeader(t *testing.T) {
	t.Parallel()
	prov := charmtest.New(t, integrator{Provider{Type: "github", ClientID: "c", ClientSecret: "s", ID: "github"}}, integratorYAML)
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "kratos"}
	out := prov.Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Relations: []charmtest.Relation{rel}})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if len(out.State.Relations[0].LocalAppData) != 0 {
		t.Errorf("non-leader wrote app data: %v", out.State.Relations[0].LocalAppData)
	}
}
