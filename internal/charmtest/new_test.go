package charmtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const newTestYAML = `
name: tiny
type: charm
summary: tiny
description: tiny
requires:
  db:
    interface: postgresql_client
`

func TestNew(t *testing.T) {
	t.Parallel()
	h := New(t, inlineCharm{reconcile: func(c *charm.Context) error {
		return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusActive, Message: c.Env.UnitName}, false)
	}}, newTestYAML)
	if h.Meta.Name != "tiny" || h.Meta.Requires["db"].Interface != "postgresql_client" {
		t.Fatalf("Meta = %+v", h.Meta)
	}
	h.UnitNumber = 2
	st := h.MustRun(t, Hook(charm.UpdateStatus), State{})
	if want := (Status{Name: "active", Message: "tiny/2"}); st.UnitStatus != want {
		t.Errorf("status = %+v, want %+v", st.UnitStatus, want)
	}
}

func TestNewAndMustRunFail(t *testing.T) {
	t.Parallel()
	boom := inlineCharm{reconcile: func(*charm.Context) error { return errors.New("boom") }}
	for _, tc := range []struct {
		name string
		run  func(t testing.TB)
		want string
	}{
		{"bad yaml", func(t testing.TB) { New(t, boom, "name: [") }, "charmtest: parsing charmcraft.yaml: "},
		{"failing hook", func(t testing.TB) { New(t, boom, newTestYAML).MustRun(t, Hook(charm.UpdateStatus), State{}) }, "update-status: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &fatalRecorder{TB: t} // from pebble_test.go: Fatalf panics
			func() {
				defer func() { _ = recover() }()
				tc.run(rec)
			}()
			if !strings.HasPrefix(rec.msg, tc.want) {
				t.Errorf("Fatal message = %q, want it to start with %q", rec.msg, tc.want)
			}
		})
	}
}
