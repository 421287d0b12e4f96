package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

// appConfig is the charm's config, parsed.
type appConfig struct {
	RedirectPath string
	GrantTypes   []string
	Scope        string
}

// configError names the option at fault; its message is the unit's
// blocked status.
type configError struct {
	Option string
	Reason string
}

func (e *configError) Error() string {
	return fmt.Sprintf("Invalid config %s: %s", e.Option, e.Reason)
}

// optionOf maps the oauth request's databag keys to the options that set
// them.
var optionOf = map[string]string{
	oauth.KeyRedirectURI: "redirect-path",
	oauth.KeyGrantTypes:  "grant-types",
	oauth.KeyScope:       "scope",
}

// parseConfig reads config-get's map. Grant types and scope are checked
// as the oauth library checks them, so a bad value blocks the unit
// naming the option instead of failing the relation request.
func parseConfig(cfg map[string]any) (appConfig, error) {
	str := func(k string) string { s, _ := cfg[k].(string); return s }
	var c appConfig
	c.RedirectPath = strings.TrimSpace(str("redirect-path"))
	if err := checkRedirectPath(c.RedirectPath); err != nil {
		return appConfig{}, &configError{Option: "redirect-path", Reason: err.Error()}
	}
	for g := range strings.SplitSeq(str("grant-types"), ",") {
		if g = strings.TrimSpace(g); g != "" {
			c.GrantTypes = append(c.GrantTypes, g)
		}
	}
	if len(c.GrantTypes) == 0 {
		return appConfig{}, &configError{Option: "grant-types", Reason: "no grant type"}
	}
	c.Scope = strings.Join(strings.Fields(str("scope")), " ")
	// The redirect URI's host is not known yet; any valid one will do
	// for checking the rest.
	if err := c.clientConfig("localhost").Validate(); err != nil {
		var kerr *databag.KeyError
		if errors.As(err, &kerr) && optionOf[kerr.Key] != "" {
			return appConfig{}, &configError{Option: optionOf[kerr.Key], Reason: kerr.Err.Error()}
		}
		return appConfig{}, fmt.Errorf("checking the client request: %w", err)
	}
	return c, nil
}

// checkRedirectPath accepts an absolute URL path without query, fragment
// or spaces.
func checkRedirectPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New("must start with /")
	}
	if strings.ContainsAny(p, "?# \t\r\n") {
		return errors.New("must be a plain path (no query, fragment or spaces)")
	}
	switch p {
	case "/healthz", "/token", "/login":
		return fmt.Errorf("%s is one of the app's own paths", p)
	}
	u, err := url.Parse(p)
	if err != nil || u.Path != p || u.Host != "" {
		return fmt.Errorf("%q is not a URL path", p)
	}
	return nil
}

// redirectURI is the app's callback on the unit's address.
func (c appConfig) redirectURI(host string) string {
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, appPort), Path: c.RedirectPath}).String()
}

// clientConfig is the client request for a unit reachable at host.
func (c appConfig) clientConfig(host string) oauth.ClientConfig {
	return oauth.ClientConfig{
		RedirectURI:             c.redirectURI(host),
		Scope:                   c.Scope,
		GrantTypes:              c.GrantTypes,
		Audience:                []string{},
		TokenEndpointAuthMethod: oauth.AuthClientSecretBasic,
	}
}
