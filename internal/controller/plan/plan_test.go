package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// checkOrder asserts that every step's requirements come before it.
func checkOrder(t *testing.T, steps []Step) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range steps {
		for _, r := range s.Requires {
			if !seen[r] {
				t.Errorf("step %s requires %s, which comes later or never", s.ID, r)
			}
		}
		seen[s.ID] = true
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	b, err := ParseBundle(filepath.Join("testdata", "bundles", "good", "bundle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Plan(b)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, steps)
	var got []string
	for _, s := range steps {
		got = append(got, s.ID+" "+s.Description)
	}
	// Juju's order: applications in natural name order, each charm then
	// its application (and expose), relations last in bundle order.
	want := []string{
		"addCharm-0 upload charm " + b.Applications["app"].Charm.Path,
		"deploy-1 deploy application app with 1 unit",
		"addCharm-2 upload charm " + b.Applications["db"].Charm.Path,
		"deploy-3 deploy application db with 2 units",
		"addCharm-4 upload charm " + b.Applications["echo"].Charm.Path + " for base ubuntu@22.04/stable",
		"deploy-5 deploy application echo with 1 unit on ubuntu@22.04/stable",
		"addCharm-6 upload charm " + b.Applications["proxy"].Charm.Path,
		"deploy-7 deploy application proxy with 1 unit",
		"expose-8 expose all endpoints of proxy and allow access from CIDRs 0.0.0.0/0 and ::/0",
		"addRelation-9 add relation app:database - db",
		"addRelation-10 add relation proxy - app",
		"addRelation-11 add relation app:metrics - db:metrics",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	byID := map[string]Step{}
	for _, s := range steps {
		byID[s.ID] = s
	}
	db := byID["deploy-3"]
	if db.Kind != StepDeploy || db.Application != "db" || db.NumUnits != 2 || db.Charm != b.Applications["db"].Charm {
		t.Errorf("deploy db = %+v", db)
	}
	if !reflect.DeepEqual(db.Options, b.Applications["db"].Options) || db.AppConfig["trust"] != true || db.Resources["db-image"] != "registry.example/db:1" {
		t.Errorf("deploy db: options %v app config %v resources %v", db.Options, db.AppConfig, db.Resources)
	}
	if s := byID["addCharm-0"]; s.Kind != StepAddCharm || s.Charm != b.Applications["app"].Charm {
		t.Errorf("addCharm-0 = %+v", s)
	}
	if s := byID["expose-8"]; s.Kind != StepExpose || s.Application != "proxy" {
		t.Errorf("expose-8 = %+v", s)
	}
	for id, key := range map[string]string{
		"addRelation-9":  "app:database db:database",
		"addRelation-10": "proxy:backend app:website",
		"addRelation-11": "app:metrics db:metrics",
	} {
		if s := byID[id]; s.Kind != StepAddRelation || s.Relation.Key() != key {
			t.Errorf("%s = %s %q, want relation %q", id, s.Kind, s.Relation.Key(), key)
		}
	}
	// The plan owns its maps: changing them leaves the bundle alone.
	db.Options["port"] = int64(1)
	if b.Applications["db"].Options["port"] != int64(6432) {
		t.Error("a step shares its options with the bundle")
	}
}

// TestProjectBundle builds this repository's charms with cmd/charmpack,
// exactly as `make charms` does, next to a copy of bundle/bundle.yaml (its
// charm paths point at ../build/), and plans its deployment.
func TestProjectBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every charm")
	}
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	defs, err := filepath.Glob(filepath.Join(root, "charms", "*", "charmcraft.yaml"))
	if err != nil || len(defs) == 0 {
		t.Fatalf("no charms (err %v)", err)
	}
	src, err := os.ReadFile(filepath.Join(root, "bundle", "bundle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bundle := writeFile(t, tmp, "bundle/bundle.yaml", string(src))
	args := []string{"run", "./cmd/charmpack", "-o", filepath.Join(tmp, "build")}
	for _, d := range defs {
		args = append(args, filepath.Join("charms", filepath.Base(filepath.Dir(d))))
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	b, err := ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Plan(b)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, steps)
	deployed := map[string]Step{}
	for _, s := range steps {
		t.Logf("%s: %s", s.ID, s.Description)
		if s.Kind == StepDeploy {
			deployed[s.Application] = s
		}
	}
	if len(deployed) != len(b.Data.Applications) {
		t.Errorf("plan deploys %d applications, bundle has %d", len(deployed), len(b.Data.Applications))
	}
	if len(b.Relations) != len(b.Data.Relations) {
		t.Errorf("%d relations resolved, bundle has %d", len(b.Relations), len(b.Data.Relations))
	}
	for name, app := range b.Applications {
		if app.Charm.Def != nil || !strings.HasSuffix(app.Charm.Path, ".charm") {
			t.Errorf("%s: charm %s is not the built archive", name, app.Charm.Path)
		}
	}

	// The integrator: its configuration and action as `juju config` and
	// `juju run` would check them.
	const idp = "kratos-external-idp-integrator"
	app, ok := b.Applications[idp]
	if !ok {
		t.Fatalf("bundle has no %s", idp)
	}
	if s := deployed[idp]; s.NumUnits != 1 || s.Options["provider"] != "generic" {
		t.Errorf("deploy %s = %d units, options %v", idp, s.NumUnits, s.Options)
	}
	c, err := ParseConfigArgs(app.Charm, idp, []string{"provider=microsoft", "enabled=false", "client_id=abc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"provider": "microsoft", "enabled": false, "client_id": "abc"}; !reflect.DeepEqual(c.Set, want) {
		t.Errorf("config = %v, want %v", c.Set, want)
	}
	_, err = ParseConfigArgs(app.Charm, idp, []string{"enabled=maybe"}, nil)
	checkErr(t, err, `parsing settings for application: option "enabled" expected boolean, got "maybe"`)
	req, err := ParseRunArgs([]string{idp + "/0", "get-redirect-uri"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateActionParams(app.Charm, req.Units[0], req.Action, req.Params); err != nil {
		t.Error(err)
	}
	_, err = ValidateActionParams(app.Charm, idp+"/0", "get-redirect-url", nil)
	checkErr(t, err, `action "get-redirect-url" not defined on unit "kratos-external-idp-integrator/0"`)
}
