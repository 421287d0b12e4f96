package plan

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseBundleGood(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "bundles", "good", "bundle.yaml")
	b, err := ParseBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "bundles", "good"))
	if b.Path != filepath.Join(abs, "bundle.yaml") {
		t.Errorf("Path = %q", b.Path)
	}
	db := b.Applications["db"]
	wantDB := map[string]any{"port": int64(6432), "debug": true, "ratio": float64(1), "name": "main"}
	if !reflect.DeepEqual(db.Options, wantDB) {
		t.Errorf("db options = %#v, want %#v", db.Options, wantDB)
	}
	if db.Scale != 2 || !db.RequiresTrust || db.Constraints != "mem=1G" {
		t.Errorf("db = scale %d trust %v constraints %q", db.Scale, db.RequiresTrust, db.Constraints)
	}
	wantRes := map[string]string{"db-image": "registry.example/db:1", "seed": filepath.Join(abs, "seed.sql")}
	if !reflect.DeepEqual(db.Resources, wantRes) {
		t.Errorf("db resources = %v, want %v", db.Resources, wantRes)
	}
	if app := b.Applications["app"]; app.Scale != 1 || app.Options["title"] != "Hello" || app.RequiresTrust {
		t.Errorf("app = %+v", app)
	}
	if !b.Applications["proxy"].Expose {
		t.Error("proxy is not exposed")
	}
	if echo := b.Applications["echo"]; echo.Charm.Def == nil || echo.Charm.Dispatch == "" {
		t.Errorf("echo charm = %+v, want the charmcraft.yaml directory with its dispatch", echo.Charm)
	}
	var keys []string
	for _, r := range b.Relations {
		keys = append(keys, r.Key())
	}
	wantKeys := []string{"app:database db:database", "proxy:backend app:website", "app:metrics db:metrics"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("relations = %q, want %q", keys, wantKeys)
	}
	if !slices.ContainsFunc(b.Warnings, func(w string) bool { return strings.Contains(w, `"db": constraints mem=1G ignored`) }) {
		t.Errorf("warnings %q do not mention db's constraints", b.Warnings)
	}

	if got := b.RequiringTrust(); !slices.Equal(got, []string{"db"}) {
		t.Errorf("RequiringTrust() = %v", got)
	}
	checkErr(t, b.CheckTrust(false, false), "Bundle cannot be deployed without trusting applications with your cloud credentials.\n"+
		"Please repeat the deploy command with the --trust argument if you consent to trust the following application(s):\n  - db")
	checkErr(t, b.CheckTrust(true, false), "")
	checkErr(t, b.CheckTrust(false, true), "")
}

// TestParseBundleErrors: each broken bundle fails with every one of its
// problems, in Juju's words, and with nothing else.
func TestParseBundleErrors(t *testing.T) {
	t.Parallel()
	charms, _ := filepath.Abs(filepath.Join("testdata", "charms"))
	tests := []struct {
		name   string
		bundle string
		want   []string // substrings, one per problem
	}{
		{name: "client-side verification", bundle: `
bundle: kubernetes
applications:
  db:
    charm: CHARMS/db
    scale: 1
    constraints: mem=lots
    storage:
      data: 1X
  app:
    charm: CHARMS/app
    num_units: -1
relations:
  - [app:database, ghost]
  - [app:Database, db]
  - [app:database, db:database]
  - [db:database, app:database]
`, want: []string{
			`invalid constraints "mem=lots" in application "db"`,
			`invalid storage "data" in application "db"`,
			`negative number of units specified on application "app"`,
			`relation ["app:database" "ghost"] refers to application "ghost" not defined in this bundle`,
			`invalid relation syntax "app:Database"`,
			`relation ["db:database" "app:database"] is defined more than once`,
		}},
		{name: "image-id in the base bundle", bundle: `
bundle: kubernetes
applications:
  db:
    charm: CHARMS/db
    constraints: image-id=ubuntu-bf2
`, want: []string{`invalid constraints "image-id=ubuntu-bf2" in application "db": 'image-id' constraint in a base bundle not supported`}},
		{name: "missing charm", bundle: `
bundle: kubernetes
applications:
  db:
    charm: ./nowhere/db
`, want: []string{`charm path in application "db" does not exist: DIR/nowhere/db`}},
		{name: "not for the local controller", bundle: `
applications:
  pg:
    charm: postgresql-k8s
    channel: 14/stable
saas:
  remote:
    url: admin/other.db
`, want: []string{
			`the local controller deploys Kubernetes bundles only`,
			`the local controller has no cross-model relations`,
			`application "pg": charm "postgresql-k8s" is not a local charm`,
		}},
		{name: "malformed charm", bundle: `
bundle: kubernetes
applications:
  bad:
    charm: CHARMS/bad-config
`, want: []string{`cannot deploy local charm at "CHARMS/bad-config": parsing "config.yaml" file: invalid config: option "port" has unknown type "integer"`}},
		{name: "checks against the charms", bundle: `
bundle: kubernetes
applications:
  db:
    charm: CHARMS/db
    options:
      bogus: 1
      port: lots
  app:
    charm: CHARMS/app
  proxy:
    charm: CHARMS/proxy
relations:
  - [app:nope, db:database]
  - [app:metrics, db:database]
  - [app, db]
  - [proxy, db]
`, want: []string{
			`charm "CHARMS/app" used by application "app" does not define relation "nope"`,
			`mismatched interface between "db:database" and "app:metrics" ("pgsql" vs "prometheus")`,
			`cannot infer endpoint between app and db: ambiguous relation: app db could refer to`,
			`cannot infer endpoint between proxy and db: no relations found`,
			`cannot validate application "db": configuration option "bogus" not found in charm "CHARMS/db"`,
			`cannot validate application "db": option "port" expected int, got "lots"`,
		}},
		{name: "checks after Juju's", bundle: `
bundle: kubernetes
applications:
  db:
    charm: CHARMS/db
    options:
      admin-password: "secret:not a uri"
    resources:
      nope: x
      db-image: 3
  logger:
    charm: CHARMS/logger
  proxy:
    charm: CHARMS/proxy
`, want: []string{
			`cannot validate application "db": invalid secret URI for option "admin-password"`,
			`application "db": charm "db" has no resource "nope"`,
			`application "db": resource "db-image" is a Charmhub revision`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "bundle.yaml", strings.ReplaceAll(tt.bundle, "CHARMS", charms))
			_, err := ParseBundle(path)
			if err == nil {
				t.Fatal("no error")
			}
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a *BundleError", err)
			}
			if !strings.HasPrefix(err.Error(), "cannot deploy bundle: the provided bundle has the following errors:\n") {
				t.Errorf("error does not read like juju deploy's: %v", err)
			}
			var got []string
			for _, e := range be.Errors {
				got = append(got, e.Error())
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(strings.ReplaceAll(w, "CHARMS", charms), "DIR", dir)
				if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
					t.Errorf("missing error %q", w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
		})
	}
}

func TestParseBundleWarnings(t *testing.T) {
	t.Parallel()
	charms, _ := filepath.Abs(filepath.Join("testdata", "charms"))
	path := writeFile(t, t.TempDir(), "bundle.yaml", fmt.Sprintf(`
bundle: kubernetes
applications:
  db:
    charm: %s/db
    trsut: true
    options:
      trust: true
    storage:
      data: 1G
    annotations:
      gui-x: "1"
`, charms))
	b, err := ParseBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"field trsut not found", `"db": storage directives ignored`, `"db": annotations ignored`} {
		if !slices.ContainsFunc(b.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no warning %q in %q", w, b.Warnings)
		}
	}
	// trust among the options is application config, not a charm option.
	db := b.Applications["db"]
	if !db.RequiresTrust || db.AppConfig["trust"] != true || len(db.Options) != 0 {
		t.Errorf("db = trust %v app config %v options %v", db.RequiresTrust, db.AppConfig, db.Options)
	}
}

func TestParseBundleNotFound(t *testing.T) {
	t.Parallel()
	_, err := ParseBundle(filepath.Join(t.TempDir(), "nope.yaml"))
	checkErr(t, err, "~cannot deploy bundle: ")
}
