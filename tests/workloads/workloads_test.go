// Package workloads_test checks what `make workloads` installed: every
// binary reports the version scripts/workloads.sh pins, and a second run is
// cheap. Without .workloads/versions (nothing built yet) it skips; CI runs
// `make workloads` first.
package workloads_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/images"
)

// repoRoot walks up from the test's directory to the go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// workloadsDir returns <repo>/.workloads, skipping when it was not built.
func workloadsDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(repoRoot(tb), ".workloads")
	if _, err := os.Stat(filepath.Join(dir, "versions")); err != nil {
		tb.Skip(`workloads not built yet: run "make workloads"`)
	}
	return dir
}

// pins reads the NAME_VERSION=... lines at the top of scripts/workloads.sh.
func pins(t *testing.T) map[string]string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "workloads.sh"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=(\S+)`).FindAllSubmatch(script, -1) {
		out[string(m[1])] = string(m[2])
	}
	return out
}

// installed reads .workloads/versions ("name version" lines).
func installed(t *testing.T, dir string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "versions"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, version, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("versions: malformed line %q", sc.Text())
		}
		out[name] = version
	}
	return out
}

func TestWorkloadVersions(t *testing.T) {
	t.Parallel()
	dir := workloadsDir(t)
	pin := pins(t)
	versions := installed(t, dir)
	bin := func(name string) string { return filepath.Join(dir, "bin", name) }
	tests := []struct {
		name    string
		pin     string
		command []string
		// report matches the version in the command's output.
		report *regexp.Regexp
	}{
		{"pebble", pin["PEBBLE_VERSION"], []string{bin("pebble"), "version", "--client"}, regexp.MustCompile(`^v?(\S+)`)},
		{"hydra", pin["HYDRA_VERSION"], []string{bin("hydra"), "version"}, regexp.MustCompile(`(?m)^Version:\s+v?(\S+)`)},
		{"kratos", pin["KRATOS_VERSION"], []string{bin("kratos"), "version"}, regexp.MustCompile(`(?m)^Version:\s+v?(\S+)`)},
		{"traefik", pin["TRAEFIK_VERSION"], []string{bin("traefik"), "version"}, regexp.MustCompile(`(?m)^Version:\s+v?(\S+)`)},
		{"postgresql", pin["POSTGRES_MAJOR"], []string{"/usr/lib/postgresql/" + pin["POSTGRES_MAJOR"] + "/bin/postgres", "--version"},
			regexp.MustCompile(`\(PostgreSQL\) (\d+)\.`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.pin == "" {
				t.Fatalf("scripts/workloads.sh pins no version for %s", tt.name)
			}
			if got := versions[tt.name]; got != tt.pin {
				t.Errorf(".workloads/versions has %s %q, want %q", tt.name, got, tt.pin)
			}
			out, err := exec.Command(tt.command[0], tt.command[1:]...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(tt.command, " "), err, out)
			}
			m := tt.report.FindSubmatch(out)
			if m == nil {
				t.Fatalf("%s printed no version:\n%s", strings.Join(tt.command, " "), out)
			}
			if got, want := string(m[1]), strings.TrimPrefix(tt.pin, "v"); got != want {
				t.Errorf("%s reports version %s, want %s", tt.name, got, want)
			}
		})
	}
}

// TestCatalogResolves checks that every image in the embedded catalog finds
// its files in what make workloads installed. Project-built binaries may not
// exist yet (make workloads builds them once their commands exist).
func TestCatalogResolves(t *testing.T) {
	t.Parallel()
	dir := workloadsDir(t)
	c, err := images.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			img, err := c.Resolve(name, dir)
			var missing *images.MissingFileError
			if errors.As(err, &missing) && missing.Origin == images.Project {
				t.Skipf("project-built image not built yet: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(img.Files) == 0 && img.Origin != images.Host {
				t.Errorf("%s resolved to no files", name)
			}
		})
	}
}

// BenchmarkMakeWorkloadsNoop is what every `make workloads` after the first
// costs: the version checks only.
func BenchmarkMakeWorkloadsNoop(b *testing.B) {
	root := repoRoot(b)
	workloadsDir(b)
	for b.Loop() {
		out, err := exec.Command("make", "-s", "-C", root, "workloads").CombinedOutput()
		if err != nil {
			b.Fatalf("make workloads: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("building")) {
			b.Fatalf("make workloads built something; a no-op run was expected:\n%s", out)
		}
	}
}
