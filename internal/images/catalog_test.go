package images

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"docker.io/identity-platform-go-charms/test-workload:1",
		"docker.io/library/postgres:15",
		"docker.io/library/traefik:v3.6",
		"docker.io/library/traefik:v3.6.12",
		"ghcr.io/canonical/hydra:2.3.0-canonical",
		"ghcr.io/canonical/identity-platform-login-ui:v0.28.0",
		"ghcr.io/canonical/kratos:1.3.1",
		"ghcr.io/juju/charm-base:ubuntu-22.04",
	}
	if got := c.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}

// The catalog's descriptions name the versions pinned in
// scripts/workloads.sh; this keeps the two from drifting apart.
func TestDefaultCatalogMatchesPins(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "workloads.sh"))
	if err != nil {
		t.Fatal(err)
	}
	pin := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + `=(\S+)`).FindSubmatch(script)
		if m == nil {
			t.Fatalf("scripts/workloads.sh has no %s", name)
		}
		return string(m[1])
	}
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"ghcr.io/canonical/hydra:2.3.0-canonical": "Hydra " + pin("HYDRA_VERSION"),
		"ghcr.io/canonical/kratos:1.3.1":          "Kratos " + pin("KRATOS_VERSION"),
		"traefik:v3.6":                            "Traefik " + pin("TRAEFIK_VERSION"),
		"traefik:v3.6.12":                         "Traefik " + pin("TRAEFIK_VERSION"),
		"postgres:15":                             "PostgreSQL " + pin("POSTGRES_MAJOR"),
		"ghcr.io/juju/charm-base:ubuntu-22.04":    "Pebble " + pin("PEBBLE_VERSION"),
	} {
		e := c.entries[c.byName[mustNormalize(t, image)]]
		if !strings.Contains(e.Description, want) {
			t.Errorf("%s: description %q does not name %q", image, e.Description, want)
		}
	}
}

func mustNormalize(t *testing.T, name string) string {
	t.Helper()
	n, err := NormalizeName(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fakeWorkloads makes a workloads directory holding the given files.
func fakeWorkloads(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestResolveDefault(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := fakeWorkloads(t, "bin/hydra", "bin/kratos", "bin/traefik", "bin/pebble")
	tests := []struct {
		image    string
		wantName string
		want     []File
	}{
		{"ghcr.io/canonical/hydra:2.3.0-canonical", "ghcr.io/canonical/hydra:2.3.0-canonical",
			[]File{{"/usr/bin/hydra", filepath.Join(dir, "bin/hydra")}}},
		{"ghcr.io/canonical/kratos:1.3.1", "ghcr.io/canonical/kratos:1.3.1",
			[]File{{"/usr/bin/kratos", filepath.Join(dir, "bin/kratos")}}},
		{"traefik:v3.6", "docker.io/library/traefik:v3.6",
			[]File{{"/usr/local/bin/traefik", filepath.Join(dir, "bin/traefik")}}},
		{"docker.io/traefik:v3.6", "docker.io/library/traefik:v3.6",
			[]File{{"/usr/local/bin/traefik", filepath.Join(dir, "bin/traefik")}}},
		{"docker.io/library/traefik:v3.6.12", "docker.io/library/traefik:v3.6",
			[]File{{"/usr/local/bin/traefik", filepath.Join(dir, "bin/traefik")}}},
		{"ghcr.io/juju/charm-base:ubuntu-22.04", "ghcr.io/juju/charm-base:ubuntu-22.04",
			[]File{{"/charm/bin/pebble", filepath.Join(dir, "bin/pebble")}}},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			t.Parallel()
			img, err := c.Resolve(tt.image, dir)
			if err != nil {
				t.Fatal(err)
			}
			if img.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", img.Name, tt.wantName)
			}
			if !slices.Equal(img.Files, tt.want) {
				t.Errorf("Files = %v, want %v", img.Files, tt.want)
			}
			if img.Env["PATH"] == "" {
				t.Errorf("Env has no PATH: %v", img.Env)
			}
		})
	}
}

func TestResolvePostgresFromHost(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/postgres"); err != nil {
		t.Skip("PostgreSQL 15 is not installed (make workloads installs it)")
	}
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	img, err := c.Resolve("postgres:15", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if img.Origin != Host || !slices.Equal(img.Users, []string{"postgres"}) {
		t.Errorf("Origin = %q, Users = %q; want host, [postgres]", img.Origin, img.Users)
	}
	if !strings.Contains(img.Env["PATH"], "/usr/lib/postgresql/15/bin") {
		t.Errorf("PATH %q does not hold the PostgreSQL binaries", img.Env["PATH"])
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := fakeWorkloads(t, "bin/hydra")

	t.Run("unknown image", func(t *testing.T) {
		t.Parallel()
		_, err := c.Resolve("ghcr.io/canonical/hydra:26.2.0", dir)
		var unknown *UnknownImageError
		if !errors.As(err, &unknown) {
			t.Fatalf("error %v is not an *UnknownImageError", err)
		}
		if unknown.Image != "ghcr.io/canonical/hydra:26.2.0" || !slices.Equal(unknown.Known, c.Names()) {
			t.Errorf("UnknownImageError = %+v", unknown)
		}
		if !strings.Contains(err.Error(), "ghcr.io/canonical/hydra:2.3.0-canonical") {
			t.Errorf("error %q does not list the known images", err)
		}
	})
	t.Run("invalid name", func(t *testing.T) {
		t.Parallel()
		if _, err := c.Resolve("Hydra", dir); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("Resolve(Hydra) error = %v, want an invalid-name error", err)
		}
	})
	t.Run("project binary not built", func(t *testing.T) {
		t.Parallel()
		_, err := c.Resolve("ghcr.io/canonical/identity-platform-login-ui:v0.28.0", dir)
		var missing *MissingFileError
		if !errors.As(err, &missing) {
			t.Fatalf("error %v is not a *MissingFileError", err)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
		want := `image ghcr.io/canonical/identity-platform-login-ui:v0.28.0: /usr/bin/identity-platform-login-ui (` +
			filepath.Join(dir, "bin/identity-platform-login-ui") + `) is not built yet: run "make workloads"`
		if err.Error() != want {
			t.Errorf("error\n %s\nwant\n %s", err, want)
		}
	})
	t.Run("upstream binary missing", func(t *testing.T) {
		t.Parallel()
		_, err := c.Resolve("traefik:v3.6", dir)
		var missing *MissingFileError
		if !errors.As(err, &missing) || missing.Path != "/usr/local/bin/traefik" {
			t.Fatalf("error %v is not a *MissingFileError for /usr/local/bin/traefik", err)
		}
	})
	t.Run("host file missing", func(t *testing.T) {
		t.Parallel()
		hc, err := Parse([]byte(`
images:
  - names: [example.com/db:1]
    description: d
    origin: host
    files: {/usr/bin/db: ` + filepath.Join(dir, "no-such-db") + `}
`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = hc.Resolve("example.com/db:1", dir)
		if err == nil || !strings.Contains(err.Error(), `is missing on this host: run "make workloads"`) {
			t.Errorf("error = %v, want a missing-on-host error", err)
		}
	})
}

func TestResolveRelativeWorkloadsDir(t *testing.T) {
	dir := fakeWorkloads(t, "bin/hydra")
	t.Chdir(filepath.Dir(dir))
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	img, err := c.Resolve("ghcr.io/canonical/hydra:2.3.0-canonical", filepath.Base(dir))
	if err != nil {
		t.Fatal(err)
	}
	if src := img.Files[0].Source; !filepath.IsAbs(src) {
		t.Errorf("Source %q is not absolute", src)
	}
}

func TestResolveReturnsCopies(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`
images:
  - names: [example.com/a:1]
    description: d
    origin: upstream
    files: {/a: bin/a}
    users: [u]
    env: {K: v}
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := fakeWorkloads(t, "bin/a")
	img, err := c.Resolve("example.com/a:1", dir)
	if err != nil {
		t.Fatal(err)
	}
	img.Env["K"] = "changed"
	img.Users[0] = "changed"
	again, err := c.Resolve("example.com/a:1", dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Env["K"] != "v" || again.Users[0] != "u" {
		t.Errorf("changing a resolved Image changed the catalog: %+v", again)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	const ok = `
images:
  - names: [example.com/a:1]
    description: d
    origin: upstream
    files: {/usr/bin/a: bin/a}
`
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("valid catalog: %v", err)
	}
	entry := func(fields string) string {
		return "images:\n  - " + fields
	}
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty", ``, "empty"},
		{"no images", `images: []`, "no images"},
		{"unknown key", entry(`{names: [a], description: d, origin: host, files: {/a: /a}, extra: 1}`), "field extra not found"},
		{"unknown top key", "images: []\nmore: 1", "field more not found"},
		{"two documents", ok + "---\n" + ok, "more than one YAML document"},
		{"no names", entry(`{description: d, origin: host, files: {/a: /a}}`), "no names"},
		{"bad name", entry(`{names: [A], description: d, origin: host, files: {/a: /a}}`), "invalid repository component"},
		{"no description", entry(`{names: [a], origin: host, files: {/a: /a}}`), "no description"},
		{"bad origin", entry(`{names: [a], description: d, origin: docker, files: {/a: /a}}`), `origin "docker"`},
		{"no files", entry(`{names: [a], description: d, origin: upstream}`), "no files"},
		{"relative container path", entry(`{names: [a], description: d, origin: host, files: {usr/a: /a}}`), "not a clean absolute path"},
		{"unclean container path", entry(`{names: [a], description: d, origin: host, files: {/usr//a: /a}}`), "not a clean absolute path"},
		{"root container path", entry(`{names: [a], description: d, origin: host, files: {/: /a}}`), "not a clean absolute path"},
		{"duplicate container path", entry(`{names: [a], description: d, origin: host, files: {/a: /a, /a: /b}}`), "already defined"},
		{"source escapes", entry(`{names: [a], description: d, origin: host, files: {/a: ../a}}`), "inside the workloads directory"},
		{"unclean source", entry(`{names: [a], description: d, origin: host, files: {/a: bin/../a}}`), "inside the workloads directory"},
		{"unclean host source", entry(`{names: [a], description: d, origin: host, files: {/a: /usr/../a}}`), "not a clean path"},
		{"empty source", entry(`{names: [a], description: d, origin: host, files: {/a: ""}}`), "empty source"},
		{"bad user", entry(`{names: [a], description: d, origin: host, files: {/a: /a}, users: [Root]}`), "invalid user name"},
		{"duplicate user", entry(`{names: [a], description: d, origin: host, files: {/a: /a}, users: [u, u]}`), "listed twice"},
		{"bad env name", entry(`{names: [a], description: d, origin: host, files: {/a: /a}, env: {A-B: x}}`), "invalid environment variable name"},
		{"duplicate name in entry", entry(`{names: [traefik, docker.io/library/traefik:latest], description: d, origin: host, files: {/a: /a}}`), "also in entry 1"},
		{"duplicate name across entries", `
images:
  - {names: ["traefik:v3.6"], description: d, origin: host, files: {/a: /a}}
  - {names: ["docker.io/traefik:v3.6"], description: d, origin: host, files: {/a: /a}}
`, "also in entry 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error mentioning %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(defaultCatalog)
	f.Add([]byte("images:\n  - {names: [a], description: d, origin: host, files: {/a: /a}}\n"))
	f.Add([]byte("images:\n  - {names: ['traefik:v3.6', docker.io/traefik:v3.6], description: d, origin: upstream, files: {/a: bin/a}}\n"))
	f.Add([]byte("images: [{names: [a@sha256:0123456789abcdef0123456789abcdef], description: d, origin: project, files: {/x/y: a/b}, users: [u], env: {A: b}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses is internally consistent: every name is normalised,
		// every entry's files are clean, and every name resolves to an entry
		// whose canonical name resolves to the same entry.
		for _, name := range c.Names() {
			norm, err := NormalizeName(name)
			if err != nil || norm != name {
				t.Fatalf("catalog name %q normalises to %q, %v", name, norm, err)
			}
			e := c.entries[c.byName[name]]
			if c.byName[e.Names[0]] != c.byName[name] {
				t.Fatalf("name %q and its canonical name %q are different entries", name, e.Names[0])
			}
			for p, src := range e.Files {
				if !strings.HasPrefix(p, "/") || validateSource(src) != nil {
					t.Fatalf("entry %q: file %q -> %q passed validation", name, p, src)
				}
			}
		}
		dir := t.TempDir()
		for _, name := range c.Names() {
			img, err := c.Resolve(name, dir)
			var missing *MissingFileError
			if err != nil && !errors.As(err, &missing) {
				t.Fatalf("Resolve(%q): %v", name, err)
			}
			if err == nil {
				for _, file := range img.Files {
					if !filepath.IsAbs(file.Source) {
						t.Fatalf("Resolve(%q): relative source %q", name, file.Source)
					}
				}
			}
		}
	})
}
