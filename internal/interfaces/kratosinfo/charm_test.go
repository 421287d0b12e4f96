package kratosinfo

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
name: kratos
type: charm
summary: test provider
description: test provider
provides:
  kratos-info:
    interface: kratos_info
`

const requirerYAML = `
name: login-ui
type: charm
summary: test requirer
description: test requirer
requires:
  kratos-info:
    interface: kratos_info
    limit: 1
`

// provider publishes fixed info on every hook.
type provider struct{ info Info }

func (p provider) Reconcile(c *charm.Context) error {
	return Publish(c, DefaultEndpoint, p.info)
}

// requirer reports what Get returns as its status.
type requirer struct{}

func (requirer) Reconcile(c *charm.Context) error {
	st := hooktool.Status{Name: hooktool.StatusActive}
	info, err := Get(c, DefaultEndpoint)
	var nr *NotReadyError
	var ke *databag.KeyError
	switch {
	case errors.As(err, &nr) && nr.NoRelation():
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: "Missing integration " + nr.Endpoint}
	case errors.As(err, &nr):
		st = hooktool.Status{Name: hooktool.StatusWaiting, Message: nr.Error()}
	case errors.As(err, &ke):
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: err.Error()}
	case err != nil:
		return err
	default:
		st.Message = fmt.Sprintf("public %s mfa %v flags %s", info.PublicEndpoint, info.MFAEnabled, strings.Join(info.FeatureFlags, "+"))
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 11
	loginUI := charmtest.New(t, requirer{}, requirerYAML)
	provRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "login-ui",
		RemoteUnits: map[int]map[string]string{0: {}}}
	reqRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "kratos",
		RemoteUnits: map[int]map[string]string{0: {}, 1: {}}}
	provState := charmtest.State{Leader: true, Relations: []charmtest.Relation{provRel}}
	reqState := charmtest.State{Relations: []charmtest.Relation{reqRel}}

	reqState = loginUI.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, reqRel, -1), reqState)
	want := charmtest.Status{Name: "waiting", Message: "kratos-info relation: admin_endpoint not published yet"}
	if reqState.UnitStatus != want {
		t.Errorf("before data: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// Kratos' leader publishes the golden databag on relation-created.
	provState = charmtest.New(t, provider{kratosFull}, providerYAML).MustRun(t, charmtest.RelationEvent(charm.RelationCreated, provRel, -1), provState)
	golden, _ := Encode(kratosFull)
	if got := provState.Relations[0].LocalAppData; !maps.Equal(got, golden) {
		t.Errorf("provider databag = %v\nwant %v", got, golden)
	}
	reqState = charmtest.Across(provState, 0, relID, reqState)
	reqState = loginUI.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, reqRel, -1), reqState)
	want = charmtest.Status{Name: "active", Message: "public " + publicSvc + " mfa true flags password+totp+account_linking"}
	if reqState.UnitStatus != want {
		t.Errorf("with data: status %+v, want %+v", reqState.UnitStatus, want)
	}
	if r := reqState.Relations[0]; len(r.LocalAppData) != 0 || len(r.LocalUnitData) != 0 {
		t.Errorf("the requirer wrote data: %+v", r)
	}

	// The flags go away: feature_flags is deleted, not left stale.
	noFlags := kratosFull
	noFlags.FeatureFlags = nil
	noFlags.MFAEnabled = false
	provState = charmtest.New(t, provider{noFlags}, providerYAML).MustRun(t, charmtest.Hook(charm.ConfigChanged), provState)
	if _, stale := provState.Relations[0].LocalAppData[KeyFeatureFlags]; stale {
		t.Errorf("feature_flags left in %v", provState.Relations[0].LocalAppData)
	}
	reqState = charmtest.Across(provState, 0, relID, reqState)
	reqState = loginUI.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, reqRel, -1), reqState)
	want = charmtest.Status{Name: "active", Message: "public " + publicSvc + " mfa false flags "}
	if reqState.UnitStatus != want {
		t.Errorf("without flags: status %+v, want %+v", reqState.UnitStatus, want)
	}

	// relation-broken: the relation no longer counts.
	reqState = loginUI.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, reqRel, -1), reqState)
	want = charmtest.Status{Name: "blocked", Message: "Missing integration kratos-info"}
	if reqState.UnitStatus != want {
		t.Errorf("relation-broken: status %+v, want %+v", reqState.UnitStatus, want)
	}
}

func TestGetMalformed(t *testing.T) {
	t.Parallel()
	bag, _ := Encode(kratosFull)
	bag[KeyMFAEnabled] = "yes"
	st := charmtest.State{Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "kratos", RemoteAppData: bag}}}
	out := charmtest.New(t, requirer{}, requirerYAML).Run(t, charmtest.Hook(charm.UpdateStatus), st)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	want := charmtest.Status{Name: "blocked",
		Message: `reading kratos-info relation 2: key "mfa_enabled": not a boolean (want True or False): "yes"`}
	if out.State.UnitStatus != want {
		t.Errorf("status %+v, want %+v", out.State.UnitStatus, want)
	}
}

func TestPublishNonLeader(t *testing.T) {
	t.Parallel()
	st := charmtest.State{Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "login-ui"}}}
	out := charmtest.New(t, provider{kratosFull}, providerYAML).Run(t, charmtest.Hook(charm.ConfigChanged), st)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if got := out.State.Relations[0].LocalAppData; len(got) != 0 {
		t.Errorf("non-leader wrote %v", got)
	}
}
