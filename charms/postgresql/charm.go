package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
	"github.com/identity-platform-go/charms/internal/workload"
)

const (
	peerEndpoint = "database-peers"
	// Peer application data: the unit whose storage holds the cluster
	// (written once, when the leader initialised it), and the reference
	// charm's flag.
	peerKeyPrimary     = "primary"
	peerKeyInitialised = "cluster_initialised"
	// Unit state (state-set): the fingerprint of what the server was
	// last made to match, and the server version then.
	stateApplied = "applied"
	stateVersion = "version"
)

// Status messages: the reference charm's where it has them.
const (
	msgPrimary       = "Primary"
	msgDegraded      = "Primary (degraded)"
	msgConfigError   = "Configuration Error"
	msgAwaitCluster  = "awaiting for cluster to start"
	msgAwaitMember   = "awaiting for member to start"
	msgInactive      = "Database service inactive, restarting"
	msgNoPebble      = "Waiting for Pebble in workload container"
	msgInitFailed    = "Failed to initialise the cluster"
	msgStandby       = "Standby replicas are not supported yet: this unit runs no PostgreSQL (scale the application to 1 unit)"
	msgLostLeader    = "Standby replicas are not supported yet: this unit holds the database but is not the leader"
	msgPrimaryIsElse = "Standby replicas are not supported yet: the database is on %s, which is not the leader"
)

// postgresql is the postgresql-k8s charm: one primary, run by the
// leader on its own storage, serving a database per relation.
type postgresql struct {
	dial dialer
	// readyTimeout bounds how long a hook waits for a starting server
	// to accept connections; retryInterval is the pause between tries.
	readyTimeout, retryInterval time.Duration
}

func newCharm() postgresql {
	return postgresql{dial: dialPostgres, readyTimeout: time.Minute, retryInterval: 250 * time.Millisecond}
}

func (p postgresql) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{
		"get-password": p.getPassword,
		"set-password": p.setPassword,
	}
}

// Reconcile converges the unit on what config, relations and secrets
// ask for and sets its status (the leader also the application's).
func (p postgresql) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("reading leadership: %w", err)
	}
	var st hooktool.Status
	if leader {
		st, err = p.lead(c)
	} else {
		st, err = follow(c)
	}
	if err != nil {
		return err
	}
	if err := c.Tools.StatusSet(ctx, st, false); err != nil {
		return err
	}
	if leader {
		return c.Tools.StatusSet(ctx, st, true)
	}
	return nil
}

func blocked(format string, args ...any) hooktool.Status {
	return hooktool.Status{Name: hooktool.StatusBlocked, Message: fmt.Sprintf(format, args...)}
}

func waiting(msg string) hooktool.Status {
	return hooktool.Status{Name: hooktool.StatusWaiting, Message: msg}
}

// follow is a non-leader: it runs no PostgreSQL and never touches the
// storage (its own, not the primary's) but says so.
func follow(c *charm.Context) (hooktool.Status, error) {
	primary, _, err := peerPrimary(c)
	if err != nil {
		return hooktool.Status{}, err
	}
	if primary == c.Env.UnitName {
		// Leadership moved away from the unit that holds the data: its
		// server keeps running, untouched, for the operator to decide.
		return blocked("%s", msgLostLeader), nil
	}
	return blocked("%s", msgStandby), nil
}

// peerPrimary reads the unit recorded as holding the cluster, and the
// peer relation ID (-1 while the peer relation is not there yet).
func peerPrimary(c *charm.Context) (string, int, error) {
	ids, err := c.Tools.RelationIDs(c.Context(), peerEndpoint)
	if err != nil {
		return "", -1, fmt.Errorf("listing %s relations: %w", peerEndpoint, err)
	}
	if len(ids) == 0 {
		return "", -1, nil
	}
	bag, err := c.Tools.RelationGet(c.Context(), ids[0], c.Env.AppName, true)
	if err != nil {
		return "", -1, fmt.Errorf("reading %s application data: %w", peerEndpoint, err)
	}
	return bag[peerKeyPrimary], ids[0], nil
}

// forceEvents make the leader re-apply everything to the server rather
// than trust its fingerprint: a new pod (fresh container), a new
// leader, a new charm.
var forceEvents = map[charm.Kind]bool{charm.PebbleReady: true, charm.LeaderElected: true, charm.UpgradeCharm: true}

// lead is the leader: it initialises the cluster once, runs the server,
// keeps its configuration and relation users in line and publishes.
func (p postgresql) lead(c *charm.Context) (hooktool.Status, error) {
	ctx := c.Context()
	ev := c.Event
	if ev.Kind == charm.RelationBroken && ev.Relation == endpoint {
		// The relation's secrets go whatever state the server is in;
		// its role goes below, when the server is reachable.
		if err := postgresqlclient.Revoke(c, endpoint, ev.RelationID); err != nil {
			return hooktool.Status{}, err
		}
	}
	raw, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return hooktool.Status{}, fmt.Errorf("reading config: %w", err)
	}
	set, cfgErr := parseSettings(raw)
	if cfgErr != nil {
		return blocked("%s: %v", msgConfigError, cfgErr), nil
	}
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return waiting(msgNoPebble), nil
	}
	primary, peerID, err := peerPrimary(c)
	if err != nil {
		return hooktool.Status{}, err
	}
	if primary != "" && primary != c.Env.UnitName {
		return blocked(msgPrimaryIsElse, primary), nil
	}

	password, err := ensureOperatorPassword(c)
	if err != nil {
		return hooktool.Status{}, err
	}
	users, err := planRelations(c)
	if err != nil {
		return hooktool.Status{}, err
	}
	state, err := c.Tools.StateGetAll(ctx)
	if err != nil {
		return hooktool.Status{}, err
	}
	sum := fingerprint(users, set, password)
	steady, err := steadyServer(ctx, ctr, state, sum, primary == c.Env.UnitName && !forceEvents[ev.Kind])
	if err != nil {
		return hooktool.Status{}, err
	}
	version := state[stateVersion]
	var dropErr error
	if steady {
		if up, err := checkUp(ctx, ctr); err != nil {
			return hooktool.Status{}, err
		} else if !up {
			return waiting(msgAwaitMember), nil
		}
	} else {
		st, v, dErr, err := p.converge(c, ctr, set, users, password, primary, peerID, state, sum)
		switch {
		case err != nil:
			return hooktool.Status{}, err
		case st != nil:
			return *st, nil
		}
		version, dropErr = v, dErr
	}

	if err := publish(c, users, version); err != nil {
		return hooktool.Status{}, err
	}
	for _, u := range users {
		if u.problem != "" {
			return blocked("%s", u.problem), nil
		}
	}
	if dropErr != nil {
		return blocked("%s", msgDeleteFailed), nil
	}
	return primaryStatus(c)
}

// steadyServer reports whether the server runs what this unit last
// applied, so that a hook need look at neither the cluster, its files nor
// the layer: the fingerprint of the relations, settings and password is
// the one recorded, and Pebble still runs the service (a restarted
// Pebble or container has lost it). trust is false when the hook must
// look anyway (see forceEvents), or this unit is not yet the primary.
func steadyServer(ctx context.Context, ctr *workload.Container, state map[string]string, sum string, trust bool) (bool, error) {
	if !trust || state[stateApplied] != sum || state[stateVersion] == "" {
		return false, nil
	}
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return false, err
	}
	return svcs[serviceName].Active(), nil
}

// converge is the leader's full pass: the cluster initialised, the
// primary recorded, the configuration files and the layer in place, the
// port open, and the server given the relations when anything changed.
// A non-nil status ends the hook with it; otherwise version is the
// server's and dropErr a relation user that could not be dropped.
func (p postgresql) converge(c *charm.Context, ctr *workload.Container, set settings, users []relUser, password, primary string, peerID int, state map[string]string, sum string) (status *hooktool.Status, version string, dropErr error, err error) {
	ctx := c.Context()
	ev := c.Event
	stop := func(st hooktool.Status) (*hooktool.Status, string, error, error) { return &st, "", nil, nil }
	initialised, err := initCluster(c, ctr, password)
	var ie *initError
	if errors.As(err, &ie) {
		logf(c, hooktool.LevelError, "initdb: %v", err)
		return stop(blocked("%s: %v", msgInitFailed, err))
	}
	if err != nil {
		return nil, "", nil, err
	}
	if peerID >= 0 && primary == "" {
		if err := c.Tools.RelationSet(ctx, peerID, true, map[string]string{
			peerKeyPrimary: c.Env.UnitName, peerKeyInitialised: "True",
		}); err != nil {
			return nil, "", nil, err
		}
	}

	filesChanged, err := configFiles(ctx, ctr, set, hbaEntries(users))
	if err != nil {
		return nil, "", nil, err
	}
	wasRunning, err := ensureService(ctx, ctr, forceEvents[ev.Kind])
	if err != nil {
		return nil, "", nil, err
	}
	if !wasRunning && primary != "" && !initialised {
		logf(c, hooktool.LevelWarning, "the PostgreSQL service was not running; started it")
		_ = c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusMaintenance, Message: msgInactive}, false)
	}
	if err := c.Tools.OpenPort(ctx, hooktool.Port{Protocol: "tcp", From: pgPort, To: pgPort}); err != nil {
		return nil, "", nil, err
	}

	version = state[stateVersion]
	changed := state[stateApplied] != sum
	if initialised || !wasRunning || filesChanged || changed || forceEvents[ev.Kind] || version == "" {
		// A running server re-reads its files when they changed in this
		// hook or in one whose pass over the server did not complete
		// (the fingerprint covers the files' content).
		res, err := p.apply(c, ctr, users, set, password, wasRunning && (filesChanged || changed))
		if err != nil {
			return nil, "", nil, err
		}
		if !res.reachable {
			if initialised || !wasRunning {
				return stop(waiting(msgAwaitCluster))
			}
			return stop(waiting(msgAwaitMember))
		}
		version, dropErr = res.version, res.dropErr
		if err := recordApplied(c, state, users, sum, version, dropErr == nil); err != nil {
			return nil, "", nil, err
		}
	} else if up, err := checkUp(ctx, ctr); err != nil {
		return nil, "", nil, err
	} else if !up {
		return stop(waiting(msgAwaitMember))
	}
	return nil, version, dropErr, nil
}

// applyResult is what one pass over the server found.
type applyResult struct {
	// reachable is false when the server did not accept connections.
	reachable bool
	version   string
	// dropErr: a relation user that is gone could not be dropped.
	dropErr error
}

// apply connects to the server, reloads (or restarts) it when its
// files changed, and applies the relations.
func (p postgresql) apply(c *charm.Context, ctr *workload.Container, users []relUser, set settings, password string, reload bool) (applyResult, error) {
	ctx := c.Context()
	d, err := p.connect(c, ctr, password)
	if err != nil {
		logf(c, hooktool.LevelWarning, "PostgreSQL does not accept connections yet: %v", err)
		return applyResult{}, nil
	}
	defer func() { _ = d.Close(ctx) }()
	if reload {
		pending, err := d.Reload(ctx)
		if err != nil {
			return applyResult{}, err
		}
		if len(pending) > 0 {
			logf(c, hooktool.LevelInfo, "restarting PostgreSQL to apply %v", pending)
			_ = c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusMaintenance, Message: "reconfiguring cluster"}, false)
			if err := d.TerminateSessions(ctx); err != nil {
				return applyResult{}, err
			}
			_ = d.Close(ctx)
			if err := ctr.Restart(ctx, serviceName); err != nil {
				return applyResult{}, err
			}
			if d, err = p.connect(c, ctr, password); err != nil {
				logf(c, hooktool.LevelWarning, "PostgreSQL does not accept connections after its restart: %v", err)
				return applyResult{}, nil
			}
		}
	}
	version, err := d.Version(ctx)
	if err != nil {
		return applyResult{}, err
	}
	err = applyRelations(ctx, d, users, set, func(level hooktool.Level, format string, args ...any) {
		logf(c, level, format, args...)
	})
	var de *dropError
	if errors.As(err, &de) {
		return applyResult{reachable: true, version: version, dropErr: err}, nil
	}
	if err != nil {
		return applyResult{}, err
	}
	return applyResult{reachable: true, version: version}, nil
}

// recordApplied keeps the server version (also as the workload version)
// and, when every relation was served, the fingerprint that lets later
// hooks skip the server.
func recordApplied(c *charm.Context, state map[string]string, users []relUser, sum, version string, complete bool) error {
	ctx := c.Context()
	for _, u := range users {
		complete = complete && u.problem == ""
	}
	set := map[string]string{}
	if state[stateVersion] != version {
		set[stateVersion] = version
		if err := c.Tools.ApplicationVersionSet(ctx, version); err != nil {
			return err
		}
	}
	switch {
	case complete && state[stateApplied] != sum:
		set[stateApplied] = sum
	case !complete && state[stateApplied] != "":
		if err := c.Tools.StateDelete(ctx, stateApplied); err != nil {
			return err
		}
	}
	if len(set) == 0 {
		return nil
	}
	return c.Tools.StateSet(ctx, set)
}

// primaryStatus is Primary, or Primary (degraded) while Juju plans more
// units than the one that serves (standby replicas are not supported).
func primaryStatus(c *charm.Context) (hooktool.Status, error) {
	goal, err := c.Tools.GoalState(c.Context())
	if err != nil {
		return hooktool.Status{}, fmt.Errorf("reading goal-state: %w", err)
	}
	planned := 0
	for _, u := range goal.Units {
		if u.Status != "dying" {
			planned++
		}
	}
	if planned > 1 {
		return hooktool.Status{Name: hooktool.StatusActive, Message: msgDegraded}, nil
	}
	return hooktool.Status{Name: hooktool.StatusActive, Message: msgPrimary}, nil
}

func logf(c *charm.Context, level hooktool.Level, format string, args ...any) {
	// A failed log line must not fail the hook.
	_ = c.Tools.Log(c.Context(), level, fmt.Sprintf(format, args...))
}
