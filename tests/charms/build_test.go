// Package charms_test builds the test charms under tests/charms exactly as
// documented (go run ./cmd/charmpack) and reads the archives with Juju's
// own reader, so that a change to the runtime, charmcraft or charmpack
// that breaks them fails here rather than in the controller's tests.
package charms_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/charmcraft"
)

// testCharms are the charm directories, relative to the module root.
func testCharms() []string {
	return []string{"tests/charms/recorder", "tests/charms/workload", "tests/charms/oauth-test-app"}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

func TestPack(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles the test charms")
	}
	root := repoRoot(t)
	out := t.TempDir()
	cmd := exec.Command("go", append([]string{"run", "./cmd/charmpack", "-o", out}, testCharms()...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run ./cmd/charmpack: %v\n%s", err, stderr.String())
	}
	t.Logf("charmpack:\n%s", stdout.String())

	for _, dir := range testCharms() {
		def, err := charmcraft.Load(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := def.Validate(); err != nil {
			t.Fatal(err)
		}
		if def.Name != filepath.Base(dir) {
			t.Errorf("%s: charm name %q, want the directory's name", dir, def.Name)
		}
		path := filepath.Join(out, def.Name+".charm")
		ch, err := charm.ReadCharmArchive(path)
		if err != nil {
			t.Fatalf("%s: charm.ReadCharmArchive: %v", dir, err)
		}
		if err := charm.CheckMeta(ch); err != nil {
			t.Errorf("%s: charm.CheckMeta: %v", dir, err)
		}
		if f := charm.MetaFormat(ch); f != charm.FormatV2 {
			t.Errorf("%s: format %v, want FormatV2 (sidecar)", dir, f)
		}
		meta := ch.Meta()
		if meta.Name != def.Name {
			t.Errorf("%s: name %q, want %q", dir, meta.Name, def.Name)
		}
		var endpoints []string
		for name, rel := range meta.CombinedRelations() {
			endpoints = append(endpoints, string(rel.Role)+":"+name+":"+rel.Interface)
		}
		slices.Sort(endpoints)
		var wantEndpoints []string
		for _, role := range []struct {
			name string
			eps  map[string]charmcraft.Endpoint
		}{{"provider", def.Provides}, {"requirer", def.Requires}, {"peer", def.Peers}} {
			for name, ep := range role.eps {
				wantEndpoints = append(wantEndpoints, role.name+":"+name+":"+ep.Interface)
			}
		}
		slices.Sort(wantEndpoints)
		if !slices.Equal(endpoints, wantEndpoints) {
			t.Errorf("%s: Juju sees endpoints %q, want %q", dir, endpoints, wantEndpoints)
		}
		for name := range def.Actions {
			if _, ok := ch.Actions().ActionSpecs[name]; !ok {
				t.Errorf("%s: Juju does not see action %s", dir, name)
			}
		}
		if def.Config != nil {
			for name, opt := range def.Config.Options {
				if got := ch.Config().Options[name].Type; got != opt.Type {
					t.Errorf("%s: option %s has type %q for Juju, want %q", dir, name, got, opt.Type)
				}
			}
		}
		for name := range def.Containers {
			if _, ok := meta.Containers[name]; !ok {
				t.Errorf("%s: Juju does not see container %s", dir, name)
			}
		}
	}
}

// TestNotShipped keeps the test charms out of `make charms` and the
// bundle.
func TestNotShipped(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(makefile), "$(wildcard charms/*/charmcraft.yaml)") || strings.Contains(string(makefile), "tests/charms") {
		t.Error("the Makefile's CHARMS must stay charms/*: the test charms are not shipped")
	}
	bundle, err := os.ReadFile(filepath.Join(root, "bundle", "bundle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range testCharms() {
		if strings.Contains(string(bundle), dir) {
			t.Errorf("bundle/bundle.yaml names %s", dir)
		}
	}
}
