package model

// Secret IDs of the fixture.
const (
	pgSecret     = "d0f3h5ltmf1s4kmdpt3g" // postgresql's, granted to hydra over relation 2
	unitSecret   = "cu9h1q4tmf1s4kmdpt30" // hydra/1's own
	kratosSecret = "cu9h1q4tmf1s4kmdpt31" // postgresql's, granted to kratos/0 only over relation 3
	userSecret   = "cu9h1q4tmf1s4kmdpt32" // the operator's, granted to kratos
	hydraSecret  = "cu9h1q4tmf1s4kmdpt33" // hydra's application secret
)

const uuid = "7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e"

func uri(id string) string { return "secret://" + uuid + "/" + id }

// fixture is a model built by hand (not through the operations): hydra
// (two units, hydra/0 leads) with a peer relation, related to postgresql
// (relation 2); kratos related to postgresql too (relation 3), and a few
// secrets.
func fixture() *Model {
	m := New("dev")
	m.UUID = uuid
	unit := func(name string, n int, addr string) *Unit {
		return &Unit{Name: name, Number: n, Life: Alive, Address: addr,
			WorkloadStatus: Status{Name: "active"}, AgentStatus: Status{Name: "idle"}}
	}
	m.Applications = map[string]*Application{
		"hydra": {Name: "hydra", Charm: "hydra", Life: Alive, Leader: "hydra/0", NextUnit: 2,
			Config: Settings{"port": int64(4444)},
			Units:  map[int]*Unit{0: unit("hydra/0", 0, "10.1.0.1"), 1: unit("hydra/1", 1, "10.1.0.2")}},
		"postgresql": {Name: "postgresql", Charm: "postgresql-k8s", Life: Alive, Leader: "postgresql/0", NextUnit: 1,
			Units: map[int]*Unit{0: unit("postgresql/0", 0, "10.1.0.3")}},
		"kratos": {Name: "kratos", Charm: "kratos", Life: Alive, Leader: "kratos/0", NextUnit: 1,
			Units: map[int]*Unit{0: unit("kratos/0", 0, "10.1.0.4")}},
	}
	m.Applications["hydra"].Units[0].Stored = map[string]string{"seen": "1"}
	m.Relations = map[int]*Relation{
		1: {ID: 1, Key: "hydra:peers", Life: Alive,
			Endpoints:       []Endpoint{{App: "hydra", Name: "peers", Role: "peer", Interface: "hydra_peers", Scope: "global"}},
			AppData:         map[string]map[string]string{"hydra": {"shared": "yes"}},
			AppDataVersion:  map[string]int64{"hydra": 1},
			UnitData:        map[string]map[string]string{"hydra/0": {"p": "0"}, "hydra/1": {"p": "1"}},
			UnitDataVersion: map[string]int64{"hydra/0": 1, "hydra/1": 1},
			Members:         map[string][]string{"hydra": {"hydra/0", "hydra/1"}}},
		2: {ID: 2, Key: "hydra:pg-database postgresql:database", Life: Alive,
			Endpoints: []Endpoint{
				{App: "hydra", Name: "pg-database", Role: "requirer", Interface: "postgresql_client", Scope: "global"},
				{App: "postgresql", Name: "database", Role: "provider", Interface: "postgresql_client", Scope: "global"}},
			AppData:         map[string]map[string]string{"hydra": {"database": "hydra"}, "postgresql": {"endpoints": "pg:5432", "secret-user": uri(pgSecret)}},
			AppDataVersion:  map[string]int64{"hydra": 2, "postgresql": 3},
			UnitData:        map[string]map[string]string{"hydra/0": {"h": "0"}, "hydra/1": {}, "postgresql/0": {"ingress-address": "10.1.0.3"}},
			UnitDataVersion: map[string]int64{"hydra/0": 1, "hydra/1": 1, "postgresql/0": 1},
			Members:         map[string][]string{"hydra": {"hydra/0", "hydra/1"}, "postgresql": {"postgresql/0"}}},
		3: {ID: 3, Key: "kratos:pg-database postgresql:database", Life: Alive,
			Endpoints: []Endpoint{
				{App: "kratos", Name: "pg-database", Role: "requirer", Interface: "postgresql_client", Scope: "global"},
				{App: "postgresql", Name: "database", Role: "provider", Interface: "postgresql_client", Scope: "global"}},
			AppData:         map[string]map[string]string{"kratos": {}, "postgresql": {}},
			AppDataVersion:  map[string]int64{"kratos": 1, "postgresql": 1},
			UnitData:        map[string]map[string]string{"kratos/0": {}, "postgresql/0": {}},
			UnitDataVersion: map[string]int64{"kratos/0": 1, "postgresql/0": 1},
			Members:         map[string][]string{"kratos": {"kratos/0"}, "postgresql": {"postgresql/0"}}},
	}
	m.NextRelationID = 4
	m.Secrets = map[string]*Secret{
		pgSecret: {ID: pgSecret, URI: uri(pgSecret), Owner: Owner{OwnerApplication, "postgresql"}, Label: "user",
			LatestRevision: 2, Revisions: []Revision{{1, map[string]string{"password": "old"}}, {2, map[string]string{"password": "new"}}},
			Consumers: map[string]Consumer{"hydra/0": {Label: "db-user", TrackedRevision: 1}},
			Grants:    map[int][]string{2: {"hydra"}}},
		unitSecret: {ID: unitSecret, URI: uri(unitSecret), Owner: Owner{OwnerUnit, "hydra/1"}, Label: "mine",
			LatestRevision: 1, Revisions: []Revision{{1, map[string]string{"key": "k"}}}},
		kratosSecret: {ID: kratosSecret, URI: uri(kratosSecret), Owner: Owner{OwnerApplication, "postgresql"},
			LatestRevision: 1, Revisions: []Revision{{1, map[string]string{"password": "k"}}},
			Grants: map[int][]string{3: {"kratos/0"}}},
		userSecret: {ID: userSecret, URI: "secret:" + userSecret, Owner: Owner{OwnerModel, "dev"}, Label: "smtp",
			LatestRevision: 1, Revisions: []Revision{{1, map[string]string{"password": "smtp"}}},
			UserGrants: []string{"kratos"}},
		hydraSecret: {ID: hydraSecret, URI: uri(hydraSecret), Owner: Owner{OwnerApplication, "hydra"}, Label: "system",
			LatestRevision: 1, Revisions: []Revision{{1, map[string]string{"key": "s"}}}},
	}
	return m
}
