package controller_test

import (
	"os"
	"testing"
)

// TestMain removes the charms and tool binary built() packed for this
// test binary, which would otherwise stay in the temporary directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
