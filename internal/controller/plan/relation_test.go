package plan

import (
	"testing"

	"github.com/juju/charm/v12"
)

func testModel(t *testing.T) map[string]*Charm {
	return model(t, map[string]string{
		"db":      fixture("db"),
		"db2":     fixture("db"),
		"app":     fixture("app"),
		"proxy":   fixture("proxy"),
		"logger":  fixture("logger"),
		"watcher": fixture("watcher"),
	})
}

func TestInferRelation(t *testing.T) {
	t.Parallel()
	apps := testModel(t)
	tests := []struct {
		a, b     string
		ep1, ep2 string // "app:endpoint"; empty when an error is expected
		want     string
	}{
		{a: "app:database", b: "db", ep1: "app:database", ep2: "db:database"},
		{a: "db", b: "app:database", ep1: "db:database", ep2: "app:database"},
		{a: "app:database", b: "db:database", ep1: "app:database", ep2: "db:database"},
		{a: "proxy", b: "app", ep1: "proxy:backend", ep2: "app:website"},
		{a: "app", b: "db",
			want: `ambiguous relation: "app db" could refer to "app:database db:database"; "app:metrics db:metrics"; "app:reporting db:database"`},
		{a: "app:metrics", b: "db", ep1: "app:metrics", ep2: "db:metrics"},
		{a: "proxy", b: "db", want: "no relations found"},
		{a: "db", b: "db2", want: "no relations found"},
		{a: "db", b: "db", want: "no relations found"},
		{a: "db:replicas", b: "app", want: "no relations found"}, // peers never match
		{a: "app:nope", b: "db", want: `application "app" has no "nope" relation`},
		{a: "ghost", b: "db", want: `application "ghost" not found (not found)`},
		{a: "app:", b: "db", want: `invalid endpoint "app:"`},
		{a: "app:database", b: "db:metrics", want: "no relations found"}, // interfaces differ
		// The implicit juju-info endpoint: a subordinate attaches through it
		// (container scope is fine because logger is subordinate) ...
		{a: "logger", b: "app", ep1: "logger:host", ep2: "app:juju-info"},
		{a: "proxy", b: "logger", ep1: "proxy:juju-info", ep2: "logger:host"},
		// ... and it loses to an explicit pair when both match.
		{a: "watcher", b: "app", ep1: "watcher:site", ep2: "app:website"},
		{a: "watcher", b: "db", ep1: "watcher:info", ep2: "db:juju-info"},
		{a: "watcher:info", b: "app", ep1: "watcher:info", ep2: "app:juju-info"},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			t.Parallel()
			ep1, ep2, err := InferRelation(apps, tt.a, tt.b)
			checkErr(t, err, tt.want)
			if err != nil {
				return
			}
			if ep1.String() != tt.ep1 || ep2.String() != tt.ep2 {
				t.Errorf("got %s %s, want %s %s", ep1, ep2, tt.ep1, tt.ep2)
			}
		})
	}
}

func TestIntegrate(t *testing.T) {
	t.Parallel()
	apps := testModel(t)
	rel := func(args ...string) Relation {
		t.Helper()
		r, err := Integrate(apps, nil, args)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	appDB := rel("app:database", "db")
	appDB2 := rel("app:database", "db2")
	suspended := appDB2
	suspended.Suspended = true
	tests := []struct {
		name     string
		existing []Relation
		args     []string
		key      string
		want     string
	}{
		{name: "requirer first in the key", args: []string{"db", "app:database"}, key: "app:database db:database"},
		{name: "one argument", args: []string{"app"}, want: "an integration must involve two applications"},
		{name: "three arguments", args: []string{"app", "db", "proxy"}, want: "an integration must involve two applications"},
		{name: "bad application name", args: []string{"App", "db"}, want: `application name "App" not valid`},
		{name: "bad endpoint name", args: []string{"app:Data", "db"}, want: `endpoint "app:Data" not valid`},
		{name: "two colons", args: []string{"app::database", "db"}, want: `endpoint "app::database" not valid`},
		{name: "leading colon", args: []string{":database", "db"}, want: `endpoint ":database" not valid`},
		{name: "offer URL", args: []string{"app:database", "admin/prod.db"}, want: `~the local controller has no cross-model relations`},
		{name: "inference error", args: []string{"app", "db"}, want: `~ambiguous relation: "app db" could refer to`},
		{name: "already exists", existing: []Relation{appDB}, args: []string{"db", "app:database"},
			want: "cannot add relation \"app:database db:database\"\nrelation app:database db:database (already exists): \n\nUse 'juju status --relations' to view the current relations."},
		{name: "limit reached", existing: []Relation{appDB2}, args: []string{"app:database", "db"},
			want: `cannot add relation "app:database db:database": establishing a new relation for app:database would exceed its maximum relation limit of 1 (quota limit exceeded)`},
		{name: "suspended relations do not count", existing: []Relation{suspended}, args: []string{"app:database", "db"}, key: "app:database db:database"},
		{name: "no limit on the other side", existing: []Relation{appDB}, args: []string{"app:reporting", "db"}, key: "app:reporting db:database"},
		{name: "subordinate", args: []string{"logger", "proxy"}, key: "logger:host proxy:juju-info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Integrate(apps, tt.existing, tt.args)
			checkErr(t, err, tt.want)
			if err != nil {
				return
			}
			if r.Key() != tt.key {
				t.Errorf("Key() = %q, want %q", r.Key(), tt.key)
			}
		})
	}
}

// TestIntegrateContainerScope: a container-scoped side makes the relation
// container-scoped on both sides, as state.AddRelation does.
func TestIntegrateContainerScope(t *testing.T) {
	t.Parallel()
	r, err := Integrate(testModel(t), nil, []string{"proxy", "logger"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range r.Endpoints {
		if ep.Scope != charm.ScopeContainer {
			t.Errorf("%s has scope %q, want container", ep, ep.Scope)
		}
	}
}

func TestRelationKey(t *testing.T) {
	t.Parallel()
	peer := Endpoint{Application: "db", Relation: charm.Relation{Name: "replicas", Role: charm.RolePeer}}
	if got := RelationKey(peer); got != "db:replicas" {
		t.Errorf("peer key = %q", got)
	}
	p := Endpoint{Application: "a", Relation: charm.Relation{Name: "x", Role: charm.RoleProvider}}
	r := Endpoint{Application: "z", Relation: charm.Relation{Name: "y", Role: charm.RoleRequirer}}
	if got := RelationKey(p, r); got != "z:y a:x" {
		t.Errorf("key = %q, want requirer first", got)
	}
}
