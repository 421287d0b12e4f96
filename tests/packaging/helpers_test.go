// Package packaging_test checks this repository's charms and bundle with
// Juju's own readers and verifiers (github.com/juju/charm/v12 v12.1.1, the
// version Juju 3.6.11 links), so a test verdict matches what `juju deploy`
// and the controller would say. Juju's libraries are imported only from
// _test.go files and never link into a charm binary.
package packaging_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// stubDispatch writes a tiny stand-in for the dispatch binary. Juju's
// readers never execute dispatch, so tests that only need Juju's verdict
// on metadata skip the compiler.
func stubDispatch(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), charmpack.DispatchName)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// packDir validates and packs the charm in dir with the given dispatch
// into a fresh temporary directory, returning the definition and the
// archive path.
func packDir(t *testing.T, dir, dispatch string) (*charmcraft.Charm, string) {
	t.Helper()
	def, err := charmcraft.Load(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	out := filepath.Join(t.TempDir(), def.Name+".charm")
	if _, err := charmpack.Pack(charmpack.Options{Charm: def, Dispatch: dispatch, Output: out}); err != nil {
		t.Fatalf("pack %s: %v", dir, err)
	}
	return def, out
}

// packUnvalidated puts a definition into an archive without running our
// validator, so Juju's own verdict on an invalid charm can be observed.
func packUnvalidated(t *testing.T, def *charmcraft.Charm) string {
	t.Helper()
	files, err := charmpack.Files(def)
	if err != nil {
		t.Fatalf("render %s: %v", def.Name, err)
	}
	files = append(files, charmpack.File{Name: charmpack.DispatchName, Mode: 0o755, Data: []byte("#!/bin/sh\n")})
	out := filepath.Join(t.TempDir(), def.Name+".charm")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := charmpack.Write(f, files); err != nil {
		t.Fatalf("write %s: %v", out, err)
	}
	return out
}

// zipEntry returns the header of one archive entry.
func zipEntry(t *testing.T, archive, name string) *zip.FileHeader {
	t.Helper()
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatalf("open %s: %v", archive, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			hdr := f.FileHeader
			return &hdr
		}
	}
	t.Fatalf("%s has no %s", archive, name)
	return nil
}
