package controller_test

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
)

func mustPrefix(t testing.TB, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDeployOrder: a two-unit deploy runs Juju's first-deployment order.
func TestDeployOrder(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "rec", 2)
	e.settle()
	evs := e.events()
	leader := hooks(evs["rec/0"])
	want := []string{"install", "peers-relation-created", "leader-elected", "config-changed", "start", "peers-relation-changed", "peers-relation-joined", "peers-relation-changed"}
	if !slices.Equal(leader, want) {
		e.dumpLog()
		t.Errorf("rec/0 ran %v\nwant %v", leader, want)
	}
	t.Logf("rec/1: %v", hooks(evs["rec/1"]))
}

func itoa(n int) string { return strconv.Itoa(n) }
