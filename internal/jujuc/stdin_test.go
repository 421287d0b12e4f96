package jujuc_test

import (
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/jujuc"
)

func TestNeedsStdin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv string
		hook bool // in db:1's relation hook, so -r defaults
		want bool
	}{
		{argv: "relation-set -r 1 --file -", want: true},
		{argv: "relation-set -r db:1 --file=- a=b", want: true},
		{argv: "relation-set --file -", hook: true, want: true},
		{argv: "state-set --file -", want: true},
		{argv: "state-set --file=- k=v", want: true},
		{argv: "relation-set -r 1 --file settings.yaml"},
		{argv: "relation-set -r 1 a=b"},
		{argv: "relation-set -r 1 -- --file -"},      // positional: init rejects it
		{argv: "relation-set --file -"},              // no relation id: fails before reading
		{argv: "relation-set -r 9 --file -"},         // unknown relation: flag error
		{argv: "relation-set -r 1 --bogus --file -"}, // flag error
		{argv: "relation-set -r 1 --help --file -"},  // prints usage
		{argv: "secret-add --file -"},                // reads a file named "-", as Juju does
		{argv: "is-leader"},
		{argv: "no-such-tool --file -"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			t.Parallel()
			ctx := newFake()
			if tt.hook {
				ctx.inRelationHook(1, "postgresql/0")
			}
			argv := strings.Fields(tt.argv)
			if got := jujuc.NeedsStdin(ctx, argv[0], argv[1:]); got != tt.want {
				t.Errorf("NeedsStdin = %v, want %v", got, tt.want)
			}
		})
	}
}
