// Command dispatch is the oauth-app test charm: a workload-less charm for
// Hydra's integration tests on the local controller (not shipped, not in
// the bundle). It provides ui-endpoint-info, publishing
// loginuiendpoints.ForBaseURL(base_url), and requires oauth, asking for a
// client with its redirect_uri, grant_types and scope; its status is
// active "client <id>" once Hydra registered one, waiting before.
package main

import (
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

type app struct{}

func main() { charm.Main(app{}) }

func (app) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return err
	}
	str := func(k string) string { s, _ := cfg[k].(string); return s }
	if err := loginuiendpoints.Publish(c, loginuiendpoints.DefaultEndpoint, loginuiendpoints.ForBaseURL(str("base_url"))); err != nil {
		return err
	}
	err = oauth.RequestClient(c, oauth.DefaultEndpoint, oauth.ClientConfig{
		RedirectURI: str("redirect_uri"), Scope: str("scope"), GrantTypes: strings.Fields(str("grant_types")),
	})
	if err != nil {
		return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusBlocked, Message: err.Error()}, false)
	}
	reg, ok, err := oauth.ClientFor(c, oauth.DefaultEndpoint)
	switch {
	case err != nil:
		return err
	case !ok:
		return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusWaiting, Message: "no client yet"}, false)
	}
	return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusActive, Message: "client " + reg.ClientID}, false)
}

func (app) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"client-credentials": func(c *charm.Context) error {
		reg, ok, err := oauth.ClientFor(c, oauth.DefaultEndpoint)
		if err != nil || !ok {
			return c.Tools.ActionFail(c.Context(), fmt.Sprintf("no client: %v", err))
		}
		return c.Tools.ActionSet(c.Context(), map[string]string{
			"client-id": reg.ClientID, "client-secret": reg.ClientSecret, "token-endpoint": reg.TokenEndpoint,
		})
	}}
}
