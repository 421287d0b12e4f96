package charmtest

import (
	"path/filepath"
	"testing"

	"github.com/identity-platform-go/charms/internal/charmpack"
)

// BuildDispatch builds the charm in the test's package directory into a
// dispatch binary exactly as `make charms` does, for RunBinary. It skips
// the test under -short (a build takes seconds); the binary lives in the
// test's TempDir, so parallel subtests may share it.
func BuildDispatch(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the charm")
	}
	dispatch := filepath.Join(t.TempDir(), charmpack.DispatchName)
	if err := charmpack.Build(t.Context(), charmpack.BuildOptions{Package: ".", Output: dispatch}); err != nil {
		t.Fatal(err)
	}
	return dispatch
}
