package main

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// hydra is the hydra charm.
type hydra struct{}

func newHydra() hydra { return hydra{} }

// Reconcile reports what the unit waits for. (The workload, database,
// ingress and oauth handling come in the next steps.)
func (hydra) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	set, cfgErr := parseSettings(cfg)
	f := facts{configErr: cfgErr, dev: set.dev}
	f.connected = c.Container(containerName).CanConnect(ctx)
	for _, e := range []struct {
		endpoint string
		related  *bool
	}{{peerEndpoint, &f.peer}, {dbEndpoint, &f.dbRelated}, {publicIngress, &f.ingressRelated}, {loginUIEndpoint, &f.loginUIRelated}} {
		ids, err := c.RelationIDs(e.endpoint)
		if err != nil {
			return fmt.Errorf("listing %s relations: %w", e.endpoint, err)
		}
		*e.related = len(ids) > 0
	}
	return c.Tools.StatusSet(ctx, unitStatus(f), false)
}

var _ = hooktool.StatusActive
