package packaging_test

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
)

// maxDispatchSize is the budget for one charm binary: Juju copies the
// charm into every unit's charm container, so size is paid per unit.
const maxDispatchSize = 10 << 20

// TestCharmArchives builds and packs every charm of the repository exactly
// as `make charms` does and reads each archive the way the Juju controller
// does.
func TestCharmArchives(t *testing.T) {
	root := repoRoot(t)
	defs, err := filepath.Glob(filepath.Join(root, "charms", "*", charmcraft.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Skip("no charms/*/charmcraft.yaml yet")
	}
	if testing.Short() {
		t.Skip("compiles every charm")
	}
	for _, defPath := range defs {
		dir := filepath.Dir(defPath)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			def, err := charmcraft.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := def.Validate(); err != nil {
				t.Fatal(err)
			}
			archs := def.Architectures()
			if len(archs) != 1 {
				t.Fatalf("platforms give architectures %v; charmpack packs exactly one", archs)
			}
			dispatch := filepath.Join(t.TempDir(), charmpack.DispatchName)
			err = charmpack.Build(context.Background(), charmpack.BuildOptions{
				Package: "./" + filepath.ToSlash(filepath.Join("charms", filepath.Base(dir))),
				Dir:     root,
				Output:  dispatch,
				GOARCH:  archs[0],
			})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), def.Name+".charm")
			res, err := charmpack.Pack(charmpack.Options{Charm: def, Dispatch: dispatch, Output: out})
			if err != nil {
				t.Fatal(err)
			}
			checkArchive(t, def, out)

			hdr := zipEntry(t, out, charmpack.DispatchName)
			if hdr.UncompressedSize64 >= maxDispatchSize {
				t.Errorf("dispatch is %d bytes, budget is %d", hdr.UncompressedSize64, maxDispatchSize)
			}
			t.Logf("%s: dispatch %.1f MiB, archive %.1f MiB", def.Name,
				float64(hdr.UncompressedSize64)/(1<<20), float64(res.Size)/(1<<20))
		})
	}
}

// TestFixtureCharms runs the archive checks on the valid fixtures, so the
// machinery is exercised even before the repository has charms.
func TestFixtureCharms(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "charms", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixture charms (err %v)", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			def, out := packDir(t, dir, stubDispatch(t))
			checkArchive(t, def, out)
		})
	}
}

// checkArchive reads a packed charm with Juju's code and compares Juju's
// view with the definition it was generated from.
func checkArchive(t *testing.T, def *charmcraft.Charm, path string) {
	t.Helper()
	ch, err := charm.ReadCharmArchive(path)
	if err != nil {
		t.Fatalf("charm.ReadCharmArchive: %v", err)
	}
	if err := charm.CheckMeta(ch); err != nil {
		t.Fatalf("charm.CheckMeta: %v", err)
	}
	if f := charm.MetaFormat(ch); f != charm.FormatV2 {
		t.Errorf("charm.MetaFormat = %v, want FormatV2 (sidecar)", f)
	}
	checkManifest(t, def, path)

	if hdr := zipEntry(t, path, charmpack.DispatchName); hdr.Mode() != 0o755 {
		t.Errorf("dispatch mode = %v, want 0755", hdr.Mode())
	}

	meta := ch.Meta()
	if meta.Name != def.Name {
		t.Errorf("name = %q, want %q", meta.Name, def.Name)
	}
	for name, ct := range def.Containers {
		got, ok := meta.Containers[name]
		if !ok || got.Resource != ct.Resource || len(got.Mounts) != len(ct.Mounts) {
			t.Errorf("container %s = %+v, want resource %q with %d mounts", name, got, ct.Resource, len(ct.Mounts))
		}
		if hook := name + "-pebble-ready"; !meta.Hooks()[hook] {
			t.Errorf("Juju does not know hook %s", hook)
		}
	}
	for _, role := range []struct {
		name string
		want map[string]charmcraft.Endpoint
		got  map[string]charm.Relation
	}{{"provides", def.Provides, meta.Provides}, {"requires", def.Requires, meta.Requires}, {"peers", def.Peers, meta.Peers}} {
		if len(role.got) != len(role.want) {
			t.Errorf("%s: Juju sees %d endpoints, definition has %d", role.name, len(role.got), len(role.want))
		}
		for name, ep := range role.want {
			rel, ok := role.got[name]
			if !ok || rel.Interface != ep.Interface || rel.Limit != ep.Limit || rel.Optional != ep.Optional {
				t.Errorf("%s.%s: Juju sees %+v, definition has %+v", role.name, name, rel, ep)
			}
		}
	}

	var wantOptions map[string]charmcraft.Option
	if def.Config != nil {
		wantOptions = def.Config.Options
	}
	gotOptions := ch.Config().Options
	if len(gotOptions) != len(wantOptions) {
		t.Errorf("Juju sees %d options, definition has %d", len(gotOptions), len(wantOptions))
	}
	for name, opt := range wantOptions {
		got, ok := gotOptions[name]
		// Juju widens ints to int64 and floats to float64; compare values.
		if !ok || got.Type != opt.Type || fmt.Sprint(got.Default) != fmt.Sprint(opt.Default) {
			t.Errorf("option %s: Juju sees %+v, definition has %+v", name, got, opt)
		}
	}

	var gotActions []string
	if acts := ch.Actions(); acts != nil {
		for name := range acts.ActionSpecs {
			gotActions = append(gotActions, name)
		}
	}
	var wantActions []string
	for name := range def.Actions {
		wantActions = append(wantActions, name)
	}
	slices.Sort(gotActions)
	slices.Sort(wantActions)
	if !slices.Equal(gotActions, wantActions) {
		t.Errorf("Juju sees actions %v, definition has %v", gotActions, wantActions)
	}
}

// checkManifest reads manifest.yaml with Juju's reader: one base, the
// definition's channel, the definition's architectures.
func checkManifest(t *testing.T, def *charmcraft.Charm, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("manifest.yaml")
	if err != nil {
		t.Fatalf("open manifest.yaml: %v", err)
	}
	defer f.Close()
	m, err := charm.ReadManifest(f)
	if err != nil {
		t.Fatalf("charm.ReadManifest: %v", err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	_, channel, _ := strings.Cut(def.Base, "@")
	if len(m.Bases) != 1 {
		t.Fatalf("manifest has %d bases, want 1", len(m.Bases))
	}
	b := m.Bases[0]
	if b.Name != "ubuntu" || b.Channel.Track != channel || !slices.Equal(b.Architectures, def.Architectures()) {
		t.Errorf("manifest base = %s %s %v, want ubuntu %s %v", b.Name, b.Channel, b.Architectures, channel, def.Architectures())
	}
}

// TestBrokenCharms shows that each broken fixture is rejected twice: by our
// validator (at pack time) and, when packed anyway, by Juju itself with the
// error text an operator would see.
func TestBrokenCharms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir     string
		ours    string
		jujuErr string
	}{
		{"bad-option-type", `config.options.port.type: unknown type "integer"`, `option "port" has unknown type "integer"`},
		{"bad-option-default", `config.options.port.default: expected an int, got string "abc"`, `invalid config default: option "port" expected int, got "abc"`},
		{"bad-action-name", `bad action name "Bad_Name"`, `bad action name Bad_Name`},
		{"missing-resource", `referenced resource "missing" is not declared`, `referenced resource "missing" not found`},
		{"file-resource-container", `referenced resource "settings" is not an oci-image`, `referenced resource "settings" is not a oci-image`},
		{"undeclared-storage", `storage "nope" is not declared`, `storage "nope" not valid`},
		{"reserved-endpoint", `provides.juju-info2: reserved endpoint name`, `using a reserved relation name: "juju-info2"`},
	}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "charms-broken", "*"))
	if len(dirs) != len(tests) {
		t.Errorf("%d broken fixtures on disk, %d in the table: keep them in step", len(dirs), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			def, err := charmcraft.Load(filepath.Join("testdata", "charms-broken", tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			err = def.Validate()
			var verr *charmcraft.ValidationError
			if !errors.As(err, &verr) || !strings.Contains(err.Error(), tt.ours) {
				t.Errorf("Validate = %v, want a ValidationError containing %q", err, tt.ours)
			}

			path := packUnvalidated(t, def)
			ch, err := charm.ReadCharmArchive(path)
			if err == nil {
				err = charm.CheckMeta(ch)
			}
			if err == nil || !strings.Contains(err.Error(), tt.jujuErr) {
				t.Errorf("Juju verdict = %v, want containing %q", err, tt.jujuErr)
			}
		})
	}
}

// TestBuiltArchives reads what `make charms` left in build/ (when it has
// run), so the archives an operator deploys are the ones checked.
func TestBuiltArchives(t *testing.T) {
	root := repoRoot(t)
	built, err := filepath.Glob(filepath.Join(root, "build", "*.charm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(built) == 0 {
		t.Skip("no build/*.charm: run `make charms`")
	}
	for _, path := range built {
		name := strings.TrimSuffix(filepath.Base(path), ".charm")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			def, err := charmcraft.Load(charmDirByName(filepath.Join(root, "charms"), name))
			if err != nil {
				t.Fatalf("%s has no charm definition: %v", path, err)
			}
			checkArchive(t, def, path)
			if hdr := zipEntry(t, path, charmpack.DispatchName); hdr.UncompressedSize64 >= maxDispatchSize {
				t.Errorf("dispatch is %d bytes, budget is %d", hdr.UncompressedSize64, maxDispatchSize)
			}
		})
	}
}
