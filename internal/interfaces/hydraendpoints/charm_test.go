package hydraendpoints

import (
	"errors"
	"maps"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const providerYAML = `
name: hydra
type: charm
summary: test provider
description: test provider
provides:
  hydra-endpoint-info:
    interface: hydra_endpoints
`

const requirerYAML = `
name: kratos
type: charm
summary: test requirer
description: test requirer
requires:
  hydra-endpoint-info:
    interface: hydra_endpoints
    limit: 1
`

// provider publishes fixed endpoints on every hook.
type provider struct{ endpoints Endpoints }

func (p provider) Reconcile(c *charm.Context) error {
	return Publish(c, DefaultEndpoint, p.endpoints)
}

// requirer reports what Get returns as its status, the way a real charm
// would: blocked without the relation, waiting for data, active with it.
type requirer struct{}

func (requirer) Reconcile(c *charm.Context) error {
	st := hooktool.Status{Name: hooktool.StatusActive}
	e, err := Get(c, DefaultEndpoint)
	var nr *NotReadyError
	switch {
	case errors.As(err, &nr) && nr.NoRelation():
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: "Missing integration " + nr.Endpoint}
	case errors.As(err, &nr):
		st = hooktool.Status{Name: hooktool.StatusWaiting, Message: nr.Error()}
	case err != nil:
		return err
	default:
		st.Message = "admin " + e.Admin + " public " + e.Public
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 4
	hydra := charmtest.New(t, provider{hydraSvc}, providerYAML)
	kratos := charmtest.New(t, requirer{}, requirerYAML)

	provRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "kratos",
		RemoteUnits: map[int]map[string]string{0: {}}}
	reqRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "hydra",
		RemoteUnits: map[int]map[string]string{0: {}}}
	provState := charmtest.State{Leader: true, Relations: []charmtest.Relation{provRel}}
	reqState := charmtest.State{Relations: []charmtest.Relation{reqRel}}

	// Before Hydra writes, Kratos waits and names the key.
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, reqRel, -1), reqState)
	want := charmtest.Status{Name: "waiting", Message: "hydra-endpoint-info relation: admin_endpoint not published yet"}
	if reqState.UnitStatus != want {
		t.Errorf("requirer before data: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// The leader publishes on relation-created: exactly the golden pairs.
	provState = hydra.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, provRel, -1), provState)
	golden, _ := Encode(hydraSvc)
	if got := provState.Relations[0].LocalAppData; !maps.Equal(got, golden) {
		t.Errorf("provider app databag = %v, want %v", got, golden)
	}

	// The data crosses over; Kratos reads it.
	reqState = charmtest.Across(provState, 0, relID, reqState)
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, reqRel, -1), reqState)
	want = charmtest.Status{Name: "active", Message: "admin " + hydraSvc.Admin + " public " + hydraSvc.Public}
	if reqState.UnitStatus != want {
		t.Errorf("requirer with data: status %+v, want %+v", reqState.UnitStatus, want)
	}
	if r := reqState.Relations[0]; len(r.LocalAppData) != 0 || len(r.LocalUnitData) != 0 {
		t.Errorf("the requirer wrote data: %+v", r)
	}

	// relation-broken: the relation going away no longer counts.
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, reqRel, -1), reqState)
	want = charmtest.Status{Name: "blocked", Message: "Missing integration hydra-endpoint-info"}
	if reqState.UnitStatus != want {
		t.Errorf("requirer on relation-broken: status %+v, want %+v", reqState.UnitStatus, want)
	}
}

func TestPublishNonLeaderAndUpdates(t *testing.T) {
	t.Parallel()
	rels := []charmtest.Relation{
		{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "kratos"},
		{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "login-ui"},
	}
	moved := Endpoints{Admin: "https://hydra.internal.example", Public: "https://hydra.internal.example"}

	out := charmtest.New(t, provider{hydraSvc}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged),
		charmtest.State{Leader: false, Relations: rels})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	for _, r := range out.State.Relations {
		if len(r.LocalAppData) != 0 {
			t.Errorf("non-leader wrote relation %d: %v", r.ID, r.LocalAppData)
		}
	}

	// The leader writes every relation, and a later change overwrites.
	st := charmtest.State{Leader: true, Relations: rels}
	for _, e := range []Endpoints{hydraSvc, moved} {
		out = charmtest.New(t, provider{e}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged), st)
		if out.Err != nil {
			t.Fatal(out.Err)
		}
		want, _ := Encode(e)
		for _, r := range out.State.Relations {
			if !maps.Equal(r.LocalAppData, want) {
				t.Errorf("relation %d = %v, want %v", r.ID, r.LocalAppData, want)
			}
		}
		st = out.State
	}

	// Invalid input fails the hook and writes nothing.
	out = charmtest.New(t, provider{Endpoints{Admin: "a"}}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged),
		charmtest.State{Leader: true, Relations: rels})
	if out.Err == nil {
		t.Error("Publish without public_endpoint succeeded")
	}
}

func TestGetNoRelation(t *testing.T) {
	t.Parallel()
	st := charmtest.New(t, requirer{}, requirerYAML).MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{})
	want := charmtest.Status{Name: "blocked", Message: "Missing integration hydra-endpoint-info"}
	if st.UnitStatus != want {
		t.Errorf("status %+v, want %+v", st.UnitStatus, want)
	}
}
