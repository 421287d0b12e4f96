package charmtest

import (
	"testing"

	"github.com/identity-platform-go/charms/internal/workload/pebbletest"
)

// StartPebble runs a real Pebble daemon (the version in go.mod, built once
// per machine into the user cache directory) in a temporary directory for
// the rest of the test and returns its socket, for Container.Socket. The
// test is skipped when no go toolchain is available to build Pebble.
func StartPebble(t testing.TB) (socket string) {
	t.Helper()
	return pebbletest.Start(t)
}
