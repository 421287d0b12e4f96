package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

// actionTimeout bounds the token action's call to the app (which itself
// bounds its call to the provider by providerTimeout).
const actionTimeout = 30 * time.Second

func (a oauthTestApp) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{
		"token":       a.tokenAction,
		"client-info": clientInfoAction,
	}
}

// tokenAction asks the running app for a client_credentials token, over
// the pod's shared localhost, and shows what kind of token it got.
func (a oauthTestApp) tokenAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	u, err := url.Parse(a.appURL + "/token")
	if err != nil {
		return fmt.Errorf("the app's URL: %w", err)
	}
	if s, _ := params["scope"].(string); s != "" {
		u.RawQuery = url.Values{"scope": {s}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: actionTimeout}).Do(req)
	if err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("the app did not answer (is the unit active?): %v", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("reading the app's answer: %v", err))
	}
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			return c.Tools.ActionFail(ctx, fmt.Sprintf("the app answered %s", resp.Status))
		}
		return c.Tools.ActionFail(ctx, fmt.Sprintf("the app answered %s: %s: %s", resp.Status, e.Error, e.Description))
	}
	var info tokenInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("the app's answer is not a token description: %v", err))
	}
	results := map[string]string{
		"token-type": info.TokenType,
		"kind":       info.Kind,
		"expires-in": strconv.FormatInt(info.ExpiresIn, 10),
	}
	if info.Scope != "" {
		results["scope"] = info.Scope
	}
	return c.Tools.ActionSet(ctx, results)
}

// clientInfoAction shows the registered client's ID (not secret) and the
// provider's issuer.
func clientInfoAction(c *charm.Context) error {
	ctx := c.Context()
	reg, ready, err := oauth.ClientFor(c, endpoint)
	if err != nil {
		return c.Tools.ActionFail(ctx, err.Error())
	}
	if !ready {
		return c.Tools.ActionFail(ctx, "no OAuth client registered yet")
	}
	return c.Tools.ActionSet(ctx, map[string]string{"client-id": reg.ClientID, "issuer": reg.IssuerURL})
}
