package main

import (
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
	"github.com/identity-platform-go/charms/internal/workload"
	"github.com/identity-platform-go/charms/tests/charms/selfinstall"
)

const (
	containerName = "app"
	serviceName   = "app"
	checkName     = "app-ready"
	layerLabel    = "oauth-test-app"
	endpoint      = oauth.DefaultEndpoint
	appPort       = "8080"
	binaryPath    = "/opt/oauthapp/oauthapp"
	stampPath     = "/opt/oauthapp/oauthapp.sha256"
	clientPath    = "/etc/oauthapp/client.json"
	// defaultAppURL is the app as the charm container sees it: the pod's
	// containers share one network namespace.
	defaultAppURL = "http://localhost:" + appPort
)

// Status messages.
const (
	msgMissingRelation = "Missing integration " + endpoint
	msgWaitingClient   = "Waiting for the OAuth provider to register the client"
	msgWaitingAddress  = "Waiting for the unit's ingress address"
	msgWaitingPebble   = "Waiting for Pebble in container " + containerName
)

// oauthTestApp is the charm. self returns the bytes of the binary to run
// in the container (the dispatch binary itself under Juju); appURL is
// where the actions reach the app (defaultAppURL under Juju).
type oauthTestApp struct {
	self   func() ([]byte, error)
	appURL string
}

func ownExecutable() ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(exe)
}

// Reconcile asks for a client with the config's grant types and scope and
// this unit's redirect URI, and, once the provider has registered it,
// writes the client file and runs the app; without a client the app is
// stopped and the file emptied.
func (a oauthTestApp) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	raw, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	cfg, err := parseConfig(raw)
	var cerr *configError
	if errors.As(err, &cerr) {
		return status(c, hooktool.StatusBlocked, cerr.Error())
	}
	if err != nil {
		return err
	}

	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		if err := a.withdraw(c); err != nil {
			return err
		}
		return status(c, hooktool.StatusBlocked, msgMissingRelation)
	}

	host, err := ingressAddress(c)
	if err != nil {
		return err
	}
	if host == "" {
		return status(c, hooktool.StatusWaiting, msgWaitingAddress)
	}
	clientCfg := cfg.clientConfig(host)
	if err := oauth.RequestClient(c, endpoint, clientCfg); err != nil {
		return fmt.Errorf("requesting the OAuth client: %w", err)
	}

	reg, ready, err := oauth.ClientFor(c, endpoint)
	var kerr *databag.KeyError
	if errors.As(err, &kerr) {
		// The provider's databag is one the library would reject; it
		// has to fix it, a retry would not.
		return status(c, hooktool.StatusBlocked, "Invalid data on integration "+endpoint+": "+err.Error())
	}
	if err != nil {
		return err
	}
	if !ready {
		if err := a.withdraw(c); err != nil {
			return err
		}
		return status(c, hooktool.StatusWaiting, msgWaitingClient)
	}

	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return status(c, hooktool.StatusWaiting, msgWaitingPebble)
	}
	if err := a.serve(c, ctr, reg, clientCfg); err != nil {
		return err
	}
	return status(c, hooktool.StatusActive, "Client "+reg.ClientID+" registered")
}

// ingressAddress is the first ingress address of the oauth binding, ""
// when Juju has none yet.
func ingressAddress(c *charm.Context) (string, error) {
	nw, err := c.Tools.NetworkGet(c.Context(), endpoint, -1)
	if err != nil {
		return "", fmt.Errorf("network-get %s: %w", endpoint, err)
	}
	if len(nw.IngressAddresses) == 0 {
		return "", nil
	}
	return nw.IngressAddresses[0], nil
}

// serve installs the binary, writes the client file and runs the app.
func (a oauthTestApp) serve(c *charm.Context, ctr *workload.Container, reg oauth.Registration, req oauth.ClientConfig) error {
	ctx := c.Context()
	if err := a.install(c, ctr); err != nil {
		return err
	}
	file, err := clientFile{
		ClientID:              reg.ClientID,
		ClientSecret:          reg.ClientSecret,
		RedirectURI:           req.RedirectURI,
		Scope:                 req.Scope,
		IssuerURL:             reg.IssuerURL,
		AuthorizationEndpoint: reg.AuthorizationEndpoint,
		TokenEndpoint:         reg.TokenEndpoint,
		IntrospectionEndpoint: reg.IntrospectionEndpoint,
		UserinfoEndpoint:      reg.UserinfoEndpoint,
		JWKSEndpoint:          reg.JWKSEndpoint,
		JWTAccessToken:        reg.JWTAccessToken,
		CAChain:               reg.CAChain,
	}.encode()
	if err != nil {
		return err
	}
	// The app reads the file per request: no restart when it changes.
	if _, err := ctr.PushIfChanged(ctx, clientPath, file, workload.PushOptions{Permissions: 0o600, MakeDirs: true}); err != nil {
		return err
	}
	if err := ctr.AddLayer(ctx, layerLabel, appLayer(), true); err != nil {
		return err
	}
	return ctr.Replan(ctx)
}

// appLayer is the Pebble layer of the app: no secret in it, the app
// reads the client from clientPath.
func appLayer() []byte {
	layer, err := yaml.Marshal(map[string]any{
		"summary": "OAuth test application",
		"services": map[string]any{serviceName: map[string]any{
			"override": "replace",
			"summary":  "OIDC relying party on port " + appPort,
			"command":  binaryPath + " serve --port " + appPort + " --client-file " + clientPath,
			"startup":  "enabled",
		}},
		"checks": map[string]any{checkName: map[string]any{
			"override": "replace",
			"level":    "ready",
			"http":     map[string]any{"url": defaultAppURL + "/healthz"},
		}},
	})
	if err != nil {
		panic(err) // a literal map always marshals
	}
	return layer
}

// install pushes the binary when the container's copy is not this one,
// and restarts a running app on the new binary.
func (a oauthTestApp) install(c *charm.Context, ctr *workload.Container) error {
	ctx := c.Context()
	bin, err := a.self()
	if err != nil {
		return fmt.Errorf("reading own executable: %w", err)
	}
	return selfinstall.Install(ctx, ctr, bin, binaryPath, stampPath, serviceName)
}

// withdraw stops the app and empties the client file, when the container
// is there to tell: without a registered client the secret must not stay
// in the workload.
func (a oauthTestApp) withdraw(c *charm.Context) error {
	ctx := c.Context()
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return nil
	}
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return err
	}
	if svcs[serviceName].Active() {
		if err := ctr.Stop(ctx, serviceName); err != nil {
			return err
		}
	}
	cur, err := ctr.Pull(ctx, clientPath)
	switch {
	case errors.Is(err, workload.ErrNotFound):
		return nil
	case err != nil:
		return err
	case string(cur) == emptyClientFile:
		return nil
	}
	return ctr.Push(ctx, clientPath, []byte(emptyClientFile), workload.PushOptions{Permissions: 0o600, MakeDirs: true})
}

// emptyClientFile replaces the client file when there is no client.
const emptyClientFile = "{}\n"

func status(c *charm.Context, name, msg string) error {
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: name, Message: msg}, false)
}
