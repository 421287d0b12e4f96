package model

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/charmcraft"
)

func hydraMeta() *charmcraft.Charm {
	return &charmcraft.Charm{
		Name:     "hydra",
		Requires: map[string]charmcraft.Endpoint{"pg-database": {Interface: "postgresql_client"}},
		Peers:    map[string]charmcraft.Endpoint{"peers": {Interface: "hydra_peers"}, "another": {Interface: "x"}},
	}
}

func pgMeta() *charmcraft.Charm {
	return &charmcraft.Charm{
		Name:     "postgresql-k8s",
		Provides: map[string]charmcraft.Endpoint{"database": {Interface: "postgresql_client"}},
	}
}

var (
	hydraDB = Endpoint{App: "hydra", Name: "pg-database", Role: "requirer", Interface: "postgresql_client"}
	pgDB    = Endpoint{App: "postgresql", Name: "database", Role: "provider", Interface: "postgresql_client"}
)

// deployed is a model with hydra (2 units) and postgresql (1 unit), not
// related yet.
func deployed(t *testing.T) *Model {
	t.Helper()
	m := New("dev")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := m.AddApplication(AppSpec{Name: "hydra", Meta: hydraMeta(), CharmDir: "/charms/hydra", Config: Settings{"port": int64(1)}})
	must(err)
	_, err = m.AddApplication(AppSpec{Name: "postgresql", Meta: pgMeta()})
	must(err)
	for i, app := range []string{"hydra", "hydra", "postgresql"} {
		u, err := m.AddUnit(app)
		must(err)
		u.Address = fmt.Sprintf("10.1.0.%d", i+1)
		_, _, err = m.ElectLeader(app)
		must(err)
	}
	return m
}

func TestAddApplicationAndUnits(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	app := m.Applications["hydra"]
	if app.Charm != "hydra" || app.Leader != "hydra/0" || app.NextUnit != 2 || app.Life != Alive || app.Config["port"] != int64(1) {
		t.Errorf("application = %+v", app)
	}
	u := app.Units[1]
	if u.Name != "hydra/1" || u.AgentStatus.Name != "allocating" || u.WorkloadStatus != (Status{Name: "waiting", Message: "installing agent"}) {
		t.Errorf("unit = %+v", u)
	}
	// Peer relations come with the application, in endpoint order.
	if r := m.Relations[0]; r.Key != "hydra:another" || !r.Peer() || r.AppDataVersion["hydra"] != 1 {
		t.Errorf("relation 0 = %+v", r)
	}
	if r := m.Relations[1]; r.Key != "hydra:peers" || r.Endpoints[0].Scope != "global" {
		t.Errorf("relation 1 = %+v", r)
	}
	if m.NextRelationID != 2 {
		t.Errorf("NextRelationID = %d", m.NextRelationID)
	}

	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"duplicate application", func() error { _, err := m.AddApplication(AppSpec{Name: "hydra", Meta: hydraMeta()}); return err },
			`cannot add application "hydra": application already exists`},
		{"invalid name", func() error { _, err := m.AddApplication(AppSpec{Name: "Hydra", Meta: hydraMeta()}); return err },
			`cannot add application "Hydra": invalid name`},
		{"unit of unknown application", func() error { _, err := m.AddUnit("nope"); return err }, `application "nope" not found`},
		{"remove unknown unit", func() error { return m.RemoveUnit("hydra/9") }, `unit "hydra/9" does not exist`},
	} {
		if err := tc.do(); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestUnitNumbersAndLeadership(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	if err := m.RemoveUnit("hydra/0"); err != nil {
		t.Fatal(err)
	}
	// A dying leader leads until it is gone.
	if leader, changed, _ := m.ElectLeader("hydra"); leader != "hydra/0" || changed {
		t.Errorf("leader = %q (changed %v)", leader, changed)
	}
	if err := m.DeleteUnit("hydra/0"); err != nil {
		t.Fatal(err)
	}
	if leader, changed, _ := m.ElectLeader("hydra"); leader != "hydra/1" || !changed {
		t.Errorf("leader = %q (changed %v)", leader, changed)
	}
	u, err := m.AddUnit("hydra")
	if err != nil || u.Name != "hydra/2" {
		t.Errorf("next unit = %+v, %v (numbers are never reused)", u, err)
	}
	if err := m.RemoveUnit("hydra/1"); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteUnit("hydra/1"); err != nil {
		t.Fatal(err)
	}
	if leader, _, _ := m.ElectLeader("hydra"); leader != "hydra/2" {
		t.Errorf("leader = %q", leader)
	}
}

func TestAddRelation(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	// Given provider first, the key still puts the requirer first.
	r, err := m.AddRelation(pgDB, hydraDB)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 2 || r.Key != "hydra:pg-database postgresql:database" || r.AppDataVersion["postgresql"] != 1 || r.AppDataVersion["hydra"] != 1 {
		t.Errorf("relation = %+v", r)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Model)
		a, b   Endpoint
		want   string
	}{
		{name: "exists", a: hydraDB, b: pgDB,
			want: `cannot add relation "hydra:pg-database postgresql:database": relation hydra:pg-database postgresql:database`},
		{name: "dying", mutate: func(m *Model) { m.Relations[2].Life = Dying }, a: hydraDB, b: pgDB,
			want: `cannot add relation "hydra:pg-database postgresql:database": relation hydra:pg-database postgresql:database is dying, but not yet removed`},
		{name: "unknown application", mutate: func(m *Model) { delete(m.Relations, 2) }, a: hydraDB, b: Endpoint{App: "pg", Name: "database", Role: "provider", Interface: "postgresql_client"},
			want: `cannot add relation "hydra:pg-database pg:database": application "pg" does not exist`},
		{name: "application not alive", mutate: func(m *Model) { delete(m.Relations, 2); m.Applications["postgresql"].Life = Dying }, a: hydraDB, b: pgDB,
			want: `cannot add relation "hydra:pg-database postgresql:database": application "postgresql" is not alive`},
		{name: "roles", a: hydraDB, b: Endpoint{App: "postgresql", Name: "x", Role: "requirer", Interface: "postgresql_client"},
			want: `cannot add relation "hydra:pg-database postgresql:x": endpoints do not relate`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := deployed(t)
			if _, err := m.AddRelation(hydraDB, pgDB); err != nil {
				t.Fatal(err)
			}
			if tc.mutate != nil {
				tc.mutate(m)
			}
			if _, err := m.AddRelation(tc.a, tc.b); err == nil || err.Error() != tc.want {
				t.Errorf("AddRelation = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	r, err := m.AddRelation(hydraDB, pgDB)
	if err != nil {
		t.Fatal(err)
	}
	entered, err := m.SyncScopes("hydra/1")
	if err != nil || !slices.Equal(entered, []int{0, 1, 2}) {
		t.Fatalf("SyncScopes = %v, %v", entered, err)
	}
	if again, _ := m.SyncScopes("hydra/1"); len(again) != 0 {
		t.Errorf("second SyncScopes entered %v", again)
	}
	want := map[string]string{"ingress-address": "10.1.0.2", "private-address": "10.1.0.2", "egress-subnets": "10.1.0.2/32"}
	if !reflect.DeepEqual(r.UnitData["hydra/1"], want) || r.UnitDataVersion["hydra/1"] != 1 {
		t.Errorf("unit data = %v (version %d)", r.UnitData["hydra/1"], r.UnitDataVersion["hydra/1"])
	}
	for _, u := range []string{"hydra/0", "postgresql/0"} {
		if _, err := m.SyncScopes(u); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(r.Members, map[string][]string{"hydra": {"hydra/0", "hydra/1"}, "postgresql": {"postgresql/0"}}) {
		t.Errorf("members = %v", r.Members)
	}

	// A grant over the relation, to see it go with the relation.
	s, err := m.AddSecret("x", "", map[string]string{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	s.Grants = map[int][]string{r.ID: {"hydra"}}

	// A dying unit enters nothing; a dying relation admits no one.
	u, _ := m.AddUnit("hydra")
	if err := m.RemoveUnit(u.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := m.EnterScope(u.Name, r.ID); !errors.Is(err, ErrCannotEnterScope) ||
		err.Error() != `unit "hydra/2" in relation "hydra:pg-database postgresql:database": unit is no longer alive: cannot enter scope` {
		t.Errorf("EnterScope(dying unit) = %v", err)
	}
	if err := m.RemoveRelation(r.ID); err != nil {
		t.Fatal(err)
	}
	if r.Life != Dying || m.Relations[r.ID] == nil {
		t.Fatalf("relation with members = %+v", r)
	}
	u3, _ := m.AddUnit("hydra")
	if _, err := m.EnterScope(u3.Name, r.ID); !errors.Is(err, ErrCannotEnterScope) {
		t.Errorf("EnterScope(dying relation) = %v", err)
	}
	// The last unit out removes it, and its grants.
	for _, unit := range []string{"hydra/0", "hydra/1", "postgresql/0"} {
		if err := m.LeaveScope(unit, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if m.Relations[r.ID] != nil || s.Grants != nil {
		t.Errorf("relation %v, grants %v", m.Relations[r.ID], s.Grants)
	}
	if err := m.LeaveScope("hydra/0", r.ID); err != nil {
		t.Errorf("leaving a gone relation: %v", err)
	}
}

func TestRemoveRelation(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	r, _ := m.AddRelation(hydraDB, pgDB)
	if err := m.RemoveRelation(r.ID); err != nil || m.Relations[r.ID] != nil {
		t.Errorf("relation with no one in scope: %v, %v", err, m.Relations[r.ID])
	}
	if err := m.RemoveRelation(1); err == nil || err.Error() != `cannot destroy relation "hydra:peers": is a peer relation` {
		t.Errorf("peer: %v", err)
	}
	if err := m.RemoveRelation(42); err == nil || err.Error() != "relation 42 not found" {
		t.Errorf("unknown: %v", err)
	}
}

func TestRemoveApplication(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	r, _ := m.AddRelation(hydraDB, pgDB)
	for _, u := range []string{"hydra/0", "hydra/1", "postgresql/0"} {
		if _, err := m.SyncScopes(u); err != nil {
			t.Fatal(err)
		}
	}
	m.Secrets["owned"] = &Secret{ID: "owned", Owner: Owner{OwnerApplication, "postgresql"}, LatestRevision: 1}
	m.Secrets["unit"] = &Secret{ID: "unit", Owner: Owner{OwnerUnit, "postgresql/0"}, LatestRevision: 1}
	if err := m.RemoveApplication("postgresql"); err != nil {
		t.Fatal(err)
	}
	app := m.Applications["postgresql"]
	if app.Life != Dying || app.Units[0].Life != Dying || r.Life != Dying {
		t.Fatalf("after remove-application: app %v, unit %v, relation %v", app.Life, app.Units[0].Life, r.Life)
	}
	if _, err := m.AddUnit("postgresql"); err == nil || err.Error() != `cannot add unit to application "postgresql": application is not alive` {
		t.Errorf("AddUnit = %v", err)
	}
	// Its unit finishes (leaving its scopes); the other side leaves after
	// relation-broken; then the application goes with its secrets.
	if err := m.DeleteUnit("postgresql/0"); err != nil {
		t.Fatal(err)
	}
	if m.Applications["postgresql"] == nil {
		t.Fatal("application went while hydra is still in the relation")
	}
	if m.Secrets["unit"] != nil {
		t.Error("unit-owned secret survived its unit")
	}
	for _, u := range []string{"hydra/0", "hydra/1"} {
		if err := m.LeaveScope(u, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if m.Applications["postgresql"] != nil || m.Relations[r.ID] != nil || m.Secrets["owned"] != nil {
		t.Errorf("left behind: app %v relation %v secret %v", m.Applications["postgresql"], m.Relations[r.ID], m.Secrets["owned"])
	}
	// An application with no units and no relations goes at once.
	if err := m.RemoveUnit("hydra/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.AddApplication(AppSpec{Name: "lonely", Meta: &charmcraft.Charm{Name: "lonely"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.RemoveApplication("lonely"); err != nil || m.Applications["lonely"] != nil {
		t.Errorf("lonely: %v, %v", err, m.Applications["lonely"])
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	for _, tc := range []struct {
		name    string
		set     Settings
		reset   []string
		want    Settings
		changed bool
	}{
		{name: "set", set: Settings{"port": int64(2), "dev": true}, want: Settings{"port": int64(2), "dev": true}, changed: true},
		{name: "same again", set: Settings{"port": int64(1)}, want: Settings{"port": int64(1)}},
		{name: "reset", reset: []string{"port", "unset"}, want: nil, changed: true},
		{name: "nil resets", set: Settings{"port": nil}, want: nil, changed: true},
	} {
		m := deployed(t)
		var changed bool
		var err error
		if tc.reset != nil {
			changed, err = m.ResetConfig("hydra", tc.reset)
		} else {
			changed, err = m.SetConfig("hydra", tc.set)
		}
		if err != nil || changed != tc.changed || !reflect.DeepEqual(m.Applications["hydra"].Config, tc.want) {
			t.Errorf("%s: config %v, changed %v, err %v", tc.name, m.Applications["hydra"].Config, changed, err)
		}
	}
	if _, err := m.SetConfig("nope", Settings{}); err == nil || err.Error() != `application "nope" not found` {
		t.Errorf("unknown application: %v", err)
	}
}

func TestUserSecrets(t *testing.T) {
	t.Parallel()
	m := deployed(t)
	before := time.Now().Add(-time.Second)
	s, err := m.AddSecret("smtp", "mail relay", map[string]string{"password": "p"})
	if err != nil {
		t.Fatal(err)
	}
	if s.URI != "secret:"+s.ID || s.Owner.Kind != OwnerModel || s.Label != "smtp" {
		t.Errorf("secret = %+v", s)
	}
	if s.Created.Before(before) || s.Created.Location() != time.UTC || s.Created.Nanosecond() != 0 || !s.Updated.Equal(s.Created) {
		t.Errorf("times: created %v, updated %v; want now, to the second, in UTC", s.Created, s.Updated)
	}
	if _, err := m.AddSecret("smtp", "", map[string]string{"a": "b"}); err == nil || err.Error() != `user secret label "smtp" already exists` {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := m.AddSecret("empty", "", nil); err == nil || err.Error() != "empty secret value not valid" {
		t.Errorf("empty: %v", err)
	}
	seen := func(unit string) bool {
		st, err := m.UnitState(unit)
		if err != nil {
			t.Fatal(err)
		}
		_, ok := secretView(st, s.ID)
		return ok
	}
	if seen("hydra/1") {
		t.Error("seen before the grant")
	}
	if err := m.GrantSecret("smtp", []string{"hydra"}); err != nil {
		t.Fatal(err)
	}
	if !seen("hydra/1") || seen("postgresql/0") {
		t.Error("grant to hydra not as expected")
	}
	if err := m.RevokeSecret(s.URI, []string{"hydra"}); err != nil || seen("hydra/0") {
		t.Errorf("after revoke: %v", err)
	}
	if err := m.GrantSecret("nope", []string{"hydra"}); err == nil || err.Error() != `secret "nope" not found` {
		t.Errorf("unknown secret: %v", err)
	}
	if err := m.GrantSecret("smtp", []string{"nope"}); err == nil || err.Error() != `application "nope" not found` {
		t.Errorf("unknown application: %v", err)
	}
}
