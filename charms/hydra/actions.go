package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
)

// Actions maps the reference charm's actions to their handlers.
func (h hydra) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{
		"run-migration": h.runMigration,
	}
}

// fail ends the action with action-fail; the returned nil keeps the
// action's buffered changes (none, for a failure before any).
func fail(c *charm.Context, format string, args ...any) error {
	return c.Tools.ActionFail(c.Context(), fmt.Sprintf(format, args...))
}

func actionLog(c *charm.Context, format string, args ...any) {
	_ = c.Tools.ActionLog(c.Context(), fmt.Sprintf(format, args...))
}

// runMigration is run-migration: the leader migrates the database to the
// running Hydra version, records it, and reconciles (which starts Hydra
// if the migration was all it waited for).
func (h hydra) runMigration(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	timeout := actionMigrationTimeout
	if v, ok := params["timeout"].(float64); ok {
		if v <= 0 {
			return fail(c, "timeout must be a positive number of seconds")
		}
		timeout = time.Duration(v * float64(time.Second))
	}
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return fail(c, "Only the leader unit can run the database migration")
	}
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return fail(c, msgNotConnected)
	}
	peer, err := loadPeer(c, leader)
	if err != nil {
		return err
	}
	if !peer.exists() {
		return fail(c, "Peer integration is not ready yet")
	}
	creds, err := postgresqlclient.ReadCredentials(c, dbEndpoint)
	if _, why, cerr := classify(err); cerr != nil {
		return cerr
	} else if why != nil {
		return fail(c, "The database is not ready: %v", why)
	}
	dsn, err := creds.DSN()
	if err != nil {
		return fail(c, "The database is not ready: %v", err)
	}
	version, err := workloadVersion(ctx, ctr)
	if err != nil {
		return fail(c, "Cannot tell the Hydra version: %v", err)
	}

	actionLog(c, "Start migrating the database")
	if err := migrate(ctx, ctr, dsn, timeout); err != nil {
		var me *migrationError
		if errors.As(err, &me) && me.Output != "" {
			actionLog(c, "%s", me.Output)
		}
		logMigrationFailure(c, err)
		return fail(c, "Database migration failed: %v", err)
	}
	actionLog(c, "Successfully migrated the database")

	state, err := c.Tools.StateGetAll(ctx)
	if err != nil {
		return err
	}
	w := &world{peer: peer, state: state, creds: creds, version: version}
	if err := h.recordMigration(c, w); err != nil {
		return err
	}
	if state[stateVersion] != version {
		if err := c.Tools.StateSet(ctx, map[string]string{stateVersion: version}); err != nil {
			return err
		}
	}
	actionLog(c, "Successfully updated migration version")
	return h.Reconcile(c)
}
