package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/ingress"
	"github.com/identity-platform-go/charms/internal/workload"
	"github.com/identity-platform-go/charms/tests/charms/selfinstall"
)

const (
	containerName = "web"
	serviceName   = "web"
	layerLabel    = "webapp"
	endpoint      = ingress.DefaultEndpoint
	binaryPath    = "/opt/webapp/webapp"
	stampPath     = "/opt/webapp/webapp.sha256"
)

// webapp is the charm; self returns the bytes of the binary to run in the
// container (the dispatch binary itself under Juju).
type webapp struct {
	self func() ([]byte, error)
}

func ownExecutable() ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(exe)
}

func (w webapp) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	port, strip := 8080, true
	if v, ok := cfg["port"].(float64); ok {
		port = int(v)
	}
	if v, ok := cfg["strip-prefix"].(bool); ok {
		strip = v
	}

	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return status(c, hooktool.StatusWaiting, "waiting for Pebble in container "+containerName)
	}
	if err := w.install(c, ctr); err != nil {
		return err
	}
	layer, err := yaml.Marshal(map[string]any{
		"summary": "webapp",
		"services": map[string]any{serviceName: map[string]any{
			"override": "replace",
			"command":  fmt.Sprintf("%s serve --port %d --unit %s", binaryPath, port, c.Env.UnitName),
			"startup":  "enabled",
		}},
	})
	if err != nil {
		return err
	}
	if err := ctr.AddLayer(ctx, layerLabel, layer, true); err != nil {
		return err
	}
	if err := ctr.Replan(ctx); err != nil {
		return err
	}

	if err := ingress.PublishRequest(c, endpoint, ingress.Request{Port: port, StripPrefix: strip}); err != nil {
		return err
	}
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return status(c, hooktool.StatusWaiting, "waiting for the ingress relation")
	}
	url, ok, err := ingress.URL(c, endpoint)
	if err != nil {
		return status(c, hooktool.StatusBlocked, "bad ingress data: "+err.Error())
	}
	if !ok {
		return status(c, hooktool.StatusWaiting, "waiting for the ingress URL")
	}
	return status(c, hooktool.StatusActive, "Serving at "+url)
}

// install pushes the binary when the container's copy is not this one.
func (w webapp) install(c *charm.Context, ctr *workload.Container) error {
	ctx := c.Context()
	bin, err := w.self()
	if err != nil {
		return fmt.Errorf("reading own executable: %w", err)
	}
	return selfinstall.Install(ctx, ctr, bin, binaryPath, stampPath, serviceName)
}

func status(c *charm.Context, name, msg string) error {
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: name, Message: msg}, false)
}
