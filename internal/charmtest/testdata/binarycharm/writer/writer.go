// Package writer is the charm of charmtest's RunBinary tests, kept
// importable so that the tests can run it in-process too and compare.
package writer

import (
	"errors"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// PEM ends in a newline, which keyvalues parsing would trim, so the
// client sends it with --file - on stdin; Big is too large for argv (and
// too large for charm state, which Juju caps at 64 KiB a value).
var (
	PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	Big = strings.Repeat("x", 200<<10)
)

// Charm does one buffered and one immediate change of each kind on every
// hook, then fails when the "dev" option is true.
type Charm struct{}

func (Charm) Reconcile(c *charm.Context) error {
	ctx, tools := c.Context(), c.Tools
	dev, _, err := tools.ConfigGet(ctx, "dev")
	if err != nil {
		return err
	}
	steps := []error{
		tools.RelationSet(ctx, 1, false, map[string]string{"url": "https://hydra", "cert": PEM, "big": Big}),
		tools.StateSet(ctx, map[string]string{"seen": "yes", "cert": PEM}),
		tools.StatusSet(ctx, hooktool.Status{Name: "active", Message: "ready"}, false),
		tools.ApplicationVersionSet(ctx, "2.3"),
		tools.Log(ctx, hooktool.LevelWarning, "careful"),
	}
	if _, err := tools.SecretAdd(ctx, map[string]string{"password": "p"}, hooktool.SecretOptions{Label: "admin", Owner: "unit"}); err != nil {
		steps = append(steps, err)
	}
	if err := errors.Join(steps...); err != nil {
		return err
	}
	if dev == true {
		return errors.New("boom")
	}
	return nil
}

// Actions has create-client: it reports the client's name, fails the
// action (exit 0) for the name "refused" and crashes (exit 1) for
// "crash".
func (Charm) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"create-client": func(c *charm.Context) error {
		ctx := c.Context()
		params, err := c.Tools.ActionGet(ctx)
		if err != nil {
			return err
		}
		name, _ := params["name"].(string)
		if err := c.Tools.ActionLog(ctx, "creating "+name); err != nil {
			return err
		}
		switch name {
		case "refused":
			return c.Tools.ActionFail(ctx, "refused by policy")
		case "crash":
			return errors.New("crashed")
		}
		return c.Tools.ActionSet(ctx, map[string]string{"client-id": name + "-id"})
	}}
}
