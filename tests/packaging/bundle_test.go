package packaging_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/juju/juju/core/constraints"
	"github.com/juju/juju/core/devices"
	"github.com/juju/juju/storage"

	"github.com/identity-platform-go/charms/internal/charmcraft"
)

// The callbacks `juju deploy ./bundle.yaml` passes to the verifier
// (cmd/juju/application/bundle in Juju 3.6.11). These three Juju packages
// are light (a handful of packages each), so the real parsers are used
// rather than approximations.
func verifyConstraints(s string) error { _, err := constraints.Parse(s); return err }
func verifyStorage(s string) error     { _, err := storage.ParseConstraints(s); return err }
func verifyDevices(s string) error     { _, err := devices.ParseConstraints(s); return err }

// TestBundle verifies bundle/bundle.yaml the way `juju deploy` does, and
// then against the charms it deploys.
func TestBundle(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	path := filepath.Join(root, "bundle", "bundle.yaml")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skip("no bundle/bundle.yaml yet")
	}
	for _, err := range verifyBundle(t, path, filepath.Join(root, "charms")) {
		t.Error(err)
	}
}

// TestFixtureBundles checks the verifier itself: the good fixture passes
// and each mistake in the broken ones is reported with Juju's own text.
func TestFixtureBundles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bundle string
		want   []string // substrings, one per expected error; nil = valid
	}{
		{"good", nil},
		{"broken", []string{
			`used by application "requirer" does not define relation "no-such-endpoint"`,
			`mismatched interface between "provider:database" and "requirer:ingress" ("tiny_db" vs "ingress")`,
			`cannot validate application "provider": configuration option "bogus-option" not found in charm`,
			`cannot validate application "provider": option "max-connections" expected int, got "lots"`,
			`invalid constraints "mem=lots" in application "provider"`,
			`invalid storage "data" in application "provider"`,
		}},
		{"typo", []string{`field trsut not found in applications`}},
	}
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			t.Parallel()
			errs := verifyBundle(t, filepath.Join("testdata", "bundles", tt.bundle, "bundle.yaml"), filepath.Join("testdata", "charms"))
			var got []string
			for _, err := range errs {
				got = append(got, err.Error())
				t.Logf("verifier: %v", err)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("missing error %q", w)
				}
			}
			// Nothing unexpected either: each error matches one wanted text.
			for _, g := range got {
				if !slices.ContainsFunc(tt.want, func(w string) bool { return strings.Contains(g, w) }) {
					t.Errorf("unexpected error: %s", g)
				}
			}
		})
	}
}

// verifyBundle runs what `juju deploy <bundle>` runs client-side, then
// the charm-aware checks the controller applies, and returns every
// problem found:
//
//  1. strict decoding problems (unknown keys; the CLI only warns),
//  2. ReadAndMergeBundleData, which rewrites relative charm paths to
//     absolute ones,
//  3. VerifyLocal with the CLI's constraint, storage and device parsers,
//  4. VerifyWithCharms against the charms the bundle names.
//
// Local charm references are replaced by archives packed from source
// before verification: a directory holding charmcraft.yaml is packed as
// is, and "<anything>/<name>.charm" (`make charms` output) is packed from
// <charmsDir>/<name>, so the test needs no prior build. Charmhub names
// resolve to stand-ins under testdata/charmhub/<name>.
func verifyBundle(t *testing.T, bundlePath, charmsDir string) []error {
	t.Helper()
	src, err := charm.LocalBundleDataSource(bundlePath)
	if err != nil {
		return []error{fmt.Errorf("read %s: %w", bundlePath, err)}
	}
	var errs []error
	for i, part := range src.Parts() {
		if part.UnmarshallError != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i, part.UnmarshallError))
		}
		// Like the CLI: a base bundle may not pin an image.
		if i == 0 {
			for name, app := range part.Data.Applications {
				if app == nil || app.Constraints == "" {
					continue
				}
				if c, err := constraints.Parse(app.Constraints); err == nil && c.HasImageID() {
					errs = append(errs, fmt.Errorf("application %q: 'image-id' constraint in a base bundle", name))
				}
			}
		}
	}
	bd, err := charm.ReadAndMergeBundleData(src)
	if err != nil {
		return append(errs, fmt.Errorf("merge %s: %w", bundlePath, err))
	}

	charms := map[string]charm.Charm{}
	for _, name := range sortedApps(bd) {
		app := bd.Applications[name]
		if app == nil {
			continue // VerifyLocal reports it
		}
		key, ch, err := resolveCharm(t, app.Charm, charmsDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("application %q: %w", name, err))
			continue
		}
		// The verifier looks charms up by the application's charm
		// string, so the key and the string must agree.
		app.Charm = key
		charms[key] = ch
	}

	seen := map[string]bool{}
	for _, verr := range []error{
		bd.VerifyLocal(src.BasePath(), verifyConstraints, verifyStorage, verifyDevices),
		bd.VerifyWithCharms(verifyConstraints, verifyStorage, verifyDevices, charms),
	} {
		if verr == nil {
			continue
		}
		var v *charm.VerificationError
		if !errors.As(verr, &v) {
			errs = append(errs, verr)
			continue
		}
		// Both passes report the charm-independent problems; keep one.
		for _, e := range v.Errors {
			if !seen[e.Error()] {
				seen[e.Error()] = true
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// resolveCharm maps a bundle's charm string (after ReadAndMergeBundleData)
// to a charm and the key the bundle should use for it.
func resolveCharm(t *testing.T, ref, charmsDir string) (string, charm.Charm, error) {
	t.Helper()
	if !filepath.IsAbs(ref) {
		return resolveCharmhub(ref)
	}
	srcDir := ref
	if strings.HasSuffix(ref, ".charm") {
		// build/<name>.charm is packed from the charm directory whose
		// charmcraft.yaml has that name (charms/postgresql is
		// postgresql-k8s, as the reference charm is called).
		srcDir = charmDirByName(charmsDir, strings.TrimSuffix(filepath.Base(ref), ".charm"))
	}
	if _, err := os.Stat(filepath.Join(srcDir, charmcraft.FileName)); err != nil {
		return "", nil, fmt.Errorf("charm %s: no %s to pack it from", ref, filepath.Join(srcDir, charmcraft.FileName))
	}
	_, archive := packDir(t, srcDir, stubDispatch(t))
	ch, err := charm.ReadCharmArchive(archive)
	if err != nil {
		return "", nil, fmt.Errorf("charm %s: %w", ref, err)
	}
	if err := charm.CheckMeta(ch); err != nil {
		return "", nil, fmt.Errorf("charm %s: %w", ref, err)
	}
	return archive, ch, nil
}

// resolveCharmhub reads the stand-in for a Charmhub charm: its endpoints
// and options in Juju's own metadata.yaml/config.yaml format.
func resolveCharmhub(ref string) (string, charm.Charm, error) {
	name := strings.TrimPrefix(ref, "ch:")
	dir := filepath.Join("testdata", "charmhub", name)
	if _, err := os.Stat(filepath.Join(dir, "metadata.yaml")); err != nil {
		return "", nil, fmt.Errorf("Charmhub charm %q has no stand-in: add %s/metadata.yaml (and config.yaml) describing its endpoints and options", ref, dir)
	}
	ch, err := charm.ReadCharmDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("stand-in for %q: %w", ref, err)
	}
	return ref, ch, nil
}

func sortedApps(bd *charm.BundleData) []string {
	names := make([]string, 0, len(bd.Applications))
	for name := range bd.Applications {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// TestCharmhubStandIns keeps the stand-ins readable by Juju, so a bundle
// failure always points at the bundle rather than at a broken stand-in.
func TestCharmhubStandIns(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "charmhub", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no stand-ins (err %v)", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, ch, err := resolveCharmhub(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := charm.CheckMeta(ch); err != nil {
				t.Fatal(err)
			}
			if ch.Meta().Name != name {
				t.Errorf("stand-in in %s is named %q", dir, ch.Meta().Name)
			}
		})
	}
}

// charmDirByName finds the directory under charmsDir whose charmcraft.yaml
// names the charm; a name with no such directory maps to charmsDir/name
// (which then does not exist, and the caller says so).
func charmDirByName(charmsDir, name string) string {
	matches, _ := filepath.Glob(filepath.Join(charmsDir, "*", charmcraft.FileName))
	for _, m := range matches {
		if def, err := charmcraft.Load(m); err == nil && def.Name == name {
			return filepath.Dir(m)
		}
	}
	return filepath.Join(charmsDir, name)
}
