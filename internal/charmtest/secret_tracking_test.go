package charmtest

import (
	"maps"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// An owner that read its secret (so tracks revision 1) and then set new
// content leaves a State that is valid input for the next run: it keeps
// the content of the revision it tracks.
func TestOwnerUpdateKeepsTrackedContent(t *testing.T) {
	t.Parallel()
	ctx := &Context{Meta: testMeta(), Charm: inlineCharm{reconcile: func(c *charm.Context) error {
		ref := hooktool.SecretRef{Label: "db"}
		old, err := c.Tools.SecretGet(c.Context(), ref, hooktool.SecretGetOptions{Peek: true})
		if err != nil {
			return err
		}
		info, err := c.Tools.SecretInfoGet(c.Context(), ref)
		if err != nil {
			return err
		}
		return c.Tools.SecretSet(c.Context(), info.ID, map[string]string{"password": old["password"] + "+"}, hooktool.SecretOptions{})
	}}}
	in := State{Leader: true, Secrets: []Secret{{Owner: "application", Label: "db", Content: map[string]string{"password": "a"}}}}
	out := ctx.Run(t, Hook(charm.UpdateStatus), in)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	s := out.State.Secrets[0]
	if s.Revision != 2 || s.TrackedRevision != 1 || !maps.Equal(s.TrackedContent, map[string]string{"password": "a"}) {
		t.Fatalf("after the update: %+v", s)
	}
	if out = ctx.Run(t, Hook(charm.UpdateStatus), out.State); out.Err != nil {
		t.Fatal(out.Err)
	}
}
