package uniter

import (
	"cmp"
	"maps"
	"slices"

	"github.com/identity-platform-go/charms/internal/charm"
)

// Next returns the unit's next op, or false when there is nothing to do:
// the unit is idle, waits in an error state for Retry or Resolve, or is
// gone (Removed, or Remote.Life is Dead).
//
// The order is uniterResolver.NextOp's (internal/worker/uniter/resolver.go).
// Where Juju ranges over a map (relations, consumed secrets, storage) this
// package goes in sorted key order, so that the same states always give the
// same op.
func Next(l Local, r Remote) (Op, bool) {
	if l.Removed || r.Life == Dead {
		return Op{}, false
	}
	for _, resolve := range []func(Local, Remote) (Op, bool){
		rebootOp,
		createdRelationOp,
		leadershipOp,
		workloadOp,
		secretsOp,
		actionOp,
		storageOp,
	} {
		if op, ok := resolve(l, r); ok {
			return op, true
		}
	}
	// A unit being shut down runs no more queued or failed hooks: nextOp
	// runs stop (even from an error state, which stop's commit clears).
	if r.Shutdown {
		return nextOp(l, r)
	}
	if l.Failed != nil {
		return failedOp(l, r)
	}
	if l.Queued != "" {
		return hook(r, plainEvent(l.Queued), 0), true
	}
	return nextOp(l, r)
}

// rebootOp is reboot/resolver.go: a sidecar unit agent always starts with
// "reboot detected", and re-runs start once the charm has started before,
// as soon as no hook is queued or failed.
func rebootOp(l Local, r Remote) (Op, bool) {
	if !l.RebootStart || !l.Started || !l.idle() {
		return Op{}, false
	}
	return hook(r, plainEvent(charm.Start), 0), true
}

// createdRelationOp is createdRelationsResolver (relation/resolver.go):
// relation-created for every live relation not yet created, once
// installed and while alive, before leadership: so relations that exist at
// deployment get relation-created before leader-elected.
func createdRelationOp(l Local, r Remote) (Op, bool) {
	if !l.Installed || r.Life == Dying || !l.idle() {
		return Op{}, false
	}
	for _, id := range slices.Sorted(maps.Keys(r.Relations)) {
		rr := r.Relations[id]
		if rr.Life.ending() || rr.Suspended {
			continue
		}
		if _, created := l.Relations[id]; created {
			continue
		}
		return hook(r, relationEvent(charm.RelationCreated, id, rr.Endpoint, "", rr.RemoteApp, ""), 0), true
	}
	return Op{}, false
}

// leadershipOp is leadership/resolver.go. Accepting leadership queues
// leader-elected in Juju; nothing else can run between the two, so the
// accept and the hook are one op here (Fail records the accept).
func leadershipOp(l Local, r Remote) (Op, bool) {
	if !l.Installed {
		return Op{}, false
	}
	dying := r.Life == Dying
	switch {
	case r.Leader && !l.Leader && !dying && l.idle():
		return hook(r, plainEvent(charm.LeaderElected), 0), true
	case l.Leader && (!r.Leader || dying):
		// Resigning is allowed in any state, even with a hook failed.
		return Op{Kind: ResignLeadership}, true
	case l.idle() && !l.Leader && !dying && l.LeaderSettingsVersion != r.LeaderSettingsVersion:
		return hook(r, plainEvent(charm.LeaderSettingsChanged), 0), true
	}
	return Op{}, false
}

// workloadOp is container/workload.go with the Pebble poller
// (pebblepoller.go) and noticer (pebblenotices.go) folded in: pebble-ready
// for a Pebble boot not handled yet, then the container's notices in order.
// These run whenever the unit is idle after install: before config-changed
// and start, and while dying. Juju queues them first come, first served;
// here containers go in name order, pebble-ready before notices.
func workloadOp(l Local, r Remote) (Op, bool) {
	if !l.Installed || !l.idle() {
		return Op{}, false
	}
	for _, name := range slices.Sorted(maps.Keys(r.Containers)) {
		rc, lc := r.Containers[name], l.Containers[name]
		if lc.Held {
			continue
		}
		if rc.PebbleBoot != 0 && rc.PebbleBoot != lc.PebbleBoot {
			return hook(r, workloadEvent(charm.PebbleReady, name), int64(rc.PebbleBoot)), true
		}
		for _, n := range rc.Notices {
			if n.Seq <= lc.NoticeSeq {
				continue
			}
			ev := workloadEvent(n.Kind, name)
			switch n.Kind {
			case charm.PebbleCustomNotice:
				ev.NoticeID, ev.NoticeType, ev.NoticeKey = n.ID, n.Type, n.Key
			case charm.PebbleCheckFailed, charm.PebbleCheckRecovered:
				ev.CheckName = n.Check
			default:
				continue // not a notice Juju turns into a hook
			}
			return hook(r, ev, n.Seq), true
		}
	}
	return Op{}, false
}

// secretsOp is secrets/resolver.go: expired revisions, then due rotations,
// then new revisions of consumed secrets, then obsolete owned revisions;
// once installed, while alive and idle.
func secretsOp(l Local, r Remote) (Op, bool) {
	if !l.Installed || r.Life == Dying || !l.idle() {
		return Op{}, false
	}
	s := r.Secrets
	if len(s.Expiries) > 0 {
		e := s.Expiries[0]
		return hook(r, secretEvent(charm.SecretExpired, e.URI, e.Label, e.Revision), int64(e.Revision)), true
	}
	if len(s.Rotations) > 0 {
		rot := s.Rotations[0]
		return hook(r, secretEvent(charm.SecretRotate, rot.URI, rot.Label, 0), 0), true
	}
	for _, uri := range slices.Sorted(maps.Keys(s.Consumed)) {
		c := s.Consumed[uri]
		if l.ConsumedSecrets[uri] != c.Revision {
			return hook(r, secretEvent(charm.SecretChanged, uri, c.Label, c.Revision), int64(c.Revision)), true
		}
	}
	for _, uri := range slices.Sorted(maps.Keys(s.Obsolete)) {
		for _, rev := range s.Obsolete[uri] {
			if !slices.Contains(l.ObsoleteSecrets[uri], rev) {
				return hook(r, secretEvent(charm.SecretRemove, uri, "", rev), int64(rev)), true
			}
		}
	}
	return Op{}, false
}

// actionOp is actions/resolver.go: the oldest pending action, when the unit
// is idle after install or in an error state (actions run on a unit in
// error), never while a hook is queued.
func actionOp(l Local, r Remote) (Op, bool) {
	if len(r.Actions) == 0 {
		return Op{}, false
	}
	if !(l.Installed && l.idle()) && l.Failed == nil {
		return Op{}, false
	}
	a := r.Actions[0]
	return Op{Kind: RunAction, Event: actionEvent(a), ActionID: a.ID}, true
}

// storageOp is storage/resolver.go for Kubernetes models: storage-attached
// for attached storage not yet handled, storage-detaching for handled
// storage that is going (all of it, once the unit is dying); when idle
// after install, or with a hook queued once started.
func storageOp(l Local, r Remote) (Op, bool) {
	if !(l.Installed && l.idle()) && !(l.Queued != "" && l.Started) {
		return Op{}, false
	}
	for _, id := range slices.Sorted(maps.Keys(r.Storage)) {
		s := r.Storage[id]
		if r.Life == Dying {
			s.Life = Dying
		}
		attached := l.Storage[id]
		switch {
		case s.Life == Dead:
		case s.Life == Dying && attached:
			return hook(r, storageEvent(charm.StorageDetaching, id, s), 0), true
		case !s.Life.ending() && !attached && s.Attached:
			return hook(r, storageEvent(charm.StorageAttached, id, s), 0), true
		}
	}
	return Op{}, false
}

// failedOp is uniterResolver.nextOpHookError: wait, retry or skip. A retry
// takes the current remote state (Juju wraps the old hook.Info with a new
// snapshot), so a config-changed retried after a fix records the new hash.
func failedOp(l Local, r Remote) (Op, bool) {
	f := l.Failed
	if f.Next == Wait {
		return Op{}, false
	}
	op := f.Op
	op.Seen = seen(r, f.Op.Seen.Version)
	if f.Next == SkipFailed || unpreparable(op.Event, r) {
		op.Kind = SkipHook
	} else {
		op.Kind = RunHook
	}
	return op, true
}

// unpreparable is a retried hook that Juju's runHook.Prepare skips instead
// of running (operation/runhook.go, relation/statetracker.go PrepareHook).
func unpreparable(ev charm.Event, r Remote) bool {
	switch {
	case ev.Kind == charm.LeaderElected:
		return !r.Leader
	case ev.IsRelation():
		_, ok := r.Relations[ev.RelationID]
		return !ok
	}
	return false
}

// nextOp is uniterResolver.nextOp.
func nextOp(l Local, r Remote) (Op, bool) {
	switch {
	case r.Life == Dying:
		// A dying unit leaves all its relations first, then stops and is
		// removed.
		if op, ok := relationOp(l, r); ok {
			return op, true
		}
		if l.Started && !l.Stopped {
			return hook(r, plainEvent(charm.Stop), 0), true
		}
		if l.Installed && !l.Removed {
			return hook(r, plainEvent(charm.Remove), 0), true
		}
		return Op{}, false
	case r.Shutdown:
		if l.Started && !l.Stopped {
			return hook(r, plainEvent(charm.Stop), 0), true
		}
		return Op{}, false
	}
	if !l.Installed && !l.Started {
		return hook(r, plainEvent(charm.Install), 0), true
	}
	if charmModified(l, r) {
		// Juju deploys the new charm and queues upgrade-charm; nothing can
		// run in between, so this is the upgrade-charm op itself.
		return hook(r, plainEvent(charm.UpgradeCharm), 0), true
	}
	if l.ConfigHash != r.ConfigHash || l.TrustHash != r.TrustHash || l.AddressHash != r.AddressHash {
		return hook(r, plainEvent(charm.ConfigChanged), 0), true
	}
	if op, ok := relationOp(l, r); ok {
		return op, true
	}
	if l.UpdateStatusVersion != r.UpdateStatusVersion {
		return hook(r, plainEvent(charm.UpdateStatus), 0), true
	}
	return Op{}, false
}

// charmModified is uniterResolver.charmModified.
func charmModified(l Local, r Remote) bool {
	if r.CharmURL == "" {
		return false
	}
	return l.CharmURL != r.CharmURL || l.CharmModifiedVersion != r.CharmModifiedVersion
}

// relationOp is relationsResolver.NextOp (relation/resolver.go): the first
// relation with work, non-peer relations before peer ones (so that, on
// removal, the other relations' hooks can still rely on the peers).
func relationOp(l Local, r Remote) (Op, bool) {
	if !l.idle() {
		return Op{}, false
	}
	ids := slices.SortedFunc(maps.Keys(l.Relations), func(a, b int) int {
		pa, pb := r.Relations[a].Peer, r.Relations[b].Peer
		if pa != pb {
			if pb {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	for _, id := range ids {
		rr, ok := r.Relations[id]
		if !ok {
			// Juju only resolves relations in the remote snapshot.
			continue
		}
		if op, ok := relationHook(id, rr, l.Relations[id], r); ok {
			return op, true
		}
	}
	return Op{}, false
}

// relationHook is relationsResolver.nextHookForRelation.
func relationHook(id int, rr RemoteRelation, lr LocalRelation, r Remote) (Op, bool) {
	// A dying unit, a dying relation and a suspended one are all left: as
	// if no remote unit were there any more.
	broken := r.Life == Dying || rr.Life.ending() || rr.Suspended
	members := rr.Members
	if broken {
		members = nil
	}
	ev := func(k charm.Kind, unit, app, departing string) charm.Event {
		return relationEvent(k, id, rr.Endpoint, unit, app, departing)
	}

	// relation-joined is always followed by relation-changed for the same
	// unit, before anything else on this relation.
	if u := lr.ChangedPending; u != "" {
		return hook(r, ev(charm.RelationChanged, u, appOf(u), ""), members[u]), true
	}

	units := slices.Sorted(func(yield func(string) bool) {
		for u := range lr.Members {
			if !yield(u) {
				return
			}
		}
		for u := range members {
			if _, known := lr.Members[u]; !known && !yield(u) {
				return
			}
		}
	})

	for _, u := range units {
		if _, known := lr.Members[u]; !known {
			continue
		}
		if _, present := members[u]; present {
			continue
		}
		// The departing unit is the remote one, unless this unit is the one
		// leaving (Juju also checks whether this unit's application is
		// dying; a dying application's units are dying too).
		departee := u
		if r.Life == Dying || r.Life == Dead {
			departee = r.Unit
		}
		return hook(r, ev(charm.RelationDeparted, u, appOf(u), departee), lr.Members[u]), true
	}

	if broken {
		// Juju never runs relation-broken for a peer relation
		// ("you cannot depart peer relations").
		if rr.Peer {
			return Op{}, false
		}
		return hook(r, ev(charm.RelationBroken, "", rr.RemoteApp, ""), 0), true
	}

	if rr.AppVersion != lr.AppVersion {
		return hook(r, ev(charm.RelationChanged, "", rr.RemoteApp, ""), rr.AppVersion), true
	}

	for _, u := range units {
		if v, present := members[u]; present {
			if _, known := lr.Members[u]; !known {
				return hook(r, ev(charm.RelationJoined, u, appOf(u), ""), v), true
			}
		}
	}

	for _, u := range units {
		v, present := members[u]
		if lv, known := lr.Members[u]; present && known && v != lv {
			return hook(r, ev(charm.RelationChanged, u, appOf(u), ""), v), true
		}
	}
	return Op{}, false
}
