package loginuiendpoints

import (
	"errors"
	"maps"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const providerYAML = `
name: login-ui
type: charm
summary: test provider
description: test provider
provides:
  ui-endpoint-info:
    interface: login_ui_endpoints
`

const requirerYAML = `
name: kratos
type: charm
summary: test requirer
description: test requirer
requires:
  ui-endpoint-info:
    interface: login_ui_endpoints
`

// provider publishes fixed URLs on every hook.
type provider struct{ urls URLs }

func (p provider) Reconcile(c *charm.Context) error {
	return Publish(c, DefaultEndpoint, p.urls)
}

// requirer needs the login and settings pages and reports what Get
// returns as its status.
type requirer struct{}

func (requirer) Reconcile(c *charm.Context) error {
	st := hooktool.Status{Name: hooktool.StatusActive}
	u, err := Get(c, DefaultEndpoint, KeyLogin, KeySettings)
	var nr *NotReadyError
	var ce *ConflictError
	switch {
	case errors.As(err, &nr) && nr.NoRelation():
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: "Missing integration " + nr.Endpoint}
	case errors.As(err, &nr):
		st = hooktool.Status{Name: hooktool.StatusWaiting, Message: nr.Error()}
	case errors.As(err, &ce):
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: err.Error()}
	case err != nil:
		return err
	default:
		st.Message = "login " + u.Login + " settings " + u.Settings + " consent " + u.Consent
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

func TestHandshakeTwoRelationsMerged(t *testing.T) {
	t.Parallel()
	partA := URLs{Login: base + "/ui/login", Consent: base + "/ui/consent"}
	partB := URLs{Settings: base + "/ui/manage_details", Error: base + "/ui/error"}
	kratos := charmtest.New(t, requirer{}, requirerYAML)

	provRel := func(id int) charmtest.Relation {
		return charmtest.Relation{Endpoint: DefaultEndpoint, ID: id, RemoteApp: "kratos",
			RemoteUnits: map[int]map[string]string{0: {}}}
	}
	provState := func(id int) charmtest.State {
		return charmtest.State{Leader: true, Relations: []charmtest.Relation{provRel(id)}}
	}
	relA := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 7, RemoteApp: "login-ui-a", RemoteUnits: map[int]map[string]string{0: {}}}
	relB := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 8, RemoteApp: "login-ui-b", RemoteUnits: map[int]map[string]string{0: {}}}
	reqState := charmtest.State{Relations: []charmtest.Relation{relA, relB}}

	// The first provider publishes on relation-created: its golden databag.
	a := charmtest.New(t, provider{partA}, providerYAML).MustRun(t, charmtest.RelationEvent(charm.RelationCreated, provRel(7), -1), provState(7))
	if got, want := a.Relations[0].LocalAppData, Encode(partA); !maps.Equal(got, want) {
		t.Errorf("provider A databag = %v, want %v", got, want)
	}
	reqState = charmtest.Across(a, 0, 7, reqState)
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, relA, -1), reqState)
	want := charmtest.Status{Name: "waiting", Message: "ui-endpoint-info relation: settings_url not published yet"}
	if reqState.UnitStatus != want {
		t.Errorf("with A only: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// The second provider's keys complete the set.
	b := charmtest.New(t, provider{partB}, providerYAML).MustRun(t, charmtest.RelationEvent(charm.RelationCreated, provRel(8), -1), provState(8))
	reqState = charmtest.Across(b, 0, 8, reqState)
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, relB, -1), reqState)
	want = charmtest.Status{Name: "active", Message: "login " + partA.Login + " settings " + partB.Settings + " consent " + partA.Consent}
	if reqState.UnitStatus != want {
		t.Errorf("merged: status %+v, want %+v", reqState.UnitStatus, want)
	}
	for _, r := range reqState.Relations {
		if len(r.LocalAppData) != 0 || len(r.LocalUnitData) != 0 {
			t.Errorf("the requirer wrote data on relation %d", r.ID)
		}
	}

	// B now publishes the login page too: a conflict naming key and relations.
	b = charmtest.New(t, provider{ForBaseURL(base)}, providerYAML).MustRun(t, charmtest.Hook(charm.ConfigChanged), b)
	reqState = charmtest.Across(b, 0, 8, reqState)
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, relB, -1), reqState)
	want = charmtest.Status{Name: "blocked",
		Message: `ui-endpoint-info: key "consent_url" is published by more than one relation: 7 (login-ui-a) and 8 (login-ui-b)`}
	if reqState.UnitStatus != want {
		t.Errorf("conflict: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// Breaking B resolves the conflict; A alone lacks settings_url again.
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, relB, -1), reqState)
	want = charmtest.Status{Name: "waiting", Message: "ui-endpoint-info relation: settings_url not published yet"}
	if reqState.UnitStatus != want {
		t.Errorf("after B broken: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// Breaking A leaves no relation.
	reqState.Relations = reqState.Relations[:1]
	reqState = kratos.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, relA, -1), reqState)
	want = charmtest.Status{Name: "blocked", Message: "Missing integration ui-endpoint-info"}
	if reqState.UnitStatus != want {
		t.Errorf("after A broken: status %+v, want %+v", reqState.UnitStatus, want)
	}
}

func TestPublishDeletesStaleKeys(t *testing.T) {
	t.Parallel()
	// A databag as an older provider left it: the spec's legacy keys and
	// a page this provider no longer serves.
	stale := maps.Clone(goldenFull)
	stale["index_url"] = base + "/ui/index"
	stale["default_url"] = base
	rels := []charmtest.Relation{
		{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "hydra", LocalAppData: stale},
		{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "kratos"},
	}
	urls := ForBaseURL(base)
	urls.AccountLinkingSettings = ""

	out := charmtest.New(t, provider{urls}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true, Relations: rels})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	for _, r := range out.State.Relations {
		if !maps.Equal(r.LocalAppData, Encode(urls)) {
			t.Errorf("relation %d = %v\nwant %v", r.ID, r.LocalAppData, Encode(urls))
		}
	}

	// A non-leader writes nothing.
	out = charmtest.New(t, provider{urls}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Relations: rels})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if got := out.State.Relations[0].LocalAppData; !maps.Equal(got, stale) {
		t.Errorf("non-leader changed relation 1: %v", got)
	}
}

func TestGetUnknownRequiredKey(t *testing.T) {
	t.Parallel()
	h := charmtest.New(t, getter{required: []string{"loginurl"}}, requirerYAML)
	out := h.Run(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{})
	if out.Err == nil {
		t.Fatal("Get accepted an unknown required key")
	}
}

type getter struct{ required []string }

func (g getter) Reconcile(c *charm.Context) error {
	_, err := Get(c, DefaultEndpoint, g.required...)
	return err
}
