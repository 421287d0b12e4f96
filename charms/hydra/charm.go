package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/hydraendpoints"
	"github.com/identity-platform-go/charms/internal/interfaces/ingress"
	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
	"github.com/identity-platform-go/charms/internal/workload"
)

// Unit state keys (state-set): what one unit remembers between hooks.
const (
	// stateVersion caches `hydra version`, refreshed on pebble-ready and
	// upgrade-charm (a new image always comes with a new container).
	stateVersion = "workload-version"
	// stateMigrationFailed is "<peer key>@<version>" of the leader's last
	// failed automatic migration: it is retried on update-status only.
	stateMigrationFailed = "migration-failed"
	// stateDying is set once this unit is seen leaving its relations:
	// from then on it must not clean up oauth clients (see cleanupClients).
	stateDying = "dying"
	// stateApplied is the fingerprint of the Pebble plan and hydra.yaml
	// this unit last applied (see planWorkload): while the plan is
	// unchanged, a hook neither adds the layer nor reads the file back.
	stateApplied = "workload-applied"
)

// loginUIKeys are the login UI's URLs Hydra needs; with the device flow
// (Hydra v25+) also deviceKeys (§1.10: "all five URLs non-empty").
var (
	loginUIKeys = []string{loginuiendpoints.KeyConsent, loginuiendpoints.KeyLogin, loginuiendpoints.KeyOIDCError}
	deviceKeys  = []string{loginuiendpoints.KeyDeviceVerification, loginuiendpoints.KeyPostDeviceDone}
)

// hydra is the hydra charm. Its fields are what tests replace.
type hydra struct {
	now    func() time.Time
	newKey func() string
	// newAdmin reaches Hydra's admin API.
	newAdmin func() adminAPI
}

// admin is the admin API, waiting for a Hydra that has just started.
func (h hydra) admin() adminAPI { return &gatedAdmin{adminAPI: h.newAdmin(), wait: readyTimeout} }

func newHydra() hydra {
	return hydra{now: time.Now, newKey: randomKey, newAdmin: func() adminAPI { return newHTTPAdmin(adminURL) }}
}

// world is what one dispatch found: configuration, relations, secrets
// and the workload. It holds the DSN and keys: never log it.
type world struct {
	set    settings
	cfgErr error
	leader bool
	peer   *peerData
	state  map[string]string

	dbRelated bool
	creds     postgresqlclient.Credentials
	dsn       string
	dbWhy     error

	ingressRelated bool
	publicURL      string
	ingressErr     error

	loginUIRelated bool
	loginUI        loginuiendpoints.URLs
	loginUIWhy     error

	systemKeys, cookieKeys []string

	ctr        *workload.Container
	connected  bool
	version    string
	versionErr error
}

// Reconcile converges the unit on what its configuration and relations
// describe: keys, database request, ingress requests, published
// endpoints, the migration, Hydra's configuration and service, and the
// status. It runs for every hook.
func (h hydra) Reconcile(c *charm.Context) error { return h.reconcile(c, nil) }

// reconcile is Reconcile with keys just written in this hook (a secret
// read in the hook that set it still gives the old content).
func (h hydra) reconcile(c *charm.Context, written map[string][]string) error {
	w, err := h.observe(c, written)
	if err != nil {
		return err
	}
	f := facts{
		configErr: w.cfgErr, connected: w.connected, peer: w.peer.exists(),
		dbRelated: w.dbRelated, dbWhy: w.dbWhy,
		ingressRelated: w.ingressRelated, publicURL: w.publicURL, ingressErr: w.ingressErr, dev: w.set.dev,
		loginUIRelated: w.loginUIRelated, loginUIWhy: w.loginUIWhy,
		secrets:    len(w.systemKeys) > 0 && len(w.cookieKeys) > 0,
		versionErr: w.versionErr,
	}
	if f.migration, err = h.migrateIfNeeded(c, w); err != nil {
		return err
	}
	var svc serviceState
	if w.connected {
		if svc, err = h.converge(c, w, &f); err != nil {
			return err
		}
	}
	if err := h.reconcileOAuth(c, w, svc.running); err != nil {
		return err
	}
	return c.Tools.StatusSet(c.Context(), unitStatus(f), false)
}

// observe gathers the world and makes the requests that do not depend on
// the workload: keys (leader), database and ingress requests, published
// endpoints, opened ports. Hook-tool failures are errors (Juju retries);
// what the operator or a remote charm must fix is recorded for the
// status.
func (h hydra) observe(c *charm.Context, written map[string][]string) (*world, error) {
	ctx := c.Context()
	w := &world{}
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if w.set, w.cfgErr = parseSettings(cfg); w.cfgErr != nil {
		w.set = defaultSettings()
	}
	if w.leader, err = c.Tools.IsLeader(ctx); err != nil {
		return nil, err
	}
	if w.peer, err = loadPeer(c, w.leader); err != nil {
		return nil, err
	}
	if w.state, err = c.Tools.StateGetAll(ctx); err != nil {
		return nil, err
	}
	if err := h.noteDying(c, w); err != nil {
		return nil, err
	}
	if err := h.ensureKeys(c, w, written); err != nil {
		return nil, err
	}

	// The database.
	if err := postgresqlclient.RequestDatabase(c, dbEndpoint, postgresqlclient.Request{
		Database: c.Env.ModelName + "_" + c.Env.AppName, ExtraUserRoles: []string{"SUPERUSER"},
	}); err != nil {
		return nil, err
	}
	w.creds, w.dbWhy = postgresqlclient.ReadCredentials(c, dbEndpoint)
	if w.dbWhy == nil {
		w.dsn, w.dbWhy = w.creds.DSN()
		if w.dbWhy != nil {
			w.dbWhy = &databag.KeyError{Key: postgresqlclient.KeyDatabase, Err: w.dbWhy}
		}
	}
	if w.dbRelated, w.dbWhy, err = classify(w.dbWhy); err != nil {
		return nil, err
	}

	// The ingresses: Hydra serves from the root, so the prefix Traefik
	// routes on is stripped (as the pinned reference asks).
	for _, in := range []struct {
		endpoint string
		port     int
	}{{publicIngress, publicPort}, {adminIngress, adminPort}} {
		if err := ingress.PublishRequest(c, in.endpoint, ingress.Request{Port: in.port, StripPrefix: true}); err != nil {
			return nil, err
		}
	}
	ids, err := c.RelationIDs(publicIngress)
	if err != nil {
		return nil, fmt.Errorf("listing %s relations: %w", publicIngress, err)
	}
	w.ingressRelated = len(ids) > 0
	url, ok, err := ingress.URL(c, publicIngress)
	var ke *databag.KeyError
	switch {
	case errors.As(err, &ke):
		w.ingressErr = err
	case err != nil:
		return nil, err
	case ok:
		w.publicURL = url
	}

	// The login UI.
	w.loginUI, w.loginUIWhy = loginuiendpoints.Get(c, loginUIEndpoint, loginUIKeys...)
	if w.loginUIRelated, w.loginUIWhy, err = classify(w.loginUIWhy); err != nil {
		return nil, err
	}

	// What Hydra offers: its APIs in the cluster, for Kratos and the
	// login UI.
	if err := hydraendpoints.Publish(c, endpointsEndpoint, hydraendpoints.Endpoints{
		Admin: serviceURL(c, adminPort), Public: serviceURL(c, publicPort),
	}); err != nil {
		return nil, err
	}
	if err := openPorts(c); err != nil {
		return nil, err
	}

	// The workload.
	w.ctr = c.Container(containerName)
	w.connected = w.ctr.CanConnect(ctx)
	if w.connected {
		if err := h.readVersion(c, w); err != nil {
			return nil, err
		}
	}
	if w.loginUIWhy == nil && supportsDeviceFlow(w.version) {
		for _, k := range deviceKeys {
			if v, _ := w.loginUI.Value(k); v == "" {
				// As loginuiendpoints.Get reports a key no relation carries.
				w.loginUIWhy = &relation.NotReadyError{Endpoint: loginUIEndpoint, RelationID: -1, Key: k}
				break
			}
		}
	}
	return w, nil
}

// classify sorts a relation read's error: related is false only for an
// endpoint without relations; why keeps what the status reports (waiting
// for the remote side, or data that does not validate); other errors are
// hook-tool failures, returned as err.
func classify(why error) (related bool, kept error, err error) {
	var nr *relation.NotReadyError
	var ke *databag.KeyError
	switch {
	case why == nil:
		return true, nil, nil
	case errors.As(why, &nr):
		return !nr.NoRelation(), why, nil
	case errors.As(why, &ke):
		return true, why, nil
	}
	return false, nil, why
}

// noteDying records that this unit is leaving: Juju runs
// relation-departed with JUJU_DEPARTING_UNIT set to the unit itself only
// when the unit (or its application) is going away.
func (h hydra) noteDying(c *charm.Context, w *world) error {
	if c.Event.Kind != charm.RelationDeparted || c.Event.DepartingUnit != c.Env.UnitName || w.state[stateDying] != "" {
		return nil
	}
	w.state[stateDying] = "true"
	return c.Tools.StateSet(c.Context(), map[string]string{stateDying: "true"})
}

// ensureKeys reads the system and cookie keys; the leader first creates
// the ones missing, from the initial_*_secret_id options or at random.
func (h hydra) ensureKeys(c *charm.Context, w *world, written map[string][]string) error {
	for _, k := range keyKinds {
		keys, ok := written[k.name]
		if !ok {
			var err error
			if keys, err = readKeys(c, k); err != nil {
				return err
			}
		}
		if len(keys) == 0 && w.leader && w.cfgErr == nil {
			uri := w.set.initialSystemSecret
			if k == cookieKeys {
				uri = w.set.initialCookieSecret
			}
			initial, err := initialKeys(c, k, uri)
			var ce *configError
			if errors.As(err, &ce) {
				w.cfgErr = err
				continue
			}
			if err != nil {
				return err
			}
			if len(initial) == 0 {
				initial = []string{h.newKey()}
			}
			if keys, err = addKeys(c, k, h.now(), initial...); err != nil {
				return err
			}
			if err := h.announceKeys(c, w.peer); err != nil {
				return err
			}
		}
		if k == systemKeys {
			w.systemKeys = keys
		} else {
			w.cookieKeys = keys
		}
	}
	return nil
}

// openPorts opens Hydra's public and admin ports (the reference does on
// pebble-ready); only the missing ones are opened.
func openPorts(c *charm.Context) error {
	ctx := c.Context()
	open, err := c.Tools.OpenedPorts(ctx)
	if err != nil {
		return err
	}
	for _, port := range []int{publicPort, adminPort} {
		found := false
		for _, p := range open {
			found = found || (p.Protocol == "tcp" && p.From <= port && port <= p.To)
		}
		if !found {
			if err := c.Tools.OpenPort(ctx, hooktool.TCPPort(port)); err != nil {
				return err
			}
		}
	}
	return nil
}

// readVersion finds the workload version: cached in the unit's state,
// asked of the container when there is none or on pebble-ready and
// upgrade-charm, when the image may have changed.
func (h hydra) readVersion(c *charm.Context, w *world) error {
	cached := w.state[stateVersion]
	if cached != "" && c.Event.Kind != charm.PebbleReady && c.Event.Kind != charm.UpgradeCharm {
		w.version = cached
		return nil
	}
	v, err := workloadVersion(c.Context(), w.ctr)
	if err != nil {
		w.versionErr = err
		logf(c, hooktool.LevelError, "Failed to fetch the hydra version: %v", err)
		return nil
	}
	w.version = v
	if v != cached {
		w.state[stateVersion] = v
		if err := c.Tools.StateSet(c.Context(), map[string]string{stateVersion: v}); err != nil {
			return err
		}
	}
	return c.Tools.ApplicationVersionSet(c.Context(), v)
}

// migrationKey is the peer key recording the version the database of
// relation relID was last migrated to.
func migrationKey(relID int) string { return "migration_version_" + strconv.Itoa(relID) }

// migrationStateOf decides whether the database needs migrating before
// Hydra may start, and by whom, without running anything.
func migrationStateOf(w *world) (state migrationState, auto bool) {
	if !w.peer.exists() || !w.dbRelated || w.dbWhy != nil || !w.connected || w.version == "" {
		// Cannot tell yet; the status names what is missing instead.
		return migrationDone, false
	}
	var have string
	present, err := w.peer.get(migrationKey(w.creds.RelationID), &have)
	if err == nil && present && have == w.version {
		return migrationDone, false
	}
	// Never migrated (the first database hookup): automatic. After an
	// upgrade: only when the operator opted in.
	if (err == nil && !present) || w.set.autoMigrate {
		if !w.leader {
			return migrationByLeader, false
		}
		return migrationNeeded, true
	}
	return migrationNeeded, false
}

// migrateIfNeeded runs the automatic migration on the leader. A failed
// one is logged, recorded and retried only on update-status; the operator
// can run run-migration meanwhile.
func (h hydra) migrateIfNeeded(c *charm.Context, w *world) (migrationState, error) {
	state, auto := migrationStateOf(w)
	if !auto {
		return state, nil
	}
	marker := migrationKey(w.creds.RelationID) + "@" + w.version
	if w.state[stateMigrationFailed] == marker && c.Event.Kind != charm.UpdateStatus {
		return migrationFailed, nil
	}
	logf(c, hooktool.LevelInfo, "Migrating the database of relation %d to Hydra %s", w.creds.RelationID, w.version)
	if err := migrate(c.Context(), w.ctr, w.dsn, autoMigrationTimeout); err != nil {
		logMigrationFailure(c, err)
		w.state[stateMigrationFailed] = marker
		if err := c.Tools.StateSet(c.Context(), map[string]string{stateMigrationFailed: marker}); err != nil {
			return state, err
		}
		return migrationFailed, nil
	}
	if err := h.recordMigration(c, w); err != nil {
		return state, err
	}
	return migrationDone, nil
}

// recordMigration writes the migrated version to the peer data (leader)
// and forgets an earlier failure.
func (h hydra) recordMigration(c *charm.Context, w *world) error {
	if err := w.peer.set(migrationKey(w.creds.RelationID), w.version); err != nil {
		return err
	}
	if w.state[stateMigrationFailed] != "" {
		delete(w.state, stateMigrationFailed)
		return c.Tools.StateDelete(c.Context(), stateMigrationFailed)
	}
	return nil
}

func logMigrationFailure(c *charm.Context, err error) {
	var me *migrationError
	if errors.As(err, &me) {
		logf(c, hooktool.LevelError, "Database migration failed (exit status %d); use the run-migration action once fixed: %s", me.ExitCode, me.Output)
		return
	}
	logf(c, hooktool.LevelError, "Database migration failed; use the run-migration action once fixed: %v", err)
}

// canServe reports whether everything Hydra's configuration needs is
// there (the reference's NOOP conditions).
func canServe(f facts, w *world) bool {
	return f.configErr == nil && f.peer && f.dbRelated && f.dbWhy == nil &&
		w.publicURL != "" && (w.set.dev || isHTTPS(w.publicURL)) &&
		f.loginUIRelated && f.loginUIWhy == nil && f.migration == migrationDone &&
		f.secrets && w.version != ""
}

// converge makes the workload match: Hydra configured and running when it
// can serve, stopped without a database, left alone otherwise.
func (h hydra) converge(c *charm.Context, w *world, f *facts) (serviceState, error) {
	ctx := c.Context()
	var svcs map[string]workload.ServiceStatus
	switch {
	case canServe(*f, w):
		config, err := renderConfig(configInput{
			DSN: w.dsn, SystemKeys: w.systemKeys, CookieKeys: w.cookieKeys,
			Settings: w.set, PublicURL: w.publicURL, LoginUI: w.loginUI, DeviceFlow: supportsDeviceFlow(w.version),
		})
		if err != nil {
			return serviceState{}, err
		}
		p, err := planWorkload(ctx, w.ctr, pebbleLayer(w.set), config, w.state[stateApplied])
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to start the service, please check the container logs: %v", err)
			f.planErr = err
		} else {
			svcs = p.services
			if err := h.rememberApplied(c, w, p.fingerprint); err != nil {
				return serviceState{}, err
			}
		}
	case !w.dbRelated:
		if err := stopService(ctx, w.ctr); err != nil {
			logf(c, hooktool.LevelError, "Failed to stop the service: %v", err)
		}
	}
	svc, err := readServiceStateFrom(ctx, w.ctr, svcs)
	if err != nil {
		// The container went away mid-hook: the next pebble-ready
		// reconciles again.
		logf(c, hooktool.LevelWarning, "Reading the hydra service: %v", err)
		return serviceState{}, nil
	}
	f.failing = svc.failing
	return svc, nil
}

// rememberApplied keeps the fingerprint of what planWorkload applied, so
// that the next hook need not apply it again.
func (h hydra) rememberApplied(c *charm.Context, w *world, fingerprint string) error {
	if w.state[stateApplied] == fingerprint {
		return nil
	}
	w.state[stateApplied] = fingerprint
	return c.Tools.StateSet(c.Context(), map[string]string{stateApplied: fingerprint})
}

func logf(c *charm.Context, level hooktool.Level, format string, args ...any) {
	// A failed log line must not fail the hook.
	_ = c.Tools.Log(c.Context(), level, fmt.Sprintf(format, args...))
}
