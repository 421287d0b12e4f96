package model

import (
	"reflect"
	"slices"
	"testing"

	"github.com/identity-platform-go/charms/internal/unitctx"
)

func TestUnitStateOfLeader(t *testing.T) {
	t.Parallel()
	m := fixture()
	got, err := m.UnitState("hydra/0")
	if err != nil {
		t.Fatal(err)
	}
	want := unitctx.State{
		Leader: true,
		Config: map[string]any{"port": int64(4444)},
		Stored: map[string]string{"seen": "1"},
		Relations: []unitctx.Relation{
			{Endpoint: "peers", ID: 1, RemoteApp: "hydra", RemoteEndpoint: "peers",
				LocalAppData: map[string]string{"shared": "yes"}, LocalUnitData: map[string]string{"p": "0"},
				RemoteUnits: map[int]map[string]string{1: {"p": "1"}}},
			{Endpoint: "pg-database", ID: 2, RemoteApp: "postgresql", RemoteEndpoint: "database",
				LocalAppData: map[string]string{"database": "hydra"}, LocalUnitData: map[string]string{"h": "0"},
				RemoteAppData: map[string]string{"endpoints": "pg:5432", "secret-user": uri(pgSecret)},
				RemoteUnits:   map[int]map[string]string{0: {"ingress-address": "10.1.0.3"}}},
		},
		Secrets: []unitctx.Secret{
			{ID: uri(hydraSecret), Owner: "application", Label: "system", Revision: 1, Content: map[string]string{"key": "s"}},
			{ID: uri(pgSecret), Label: "db-user", Revision: 2, Content: map[string]string{"password": "new"},
				TrackedRevision: 1, TrackedContent: map[string]string{"password": "old"}},
		},
		UnitStatus:  unitctx.Status{Name: "active"},
		AppStatus:   unitctx.Status{},
		OpenedPorts: nil,
		Address:     "10.1.0.1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnitState(hydra/0) =\n%+v\nwant\n%+v", got, want)
	}

	// The State shares nothing with the model.
	got.Relations[1].LocalAppData["database"] = "changed"
	got.Secrets[1].Content["password"] = "changed"
	got.Config["port"] = 1
	if m.Relations[2].AppData["hydra"]["database"] != "hydra" || m.Secrets[pgSecret].Latest()["password"] != "new" || m.Applications["hydra"].Config["port"] != int64(4444) {
		t.Error("UnitState returned the model's maps")
	}
}

// secretView finds a secret in a State by bare ID.
func secretView(st unitctx.State, id string) (unitctx.Secret, bool) {
	i := slices.IndexFunc(st.Secrets, func(s unitctx.Secret) bool { return secretID(s.ID) == id })
	if i < 0 {
		return unitctx.Secret{}, false
	}
	return st.Secrets[i], true
}

func relationIDs(st unitctx.State) []int {
	var ids []int
	for _, r := range st.Relations {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestUnitStateVisibility(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*Model)
		unit   string
		// secrets maps the bare IDs the unit must see to the Owner it
		// sees them with; every other secret must be hidden.
		secrets   map[string]string
		relations []int
		check     func(t *testing.T, st unitctx.State)
	}{
		{
			name: "a follower sees its application's secrets and its own, and its app bag read-only",
			unit: "hydra/1",
			secrets: map[string]string{
				hydraSecret: "application", unitSecret: "unit", pgSecret: "",
			},
			relations: []int{1, 2},
			check: func(t *testing.T, st unitctx.State) {
				if st.Leader {
					t.Error("follower is leader")
				}
				if st.Relations[1].LocalAppData["database"] != "hydra" {
					t.Errorf("app bag = %v", st.Relations[1].LocalAppData)
				}
				// Its consumer record is its own: no label, no tracking.
				if s, _ := secretView(st, pgSecret); s.Label != "" || s.TrackedRevision != 0 || s.TrackedContent != nil {
					t.Errorf("consumer view = %+v", s)
				}
			},
		},
		{
			name:      "a unit grant reaches that unit only, a user grant its application",
			unit:      "kratos/0",
			secrets:   map[string]string{kratosSecret: "", userSecret: ""},
			relations: []int{3},
		},
		{
			name:      "a consumer without a grant sees nothing",
			unit:      "kratos/0",
			mutate:    func(m *Model) { m.Secrets[kratosSecret].Grants = nil; m.Secrets[userSecret].UserGrants = nil },
			secrets:   map[string]string{},
			relations: []int{3},
		},
		{
			name: "a grant over a relation that is gone is gone",
			unit: "kratos/0",
			mutate: func(m *Model) {
				delete(m.Relations, 3)
			},
			secrets: map[string]string{userSecret: ""},
		},
		{
			name: "a grant to another unit of the application is not this unit's",
			unit: "hydra/1",
			mutate: func(m *Model) {
				m.Secrets[pgSecret].Grants = map[int][]string{2: {"hydra/0"}}
			},
			secrets:   map[string]string{hydraSecret: "application", unitSecret: "unit"},
			relations: []int{1, 2},
		},
		{
			name:      "the owner sees its grants",
			unit:      "postgresql/0",
			secrets:   map[string]string{pgSecret: "application", kratosSecret: "application"},
			relations: []int{2, 3},
			check: func(t *testing.T, st unitctx.State) {
				s, _ := secretView(st, kratosSecret)
				if !reflect.DeepEqual(s.Grants, map[int][]string{3: {"kratos/0"}}) {
					t.Errorf("grants = %v", s.Grants)
				}
				s, _ = secretView(st, pgSecret)
				if s.Label != "user" || s.TrackedRevision != 0 || s.Revision != 2 {
					t.Errorf("owner view = %+v", s)
				}
				// Two requirer applications: two relations, each with its own remote.
				if st.Relations[0].RemoteApp != "hydra" || len(st.Relations[0].RemoteUnits) != 2 || st.Relations[1].RemoteApp != "kratos" {
					t.Errorf("relations = %+v", st.Relations)
				}
			},
		},
		{
			name:      "relations the unit has not entered are not in its context",
			unit:      "hydra/1",
			mutate:    func(m *Model) { m.Relations[2].Members["hydra"] = []string{"hydra/0"} },
			secrets:   map[string]string{hydraSecret: "application", unitSecret: "unit", pgSecret: ""},
			relations: []int{1},
		},
		{
			name:      "a peer relation lists the other units, not the unit itself",
			unit:      "hydra/1",
			secrets:   map[string]string{hydraSecret: "application", unitSecret: "unit", pgSecret: ""},
			relations: []int{1, 2},
			check: func(t *testing.T, st unitctx.State) {
				peers := st.Relations[0]
				if !reflect.DeepEqual(peers.RemoteUnits, map[int]map[string]string{0: {"p": "0"}}) || peers.RemoteAppData != nil || peers.RemoteApp != "hydra" {
					t.Errorf("peer relation = %+v", peers)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := fixture()
			if tc.mutate != nil {
				tc.mutate(m)
			}
			st, err := m.UnitState(tc.unit)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, s := range st.Secrets {
				got[secretID(s.ID)] = s.Owner
			}
			if !reflect.DeepEqual(got, tc.secrets) {
				t.Errorf("secrets seen (ID → owner) = %v, want %v", got, tc.secrets)
			}
			if ids := relationIDs(st); !slices.Equal(ids, tc.relations) {
				t.Errorf("relations = %v, want %v", ids, tc.relations)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

func TestUnitStateUnknownUnit(t *testing.T) {
	t.Parallel()
	for unit, want := range map[string]string{
		"nope/0":  `unit "nope/0" not found`,
		"hydra/7": `unit "hydra/7" not found`,
		"hydra":   `"hydra" is not a valid unit name`,
	} {
		if _, err := fixture().UnitState(unit); err == nil || err.Error() != want {
			t.Errorf("UnitState(%q) = %v, want %q", unit, err, want)
		}
	}
}
