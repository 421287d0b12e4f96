package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is the path of a fixture charm under testdata/charms.
func fixture(name string) string { return filepath.Join("testdata", "charms", name) }

// loadFixture loads a fixture charm or fails the test.
func loadFixture(t testing.TB, path string) *Charm {
	t.Helper()
	ch, err := LoadCharm(path)
	if err != nil {
		t.Fatalf("LoadCharm(%s): %v", path, err)
	}
	return ch
}

// model is a set of deployed fixture applications: app name → charm.
func model(t testing.TB, apps map[string]string) map[string]*Charm {
	t.Helper()
	m := map[string]*Charm{}
	for app, path := range apps {
		m[app] = loadFixture(t, path)
	}
	return m
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkErr compares an error with the wanted text: "" means no error, a
// text must equal the error's exactly unless it starts with "~", which
// asks for a substring.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want == "":
	case err == nil:
		t.Fatalf("no error, want %q", want)
	case strings.HasPrefix(want, "~"):
		if !strings.Contains(err.Error(), want[1:]) {
			t.Fatalf("error %q does not contain %q", err, want[1:])
		}
	case err.Error() != want:
		t.Fatalf("error\n got: %s\nwant: %s", err, want)
	}
}
