package main

import (
	"errors"
	"strings"

	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// Endpoints.
const (
	peerEndpoint      = "hydra"
	dbEndpoint        = "pg-database"
	publicIngress     = "public-ingress"
	adminIngress      = "admin-ingress"
	loginUIEndpoint   = "ui-endpoint-info"
	endpointsEndpoint = "hydra-endpoint-info"
	oauthEndpoint     = "oauth"
)

// Status messages: the reference charm's words (§1.11, with the ingress
// endpoint of the revision the bundle pins), so that tooling watching for
// them keeps working; where ours say more, the detail follows the
// reference's words.
const (
	msgNotConnected     = "Container is not connected yet"
	msgMissingPeer      = "Missing integration " + peerEndpoint
	msgMissingDB        = "Missing integration " + dbEndpoint
	msgMissingIngress   = "Missing required relation with " + publicIngress
	msgMissingLoginUI   = "Missing required relation with " + loginUIEndpoint
	msgIngressNotReady  = "Waiting for ingress to be ready"
	msgInsecureIngress  = "Requires a secure (HTTPS) public ingress. Either enable HTTPS on public ingress or set 'dev' config to true for local development."
	msgLoginUINotReady  = "Waiting for login UI to be ready"
	msgDBNotCreated     = "Waiting for database creation"
	msgMigrationNeeded  = "Waiting for migration to run, try running the `run-migration` action"
	msgMigrationLeader  = "Waiting for leader unit to run the migration"
	msgMigrationFailed  = "Database migration failed, try running the `run-migration` action"
	msgSecretsNotReady  = "Waiting for secrets creation"
	msgNoVersion        = "Waiting for the workload version"
	msgServiceFailing   = "Failed to start the service, please check the " + containerName + " container logs"
	msgInvalidConfig    = "Invalid configuration: "
	msgServiceNotReady  = "Service is not ready. Please re-run the action when the charm is active"
	msgWaitingForHydra  = "Waiting for Hydra service"
	msgInvalidRelations = "Invalid data on "
)

// migrationState is what the database migration waits for.
type migrationState int

const (
	// migrationDone: the schema matches the running Hydra, or it cannot
	// be told yet (no container, no database).
	migrationDone migrationState = iota
	// migrationNeeded: the workload changed version since the last
	// migration; the operator runs run-migration (or sets auto_migrate).
	migrationNeeded
	// migrationByLeader: the database was never migrated and this unit
	// is not the leader, which migrates it.
	migrationByLeader
	// migrationFailed: the leader's automatic migration failed.
	migrationFailed
)

// facts are what the unit status is computed from, gathered by Reconcile.
type facts struct {
	configErr error
	connected bool
	peer      bool
	// Related endpoints.
	dbRelated, ingressRelated, loginUIRelated bool
	// publicURL is "" until the public ingress answers; ingressErr is
	// data from it that does not validate.
	publicURL  string
	ingressErr error
	dev        bool
	// loginUIWhy and dbWhy say why the login UI's URLs or the database
	// credentials are not usable yet (nil: they are). A
	// *relation.NotReadyError is something to wait for; anything else is
	// bad data.
	loginUIWhy error
	dbWhy      error
	migration  migrationState
	secrets    bool
	// failing: the ready check has failed at least once; planErr: Pebble
	// refused to configure or start the service.
	failing bool
	planErr error
	// versionErr: `hydra version` failed, so whether the database needs
	// migrating cannot be told.
	versionErr error
}

// Status priorities, as ops orders them for collect-status.
var priority = map[string]int{
	hooktool.StatusBlocked:     3,
	hooktool.StatusMaintenance: 2,
	hooktool.StatusWaiting:     1,
	hooktool.StatusActive:      0,
}

// unitStatus is the reference charm's collect-status: every condition
// that holds adds a status, in the reference's order, and the one of
// highest priority wins (blocked > maintenance > waiting > active), the
// first one added among equals. The invalid configuration and bad
// relation data conditions are ours.
func unitStatus(f facts) hooktool.Status {
	var found []hooktool.Status
	add := func(cond bool, name, msg string) {
		if cond {
			found = append(found, hooktool.Status{Name: name, Message: msg})
		}
	}
	const blocked, waiting = hooktool.StatusBlocked, hooktool.StatusWaiting
	if f.configErr != nil {
		add(true, blocked, msgInvalidConfig+f.configErr.Error())
	}
	add(!f.connected, waiting, msgNotConnected)
	add(!f.peer, waiting, msgMissingPeer)
	add(!f.dbRelated, blocked, msgMissingDB)
	add(!f.ingressRelated, blocked, msgMissingIngress)
	add(!f.loginUIRelated, blocked, msgMissingLoginUI)
	if f.ingressRelated {
		if f.ingressErr != nil {
			add(true, blocked, msgInvalidRelations+publicIngress+": "+f.ingressErr.Error())
		}
		add(f.publicURL == "" && f.ingressErr == nil, waiting, msgIngressNotReady)
		add(f.publicURL != "" && !f.dev && !isHTTPS(f.publicURL), blocked, msgInsecureIngress)
	}
	if f.loginUIRelated && f.loginUIWhy != nil {
		addWhy(add, f.loginUIWhy, msgLoginUINotReady, loginUIEndpoint)
	}
	if f.dbRelated && f.dbWhy != nil {
		addWhy(add, f.dbWhy, msgDBNotCreated, dbEndpoint)
	}
	if f.connected && f.versionErr != nil {
		add(true, waiting, msgNoVersion+" ("+f.versionErr.Error()+")")
	}
	add(f.migration == migrationNeeded, waiting, msgMigrationNeeded)
	add(f.migration == migrationByLeader, waiting, msgMigrationLeader)
	add(f.migration == migrationFailed, blocked, msgMigrationFailed)
	add(!f.secrets, waiting, msgSecretsNotReady)
	add(f.connected && (f.failing || f.planErr != nil), blocked, msgServiceFailing)

	best := hooktool.Status{Name: hooktool.StatusActive}
	for _, s := range found {
		if priority[s.Name] > priority[best.Name] {
			best = s
		}
	}
	return best
}

// addWhy adds a waiting status with the reference's words and what is
// awaited, or, for data that does not validate, a blocked one naming the
// endpoint.
func addWhy(add func(bool, string, string), why error, waitMsg, endpoint string) {
	var nr *relation.NotReadyError
	if errors.As(why, &nr) {
		add(true, hooktool.StatusWaiting, waitMsg+" ("+nr.Error()+")")
		return
	}
	add(true, hooktool.StatusBlocked, msgInvalidRelations+endpoint+": "+why.Error())
}

func isHTTPS(url string) bool { return strings.HasPrefix(url, "https://") }
