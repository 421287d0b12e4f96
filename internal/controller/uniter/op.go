package uniter

import (
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
)

// OpKind says what the controller does with an Op.
type OpKind string

const (
	// RunHook dispatches Event as a hook, then Commit (or Fail).
	RunHook OpKind = "run-hook"
	// RunAction dispatches Event as the action ActionID, then Commit (a
	// failed action is finished too: Fail is Commit for actions).
	RunAction OpKind = "run-action"
	// SkipHook runs nothing: Commit records Event's hook as done. It is
	// what juju resolve --no-retry does, and what Juju does when a retried
	// hook can no longer be prepared (leader-elected after leadership was
	// lost, a hook for a relation that is gone).
	SkipHook OpKind = "skip-hook"
	// ResignLeadership runs nothing: Commit forgets that leader-elected ran,
	// so the unit runs it again if it is elected again.
	ResignLeadership OpKind = "resign-leadership"
)

// Op is one thing for the unit to do.
type Op struct {
	Kind OpKind
	// Event is ready for the dispatcher (charm.Event.Environ gives its
	// JUJU_* variables); for RunAction its Kind is charm.Action.
	Event charm.Event
	// ActionID is the action's ID for RunAction.
	ActionID string
	// Seen is the remote state the op brings the unit up to, taken when
	// Next chose it, as Juju's resolverOpFactory does: whatever changes
	// while the hook runs is still seen as a change afterwards.
	Seen Seen
}

// Seen is the part of Remote that Commit records.
type Seen struct {
	// Version is the op's own version: the unit or application bag version
	// for relation-joined/-changed, the Pebble boot for pebble-ready, the
	// notice Seq for the other workload hooks, the revision for
	// secret-changed and secret-remove.
	Version int64

	ConfigHash            string
	TrustHash             string
	AddressHash           string
	CharmURL              string
	CharmModifiedVersion  int
	UpdateStatusVersion   int
	LeaderSettingsVersion int
}

// Runs reports whether the controller dispatches the op (as opposed to
// committing it straight away).
func (o Op) Runs() bool { return o.Kind == RunHook || o.Kind == RunAction }

// String describes the op the way Juju's uniter logs it.
func (o Op) String() string {
	e := o.Event
	switch o.Kind {
	case RunAction:
		return fmt.Sprintf("run action %s (%s)", o.ActionID, e.Name)
	case ResignLeadership:
		return "resign leadership"
	}
	verb := "run"
	if o.Kind == SkipHook {
		verb = "skip"
	}
	var detail []string
	switch {
	case e.IsRelation() && e.DepartingUnit != "":
		detail = append(detail, fmt.Sprintf("%d; unit: %s, departee: %s", e.RelationID, e.RemoteUnit, e.DepartingUnit))
	case e.IsRelation() && e.RemoteUnit != "":
		detail = append(detail, fmt.Sprintf("%d; unit: %s", e.RelationID, e.RemoteUnit))
	case e.IsRelation():
		detail = append(detail, fmt.Sprintf("%d; app: %s", e.RelationID, e.RemoteApp))
	case e.StorageID != "":
		detail = append(detail, e.StorageID)
	case e.SecretID != "" && e.SecretRevision > 0:
		detail = append(detail, fmt.Sprintf("%s/%d", e.SecretID, e.SecretRevision))
	case e.SecretID != "":
		detail = append(detail, e.SecretID)
	case e.NoticeKey != "":
		detail = append(detail, e.NoticeKey)
	case e.CheckName != "":
		detail = append(detail, e.CheckName)
	}
	if len(detail) == 0 {
		return fmt.Sprintf("%s %s hook", verb, e.Name)
	}
	return fmt.Sprintf("%s %s (%s) hook", verb, e.Name, strings.Join(detail, ", "))
}

// seen takes the remote values every hook op records.
func seen(r Remote, version int64) Seen {
	return Seen{
		Version:               version,
		ConfigHash:            r.ConfigHash,
		TrustHash:             r.TrustHash,
		AddressHash:           r.AddressHash,
		CharmURL:              r.CharmURL,
		CharmModifiedVersion:  r.CharmModifiedVersion,
		UpdateStatusVersion:   r.UpdateStatusVersion,
		LeaderSettingsVersion: r.LeaderSettingsVersion,
	}
}

func hook(r Remote, ev charm.Event, version int64) Op {
	return Op{Kind: RunHook, Event: ev, Seen: seen(r, version)}
}

// plainEvent is a hook without an endpoint, container or storage prefix.
func plainEvent(k charm.Kind) charm.Event {
	return charm.Event{Kind: k, Name: string(k), RelationID: -1}
}

func relationEvent(k charm.Kind, id int, endpoint, remoteUnit, remoteApp, departing string) charm.Event {
	return charm.Event{
		Kind:          k,
		Name:          endpoint + "-" + string(k),
		Relation:      endpoint,
		RelationID:    id,
		RemoteUnit:    remoteUnit,
		RemoteApp:     remoteApp,
		DepartingUnit: departing,
	}
}

func workloadEvent(k charm.Kind, container string) charm.Event {
	return charm.Event{Kind: k, Name: container + "-" + string(k), Workload: container, RelationID: -1}
}

func storageEvent(k charm.Kind, id string, s RemoteStorage) charm.Event {
	return charm.Event{
		Kind:        k,
		Name:        s.Name + "-" + string(k),
		StorageName: s.Name,
		StorageID:   id,
		StoragePath: s.Location,
		RelationID:  -1,
	}
}

// secretEvent sets the revision only for the hooks Juju gives
// JUJU_SECRET_REVISION to (hook.SecretHookRequiresRevision: expired and
// remove).
func secretEvent(k charm.Kind, uri, label string, revision int) charm.Event {
	ev := plainEvent(k)
	ev.SecretID, ev.SecretLabel = uri, label
	if k == charm.SecretExpired || k == charm.SecretRemove {
		ev.SecretRevision = revision
	}
	return ev
}

func actionEvent(a PendingAction) charm.Event {
	return charm.Event{Kind: charm.Action, Name: a.Name, ActionName: a.Name, ActionUUID: a.ID, RelationID: -1}
}

// appOf is the application part of a unit name.
func appOf(unit string) string {
	app, _, _ := strings.Cut(unit, "/")
	return app
}

func isWorkload(k charm.Kind) bool {
	switch k {
	case charm.PebbleReady, charm.PebbleCustomNotice, charm.PebbleCheckFailed, charm.PebbleCheckRecovered:
		return true
	}
	return false
}
