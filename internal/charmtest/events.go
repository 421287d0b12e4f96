package charmtest

import (
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
)

// Hook is a hook event without relation, workload or secret context
// (install, config-changed, update-status, leader-elected, …).
func Hook(kind charm.Kind) charm.Event {
	return charm.Event{Kind: kind, Name: string(kind), RelationID: -1}
}

// RelationEvent is a relation hook on rel; remoteUnit is the remote unit's
// number, or -1 for app-level relation-changed, relation-created and
// relation-broken, where Juju sets no JUJU_REMOTE_UNIT.
func RelationEvent(kind charm.Kind, rel Relation, remoteUnit int) charm.Event {
	ev := charm.Event{
		Kind:       kind,
		Name:       rel.Endpoint + "-" + string(kind),
		Relation:   rel.Endpoint,
		RelationID: rel.ID,
		RemoteApp:  rel.RemoteApp,
	}
	if remoteUnit >= 0 {
		ev.RemoteUnit = rel.RemoteApp + "/" + strconv.Itoa(remoteUnit)
	}
	if kind == charm.RelationDeparted {
		ev.DepartingUnit = ev.RemoteUnit
	}
	return ev
}

// PebbleReadyEvent is <container>-pebble-ready.
func PebbleReadyEvent(container string) charm.Event {
	return charm.Event{Kind: charm.PebbleReady, Name: container + "-pebble-ready", Workload: container, RelationID: -1}
}

// SecretEvent is a secret-* hook for the secret with the given ID and label.
func SecretEvent(kind charm.Kind, id, label string, revision int) charm.Event {
	return charm.Event{Kind: kind, Name: string(kind), SecretID: id, SecretLabel: label, SecretRevision: revision, RelationID: -1}
}
