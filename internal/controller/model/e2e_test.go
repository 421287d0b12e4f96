package model

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// reconciler is a charm made of one function.
type reconciler func(c *charm.Context) error

func (f reconciler) Reconcile(c *charm.Context) error { return f(c) }

// provider publishes a database: the leader creates one secret per
// relation, grants it, and puts its URI and the endpoint in the
// application bag; with "rotate" in its config it gives the secret new
// content.
func provider(c *charm.Context) error {
	ctx, tools := c.Context(), c.Tools
	if leader, err := tools.IsLeader(ctx); err != nil || !leader {
		return err
	}
	ids, err := tools.RelationIDs(ctx, "database")
	if err != nil {
		return err
	}
	for _, id := range ids {
		label := fmt.Sprintf("user-%d", id)
		info, err := tools.SecretInfoGet(ctx, hooktool.SecretRef{Label: label})
		var uri string
		switch {
		case err == nil:
			uri = info.ID
			if rotate, _, _ := tools.ConfigGet(ctx, "rotate"); rotate == true {
				if err := tools.SecretSet(ctx, uri, map[string]string{"password": "second"}, hooktool.SecretOptions{}); err != nil {
					return err
				}
			}
		default:
			if uri, err = tools.SecretAdd(ctx, map[string]string{"password": "first"}, hooktool.SecretOptions{Label: label}); err != nil {
				return err
			}
			if err := tools.SecretGrant(ctx, uri, id, ""); err != nil {
				return err
			}
		}
		if err := tools.RelationSet(ctx, id, true, map[string]string{"secret-user": uri, "endpoints": "pg:5432"}); err != nil {
			return err
		}
	}
	return tools.StatusSet(ctx, hooktool.Status{Name: "active"}, false)
}

// requirer reads what the provider published and says so in its unit
// bag; it reads the secret through its own label once it has it.
func requirer(c *charm.Context) error {
	ctx, tools := c.Context(), c.Tools
	ids, err := tools.RelationIDs(ctx, "pg-database")
	if err != nil || len(ids) == 0 {
		return err
	}
	app, err := tools.RelationRemoteApp(ctx, ids[0])
	if err != nil {
		return err
	}
	data, err := tools.RelationGet(ctx, ids[0], app, true)
	if err != nil || data["secret-user"] == "" {
		return err
	}
	content, err := tools.SecretGet(ctx, hooktool.SecretRef{ID: data["secret-user"], Label: "db"}, hooktool.SecretGetOptions{})
	if err != nil {
		return err
	}
	if content["password"] == "" {
		return errors.New("no password")
	}
	return tools.RelationSet(ctx, ids[0], false, map[string]string{"have-password": "yes"})
}

var (
	providerMeta = &charmcraft.Charm{
		Name:     "db",
		Provides: map[string]charmcraft.Endpoint{"database": {Interface: "postgresql_client"}},
		Config:   &charmcraft.Config{Options: map[string]charmcraft.Option{"rotate": {Type: "boolean", Default: false}}},
	}
	requirerMeta = &charmcraft.Charm{
		Name:     "app",
		Requires: map[string]charmcraft.Endpoint{"pg-database": {Interface: "postgresql_client"}},
		Peers:    map[string]charmcraft.Endpoint{"peers": {Interface: "app_peers"}},
	}
)

// runHook is what the controller does for one hook: project the unit's
// State, run the charm in-process against unitctx, merge the State out.
func runHook(t *testing.T, m *Model, unit string, meta *charmcraft.Charm, ch charm.Charm, ev charm.Event) (unitctx.Output, Changes) {
	t.Helper()
	in, err := m.UnitState(unit)
	if err != nil {
		t.Fatal(err)
	}
	app, _, _ := m.Unit(unit)
	// The options' defaults, then the operator's values (what the
	// controller's validation would give).
	config := map[string]any{}
	if meta.Config != nil {
		for name, o := range meta.Config.Options {
			config[name] = o.Default
		}
	}
	maps.Copy(config, app.Config)
	env := charm.Env{
		UnitName: unit, ModelName: m.Name, ModelUUID: m.UUID, JujuVersion: "3.6.11",
		CharmDir: t.TempDir(), ContextID: unit + "-" + ev.Name + "-1",
	}
	hook, err := unitctx.Begin(unitctx.Params{Meta: meta, Env: env, Event: ev, State: in, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	vars := env.Environ()
	maps.Copy(vars, ev.Environ())
	err = charm.Dispatch(t.Context(), charm.Runtime{Getenv: func(k string) string { return vars[k] }, Tools: hook.Tools()}, ch)
	out := hook.End(err)
	if out.Err != nil {
		t.Fatalf("%s on %s: %v", ev.Name, unit, out.Err)
	}
	changes, err := m.Apply(unit, in, out.State)
	if err != nil {
		t.Fatalf("Apply(%s): %v", unit, err)
	}
	return out, changes
}

func relationChanged(endpoint string, id int, remoteUnit string) charm.Event {
	app, _, _ := strings.Cut(remoteUnit, "/")
	return charm.Event{Kind: charm.RelationChanged, Name: endpoint + "-relation-changed", Relation: endpoint,
		RelationID: id, RemoteApp: app, RemoteUnit: remoteUnit}
}

// TestEndToEnd drives a provider and a requirer through the model and the
// engine: what one unit's hook commits is what the other units see, and
// the model survives a restart (Save/Load) in between.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	m := New("e2e")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := m.AddApplication(AppSpec{Name: "pg", Meta: providerMeta})
	must(err)
	_, err = m.AddApplication(AppSpec{Name: "web", Meta: requirerMeta})
	must(err)
	for _, app := range []string{"pg", "web", "web"} {
		u, err := m.AddUnit(app)
		must(err)
		u.Address = "10.1.0." + fmt.Sprint(len(m.Applications["pg"].Units)+len(m.Applications["web"].Units))
		_, _, err = m.ElectLeader(app)
		must(err)
	}
	r, err := m.AddRelation(
		Endpoint{App: "web", Name: "pg-database", Role: "requirer", Interface: "postgresql_client"},
		Endpoint{App: "pg", Name: "database", Role: "provider", Interface: "postgresql_client"},
	)
	must(err)
	for _, u := range []string{"pg/0", "web/0", "web/1"} {
		_, err := m.SyncScopes(u)
		must(err)
	}

	// The provider's leader publishes.
	_, changes := runHook(t, m, "pg/0", providerMeta, reconciler(provider), relationChanged("database", r.ID, "web/1"))
	if len(changes.Bags) != 1 || changes.Bags[0] != (BagChange{RelationID: r.ID, App: "pg", Version: 2}) || len(changes.Created) != 1 || !changes.UnitStatus {
		t.Fatalf("provider's changes = %+v", changes)
	}
	secretURI := changes.Created[0]
	if !strings.HasPrefix(secretURI, "secret://"+m.UUID+"/") {
		t.Errorf("secret URI %q", secretURI)
	}

	// A controller restart.
	dir := t.TempDir()
	must(m.Save(dir))
	m, err = Load(dir)
	must(err)

	// A follower of the requirer sees the bag and the granted secret,
	// reads it (tracking revision 1 under its own label) and answers.
	web1, err := m.UnitState("web/1")
	must(err)
	if got := relationIn(t, &web1, r.ID).RemoteAppData; got["secret-user"] != secretURI || got["endpoints"] != "pg:5432" {
		t.Fatalf("web/1 sees %v", got)
	}
	_, changes = runHook(t, m, "web/1", requirerMeta, reconciler(requirer), relationChanged("pg-database", r.ID, "pg/0"))
	if len(changes.Bags) != 1 || changes.Bags[0].Unit != "web/1" || !changes.Tracking {
		t.Fatalf("requirer's changes = %+v", changes)
	}
	s, err := m.Secret(secretURI)
	must(err)
	if s.Consumers["web/1"] != (Consumer{Label: "db", TrackedRevision: 1}) {
		t.Errorf("consumer record = %+v", s.Consumers)
	}

	// The provider sees the requirer unit's answer, next to the addresses
	// the unit published when it entered the scope.
	pg0, err := m.UnitState("pg/0")
	must(err)
	if got := relationIn(t, &pg0, r.ID).RemoteUnits[1]; got["have-password"] != "yes" || got["ingress-address"] == "" {
		t.Errorf("pg/0 sees web/1's bag as %v", got)
	}

	// New content: a new revision, and web/1 (tracking 1) is to be told;
	// web/0 never read it, so it is not.
	_, err = m.SetConfig("pg", Settings{"rotate": true})
	must(err)
	_, changes = runHook(t, m, "pg/0", providerMeta, reconciler(provider), charm.Event{Kind: charm.ConfigChanged, Name: "config-changed", RelationID: -1})
	want := []SecretRevision{{URI: secretURI, Revision: 2, Notify: []string{"web/1"}}}
	if fmt.Sprint(changes.Revisions) != fmt.Sprint(want) {
		t.Errorf("revisions = %+v, want %+v", changes.Revisions, want)
	}
	web1, err = m.UnitState("web/1")
	must(err)
	if v := web1.Secrets[0]; v.Revision != 2 || v.TrackedRevision != 1 || v.TrackedContent["password"] != "first" || v.Label != "db" {
		t.Errorf("web/1's view after the update = %+v", v)
	}
}
