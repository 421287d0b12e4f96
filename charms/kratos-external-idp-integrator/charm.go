package main

import (
	"errors"
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/externalprovider"
)

const endpoint = externalprovider.DefaultEndpoint

// Status messages. The first words match the reference charm's, so that
// tooling watching for them keeps working; ours add what to fix.
const (
	msgInvalid         = "Invalid OIDC provider configuration"
	msgMissingRelation = "Missing integration " + endpoint
	msgWaiting         = "Waiting for the requirer charm to register the OIDC provider"
	msgDisabled        = "The OIDC provider is disabled"
	msgReady           = "The OIDC provider is ready"
	msgNoRedirectURI   = "No redirect uri is found"
)

// integrator is the kratos-external-idp-integrator charm. It has no
// workload: its whole job is to keep the relation databag equal to what its
// configuration describes, and to say so in its status.
type integrator struct{}

func (integrator) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"get-redirect-uri": getRedirectURI}
}

// Reconcile publishes the configured provider on every relation (leader
// only), or clears it when the configuration is invalid or disabled, and
// sets the unit status.
func (integrator) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	set, cfgErr := parseSettings(cfg)
	if cfgErr == nil && c.Event.Kind == charm.ConfigChanged {
		for _, option := range set.ignored {
			logf(c, hooktool.LevelWarning, "option %s is ignored for provider %s", option, set.provider.Type)
		}
	}

	relIDs, err := c.RelationIDs(endpoint)
	if err != nil {
		return fmt.Errorf("listing %s relations: %w", endpoint, err)
	}

	// What Kratos should see: the provider, or nothing at all when the
	// configuration is invalid or disabled, so that a broken provider can
	// never reach Kratos' config.
	var desired []externalprovider.Provider
	if cfgErr == nil && set.enabled {
		desired = []externalprovider.Provider{set.provider}
	}
	if err := externalprovider.PublishProviders(c, endpoint, desired); err != nil {
		return err
	}

	status, err := unitStatus(c, set, cfgErr, relIDs)
	if err != nil {
		return err
	}
	return c.Tools.StatusSet(ctx, status, false)
}

// unitStatus is the most important thing the operator should know, in the
// reference charm's priority order.
func unitStatus(c *charm.Context, set settings, cfgErr error, relIDs []int) (hooktool.Status, error) {
	switch {
	case cfgErr != nil:
		return hooktool.Status{Name: hooktool.StatusBlocked, Message: msgInvalid + ": " + cfgErr.Error()}, nil
	case len(relIDs) == 0:
		return hooktool.Status{Name: hooktool.StatusBlocked, Message: msgMissingRelation}, nil
	case !set.enabled:
		return hooktool.Status{Name: hooktool.StatusActive, Message: msgDisabled}, nil
	}
	uri, err := registeredRedirectURI(c, set.provider.ID)
	var bad *malformedError
	switch {
	case errors.As(err, &bad):
		logf(c, hooktool.LevelWarning, "%v", err)
		return hooktool.Status{Name: hooktool.StatusWaiting, Message: msgWaiting + " (" + bad.Error() + ")"}, nil
	case err != nil:
		return hooktool.Status{}, err
	case uri == "":
		return hooktool.Status{Name: hooktool.StatusWaiting, Message: msgWaiting}, nil
	}
	return hooktool.Status{Name: hooktool.StatusActive, Message: msgReady}, nil
}

// malformedError is requirer data that cannot be decoded; it is the remote
// charm's fault, so it is reported, not retried.
type malformedError struct {
	app string
	err error
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("malformed data from %s: %v", e.app, e.err)
}

// registeredRedirectURI returns the redirect URI the requirer registered
// for providerID, or for the first provider it lists when providerID is
// empty; "" when there is none yet. Any unit may read the remote
// application's databag, so non-leaders report the truth too (the
// reference charm's non-leaders always wait).
func registeredRedirectURI(c *charm.Context, providerID string) (string, error) {
	remotes, err := externalprovider.Registrations(c, endpoint)
	if err != nil {
		return "", err
	}
	for _, r := range remotes {
		if r.Err != nil {
			return "", &malformedError{app: r.App, err: r.Err}
		}
		for _, reg := range r.Items {
			if providerID == "" || reg.ProviderID == providerID {
				return reg.RedirectURI, nil
			}
		}
	}
	return "", nil
}

// getRedirectURI is the get-redirect-uri action.
func getRedirectURI(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	providerID := ""
	if set, err := parseSettings(cfg); err == nil {
		providerID = set.provider.ID
	}
	uri, err := registeredRedirectURI(c, providerID)
	var bad *malformedError
	switch {
	case errors.As(err, &bad):
		return c.Tools.ActionFail(ctx, msgNoRedirectURI+": "+bad.Error())
	case err != nil:
		return err
	case uri == "":
		return c.Tools.ActionFail(ctx, msgNoRedirectURI)
	}
	return c.Tools.ActionSet(ctx, map[string]string{"redirect-uri": uri})
}

func logf(c *charm.Context, level hooktool.Level, format string, args ...any) {
	// A failed log line must not fail the hook.
	_ = c.Tools.Log(c.Context(), level, fmt.Sprintf(format, args...))
}
