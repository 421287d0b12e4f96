package charmpack

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charmcraft"
)

const tinyYAML = `
name: tiny
type: charm
summary: Tiny.
description: Tiny charm.
base: ubuntu@22.04
platforms:
  amd64:
containers:
  app:
    resource: app-image
resources:
  app-image:
    type: oci-image
config:
  options:
    port:
      type: int
      default: 80
`

func tinyCharm(t *testing.T) *charmcraft.Charm {
	t.Helper()
	c, err := charmcraft.Parse([]byte(tinyYAML))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeStub(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "dispatch")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPackContentsAndModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "tiny.charm")
	res, err := Pack(Options{Charm: tinyCharm(t), Dispatch: writeStub(t, dir), Output: out})
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != info.Size() || res.Path != out {
		t.Errorf("Result = %+v, file size %d", res, info.Size())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		wantMode := os.FileMode(0o644)
		if f.Name == DispatchName {
			wantMode = 0o755
		}
		if f.Mode() != wantMode {
			t.Errorf("%s mode = %v, want %v", f.Name, f.Mode(), wantMode)
		}
		if !f.Modified.Equal(epoch) {
			t.Errorf("%s modified = %v, want %v", f.Name, f.Modified, epoch)
		}
	}
	// No actions in tinyYAML, so no actions.yaml.
	want := "config.yaml dispatch manifest.yaml metadata.yaml"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries = %q, want %q", got, want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestPackIsDeterministic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stub := writeStub(t, dir)
	var archives [][]byte
	for _, name := range []string{"a.charm", "b.charm"} {
		out := filepath.Join(dir, name)
		if _, err := Pack(Options{Charm: tinyCharm(t), Dispatch: stub, Output: out}); err != nil {
			t.Fatalf("Pack: %v", err)
		}
		// Touch the input between builds: its mtime must not leak in.
		if err := os.Chtimes(stub, epoch.AddDate(10, 0, 0), epoch.AddDate(20, 0, 0)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, data)
	}
	if !bytes.Equal(archives[0], archives[1]) {
		t.Error("two packs of the same input differ")
	}
}

func TestPackErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stub := writeStub(t, dir)
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	invalid := tinyCharm(t)
	invalid.Containers["app"] = charmcraft.Container{Resource: "missing"}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no charm", Options{Dispatch: stub, Output: filepath.Join(dir, "x.charm")}, "no charm definition"},
		{"no output", Options{Charm: tinyCharm(t), Dispatch: stub}, "no output path"},
		{"invalid charm", Options{Charm: invalid, Dispatch: stub, Output: filepath.Join(dir, "x.charm")}, `referenced resource "missing"`},
		{"no dispatch", Options{Charm: tinyCharm(t), Output: filepath.Join(dir, "x.charm")}, "no dispatch binary"},
		{"missing dispatch", Options{Charm: tinyCharm(t), Dispatch: filepath.Join(dir, "nope"), Output: filepath.Join(dir, "x.charm")}, "dispatch binary"},
		{"dispatch is a directory", Options{Charm: tinyCharm(t), Dispatch: dir, Output: filepath.Join(dir, "x.charm")}, "not a regular file"},
		{"empty dispatch", Options{Charm: tinyCharm(t), Dispatch: empty, Output: filepath.Join(dir, "x.charm")}, "is empty"},
		{"missing output dir", Options{Charm: tinyCharm(t), Dispatch: stub, Output: filepath.Join(dir, "no", "x.charm")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Pack(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Pack error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.charm")); !os.IsNotExist(err) {
		t.Errorf("a failed pack left x.charm behind (stat err %v)", err)
	}
}

func TestWriteRejectsBadNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []File
	}{
		{"empty", []File{{Name: ""}}},
		{"absolute", []File{{Name: "/etc/passwd"}}},
		{"backslash", []File{{Name: `a\b`}}},
		{"duplicate", []File{{Name: "a"}, {Name: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := Write(io.Discard, tt.files); err == nil {
				t.Fatal("Write accepted invalid entries")
			}
		})
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles a binary")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "dispatch")
	err := Build(context.Background(), BuildOptions{Package: "./testdata/stubcharm", Output: out})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// A Linux build regardless of the host OS: an ELF header.
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		t.Errorf("output is not an ELF binary")
	}

	err = Build(context.Background(), BuildOptions{Package: "./testdata/broken", Output: filepath.Join(dir, "x")})
	if err == nil || !strings.Contains(err.Error(), "go build ./testdata/broken") || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("Build of a broken package: error = %v, want the compiler's message", err)
	}
	if err := Build(context.Background(), BuildOptions{Package: "./x"}); err == nil {
		t.Error("Build without output succeeded")
	}
}
