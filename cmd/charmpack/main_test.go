package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string // "-o <tmp>" is prepended
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"packs a charm", []string{"testdata/charms/tiny"}, 0, "tiny.charm ", ""},
		{"no charms", nil, 2, "", "usage: charmpack"},
		{"missing directory", []string{"testdata/charms/nope"}, 1, "", "charmpack: testdata/charms/nope: load charm definition"},
		{"invalid definition", []string{"testdata/charms/invalid"}, 1, "", `config.options.port.type: unknown type "integer"`},
		{"several architectures", []string{"testdata/charms/multiarch"}, 1, "", "single-architecture"},
		{"compile error", []string{"testdata/charms/nocompile"}, 1, "", "notDefined"},
		{"stops at first error", []string{"testdata/charms/invalid", "testdata/charms/tiny"}, 1, "", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"-o", out}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tt.wantStdout) || (tt.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout = %q, want prefix %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunWritesArchive(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-o", out, "./testdata/charms/tiny/"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	path := filepath.Join(out, "tiny.charm")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("tiny.charm %d\n", info.Size()); stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, " "), "actions.yaml dispatch manifest.yaml metadata.yaml"; got != want {
		t.Errorf("entries = %q, want %q", got, want)
	}
}

func TestPackagePath(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"charms/x":   "./charms/x",
		"./charms/x": "./charms/x",
		"charms/x/":  "./charms/x",
		".":          ".",
		"../x":       "../x",
		"/abs/x":     "/abs/x",
	}
	for in, want := range tests {
		if got := packagePath(in); got != want {
			t.Errorf("packagePath(%q) = %q, want %q", in, got, want)
		}
	}
}
