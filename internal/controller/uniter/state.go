package uniter

import (
	"maps"
	"slices"

	"github.com/identity-platform-go/charms/internal/charm"
)

// Life is the lifecycle of a unit or a relation, as Juju's core/life names
// it. The zero value counts as Alive.
type Life string

const (
	Alive Life = "alive"
	Dying Life = "dying"
	Dead  Life = "dead"
)

// ending reports whether a relation with this life is on its way out.
func (l Life) ending() bool { return l == Dying || l == Dead }

// Remote is what the controller knows and wants for one unit: Juju's
// remotestate.Snapshot, reduced to what a Kubernetes sidecar unit uses.
//
// Versions and hashes are compared for equality only (Juju compares with
// != because its versions are txn-revnos that migrations reset); a change
// of any value is what makes the unit run a hook.
type Remote struct {
	// Unit is this unit's name ("hydra/0"); it is JUJU_DEPARTING_UNIT when
	// this unit leaves its relations.
	Unit string
	Life Life
	// Shutdown is set while the unit's pod is being terminated without the
	// unit dying (pod churn, refresh): Juju runs stop, and nothing queued.
	Shutdown bool

	Leader bool
	// LeaderSettingsVersion counts changes of the (deprecated) leader
	// settings. Juju's watcher counts its initial event, so the controller
	// should start it at 1: a non-leader runs leader-settings-changed once
	// after every agent start.
	LeaderSettingsVersion int

	// CharmURL and CharmModifiedVersion are the charm the unit should run;
	// a change is an upgrade (upgrade-charm, then config-changed). An empty
	// CharmURL disables upgrades, as in Juju.
	CharmURL             string
	CharmModifiedVersion int

	// ConfigHash, TrustHash and AddressHash are opaque digests of the
	// application config, its trust setting and the unit's addresses; any
	// difference from what config-changed last saw runs config-changed. Juju
	// always hashes something, so they must not all be empty: a fresh unit
	// runs its first config-changed (and so start) because its Local hashes
	// are empty.
	ConfigHash  string
	TrustHash   string
	AddressHash string

	// UpdateStatusVersion is bumped each time the update-status timer fires.
	UpdateStatusVersion int

	// Relations are keyed by relation ID. Keep a dying relation here until
	// this unit's relation-broken has committed (Juju keeps it until every
	// unit has left its scope): a relation that vanishes is never broken.
	Relations  map[int]RemoteRelation
	Containers map[string]RemoteContainer
	// Storage is keyed by storage ID ("pgdata/0").
	Storage map[string]RemoteStorage
	Secrets RemoteSecrets
	// Actions are the unit's pending actions, oldest first. The controller
	// removes an action when its op commits or fails (Juju's action
	// watcher reports only pending actions).
	Actions []PendingAction
}

// RemoteRelation is one relation the unit's application takes part in.
type RemoteRelation struct {
	Endpoint string // this unit's endpoint name
	Peer     bool
	Life     Life
	// Suspended is the cross-model "offer suspended" state: the unit leaves
	// the relation (departed, broken) as if it were dying. A relation that is
	// already suspended when the unit first sees it is ignored until it is
	// resumed (Juju runs, or rather skips, a relation-created it cannot
	// prepare; the difference is invisible to the charm).
	Suspended bool
	// RemoteApp is the application at the other end (this application for
	// a peer relation).
	RemoteApp string
	// AppVersion is the version of RemoteApp's application data bag; a
	// change runs an application-level relation-changed (no remote unit).
	// 0 means the bag was never written: no hook. Juju's versions are the
	// settings document's txn-revno, which is non-zero from the relation's
	// creation, so a unit sees one application-level relation-changed as soon
	// as it handles a new relation: the controller should start at 1.
	AppVersion int64
	// Members are the remote units in scope ("pg/0"), each with the version
	// of its unit data bag.
	Members map[string]int64
}

// RemoteContainer is what the unit agent sees of one workload container's
// Pebble.
type RemoteContainer struct {
	// PebbleBoot identifies the Pebble daemon answering in the container: 0
	// while Pebble does not answer, then a new value (a counter, say) each
	// time it (re)starts. Juju's Pebble poller fires pebble-ready for every
	// boot ID it has not handled yet.
	PebbleBoot int
	// Notices are the custom notices and check events Pebble holds, in
	// delivery order (Juju reads them with Pebble's notices API, resuming
	// after the last one handled).
	Notices []Notice
}

// Notice is one Pebble notice that becomes a workload hook.
type Notice struct {
	// Seq orders notices within a container and is what Local remembers;
	// it stands for Pebble's LastRepeated, so a repeated notice needs a new
	// Seq. It must be positive and increase along Notices.
	Seq int64
	// Kind is charm.PebbleCustomNotice, charm.PebbleCheckFailed or
	// charm.PebbleCheckRecovered.
	Kind charm.Kind
	// ID, Type and Key of a custom notice (JUJU_NOTICE_*).
	ID, Type, Key string
	// Check is the check's name for check-failed/-recovered.
	Check string
}

// RemoteStorage is one storage attachment of the unit.
type RemoteStorage struct {
	Name     string // the charm's storage name ("pgdata")
	Life     Life
	Attached bool // provisioned and attached: storage-attached may run
	Location string
}

// RemoteSecrets are the secret events the controller has for the unit.
type RemoteSecrets struct {
	// Consumed maps each secret URI this unit consumes and tracks to its
	// latest revision. A revision different from the one the unit last
	// handled runs secret-changed. List a secret only once a revision newer
	// than the one the unit read exists (Juju's consumed-secrets watcher
	// fires on new revisions, not on the first secret-get).
	Consumed map[string]ConsumedSecret
	// Rotations are owned secrets whose rotation is due, in order. The
	// controller removes an entry when its secret-rotate commits (Juju's
	// rotate watcher does on SetSecretRotated).
	Rotations []SecretRef
	// Expiries are owned secret revisions that expired, in order; removed
	// by the controller when secret-expired commits.
	Expiries []SecretRef
	// Obsolete maps owned secret URIs to revisions no consumer uses any
	// more; each runs secret-remove once.
	Obsolete map[string][]int
}

// ConsumedSecret is the latest revision of a consumed secret and the label
// the consumer gave it.
type ConsumedSecret struct {
	Label    string
	Revision int
}

// SecretRef names a secret (and, for expiries, a revision).
type SecretRef struct {
	URI      string
	Label    string
	Revision int
}

// PendingAction is an action queued for the unit.
type PendingAction struct {
	ID   string // the action's UUID (JUJU_ACTION_UUID)
	Name string
}

// Local is what the unit has done, as Juju's uniter records it (operation
// state, relation state, secret state) plus the in-memory parts of its
// resolver state. The controller persists it between ops; the zero value is
// a unit that has done nothing yet.
type Local struct {
	Installed bool
	Started   bool
	Stopped   bool
	Removed   bool

	// Leader is set once leader-elected has been queued for the current
	// term of leadership (Juju's operation.State.Leader).
	Leader                bool
	LeaderSettingsVersion int

	CharmURL             string
	CharmModifiedVersion int

	ConfigHash  string
	TrustHash   string
	AddressHash string

	UpdateStatusVersion int

	// Queued is a hook Juju runs next, before anything of lower priority:
	// start after the first config-changed, config-changed after
	// upgrade-charm, upgrade-charm after an agent restart.
	Queued charm.Kind
	// Failed is set while the unit is in an error state.
	Failed *Failure
	// RebootStart is set by Restart on a started unit: Juju's sidecar
	// uniter re-runs start after every agent restart.
	RebootStart bool

	// Relations are the relations this unit has entered (relation-created
	// has run), by relation ID.
	Relations map[int]LocalRelation
	// Containers remember the Pebble boot and the notice handled last.
	Containers map[string]LocalContainer
	// Storage holds the storage IDs whose storage-attached has run.
	Storage map[string]bool
	// ConsumedSecrets are the revisions handled by secret-changed, by URI.
	ConsumedSecrets map[string]int
	// ObsoleteSecrets are the revisions handled by secret-remove, by URI.
	ObsoleteSecrets map[string][]int
}

// LocalRelation is Juju's relation.State: the settings versions the unit
// has seen, and whether a joined still owes its changed.
type LocalRelation struct {
	AppVersion int64
	Members    map[string]int64
	// ChangedPending names a unit whose relation-joined ran: its
	// relation-changed comes next for this relation.
	ChangedPending string
}

// LocalContainer is what the unit handled of one container.
type LocalContainer struct {
	PebbleBoot int   // the boot whose pebble-ready ran
	NoticeSeq  int64 // the last notice handled
	// Held is set when a workload hook failed: Juju drops the event and
	// its Pebble poller offers it again on its next poll, while other hooks
	// go on. Release clears it (after WorkloadRetryDelay).
	Held bool
}

// Failure is the error state: the hook that failed and what happens next.
type Failure struct {
	Op Op
	// Failures counts the failed runs of Op since the error began or was
	// last resolved; RetryDelay(Failures) is how long Juju waits before it
	// retries on its own.
	Failures int
	// Next is what the next Next call does about it.
	Next Resolution
}

// Resolution says how a failed hook is left behind.
type Resolution string

const (
	// Wait keeps the unit in its error state (until Retry or Resolve).
	Wait Resolution = ""
	// RetryHook runs the failed hook again.
	RetryHook Resolution = "retry"
	// SkipFailed records the hook as done without running it
	// (juju resolve --no-retry).
	SkipFailed Resolution = "skip"
)

// idle is Juju's operation.Continue: no hook queued and no hook failed.
func (l Local) idle() bool { return l.Queued == "" && l.Failed == nil }

// clone returns a deep copy, so that Commit and friends never write into
// their caller's maps.
func (l Local) clone() Local {
	c := l
	if l.Relations != nil {
		c.Relations = make(map[int]LocalRelation, len(l.Relations))
		for id, r := range l.Relations {
			r.Members = maps.Clone(r.Members)
			c.Relations[id] = r
		}
	}
	c.Containers = maps.Clone(l.Containers)
	c.Storage = maps.Clone(l.Storage)
	c.ConsumedSecrets = maps.Clone(l.ConsumedSecrets)
	if l.ObsoleteSecrets != nil {
		c.ObsoleteSecrets = make(map[string][]int, len(l.ObsoleteSecrets))
		for uri, revs := range l.ObsoleteSecrets {
			c.ObsoleteSecrets[uri] = slices.Clone(revs)
		}
	}
	if l.Failed != nil {
		f := *l.Failed
		c.Failed = &f
	}
	return c
}
