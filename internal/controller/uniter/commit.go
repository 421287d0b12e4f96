package uniter

import (
	"errors"
	"slices"

	"github.com/identity-platform-go/charms/internal/charm"
)

// ErrNotInError is Resolve's answer for a unit that has no failed hook
// (Juju's state.Unit.Resolve says the same).
var ErrNotInError = errors.New("unit is not in an error state")

// Commit returns the unit's state after op succeeded (or, for SkipHook
// and ResignLeadership, after it was taken). It follows
// operation/runhook.go Commit, the relation and secret state trackers and
// resolverOpFactory's commit wrappers.
func Commit(local Local, op Op) Local {
	l := local.clone()
	switch op.Kind {
	case RunAction:
		// Finishing an action changes nothing locally: the controller
		// takes it off Remote.Actions. On a unit in error the failed hook
		// stays failed.
		return l
	case ResignLeadership:
		l.Leader = false
		return l
	}

	// Any hook commit leaves the unit idle (Juju's operation.Continue),
	// even one that ran while another hook was queued or failed (stop on
	// shutdown, a storage hook while a hook is queued).
	l.Failed = nil
	l.Queued = ""
	// Every hook records the update-status timer and the charm version it
	// saw, so a timer tick that happened before a hook ran needs no
	// update-status of its own.
	l.UpdateStatusVersion = op.Seen.UpdateStatusVersion
	l.CharmModifiedVersion = op.Seen.CharmModifiedVersion

	ev := op.Event
	switch ev.Kind {
	case charm.Install:
		l.Installed, l.Removed = true, false
		l.CharmURL = op.Seen.CharmURL
	case charm.Start:
		l.Started, l.Stopped = true, false
		l.RebootStart = false
	case charm.Stop:
		l.Stopped = true
	case charm.Remove:
		l.Removed = true
	case charm.ConfigChanged:
		l.ConfigHash, l.TrustHash, l.AddressHash = op.Seen.ConfigHash, op.Seen.TrustHash, op.Seen.AddressHash
		if !l.Started {
			l.Queued = charm.Start
		}
	case charm.UpgradeCharm:
		l.CharmURL = op.Seen.CharmURL
		l.Queued = charm.ConfigChanged
	case charm.LeaderElected:
		if op.Kind == RunHook {
			l.Leader = true
		}
	case charm.LeaderSettingsChanged:
		l.LeaderSettingsVersion = op.Seen.LeaderSettingsVersion
	case charm.RelationCreated, charm.RelationJoined, charm.RelationChanged, charm.RelationDeparted, charm.RelationBroken:
		commitRelation(&l, ev, op.Seen.Version)
	case charm.PebbleReady:
		c := l.Containers[ev.Workload]
		c.PebbleBoot = int(op.Seen.Version)
		setContainer(&l, ev.Workload, c)
	case charm.PebbleCustomNotice, charm.PebbleCheckFailed, charm.PebbleCheckRecovered:
		c := l.Containers[ev.Workload]
		c.NoticeSeq = op.Seen.Version
		setContainer(&l, ev.Workload, c)
	case charm.StorageAttached:
		if l.Storage == nil {
			l.Storage = map[string]bool{}
		}
		l.Storage[ev.StorageID] = true
	case charm.StorageDetaching:
		delete(l.Storage, ev.StorageID)
	case charm.SecretChanged:
		if l.ConsumedSecrets == nil {
			l.ConsumedSecrets = map[string]int{}
		}
		l.ConsumedSecrets[ev.SecretID] = int(op.Seen.Version)
	case charm.SecretRemove:
		if l.ObsoleteSecrets == nil {
			l.ObsoleteSecrets = map[string][]int{}
		}
		revs := l.ObsoleteSecrets[ev.SecretID]
		if rev := int(op.Seen.Version); !slices.Contains(revs, rev) {
			revs = append(revs, rev)
			slices.Sort(revs)
		}
		l.ObsoleteSecrets[ev.SecretID] = revs
	}
	return l
}

// commitRelation is relation.State.UpdateStateForHook plus the state
// tracker's bookkeeping: created enters the relation, broken forgets it (so
// a relation that is resumed after a suspension is created again).
func commitRelation(l *Local, ev charm.Event, version int64) {
	id := ev.RelationID
	if ev.Kind == charm.RelationBroken {
		delete(l.Relations, id)
		return
	}
	if l.Relations == nil {
		l.Relations = map[int]LocalRelation{}
	}
	lr := l.Relations[id]
	if lr.Members == nil {
		lr.Members = map[string]int64{}
	}
	switch {
	case ev.Kind == charm.RelationCreated:
	case ev.Kind == charm.RelationDeparted:
		delete(lr.Members, ev.RemoteUnit)
	case ev.RemoteUnit == "":
		lr.AppVersion = version
		lr.ChangedPending = ""
	default:
		lr.Members[ev.RemoteUnit] = version
		lr.ChangedPending = ""
		if ev.Kind == charm.RelationJoined {
			lr.ChangedPending = ev.RemoteUnit
		}
	}
	l.Relations[id] = lr
}

func setContainer(l *Local, name string, c LocalContainer) {
	if l.Containers == nil {
		l.Containers = map[string]LocalContainer{}
	}
	l.Containers[name] = c
}

// Fail returns the unit's state after op's hook exited non-zero:
//
//   - most hooks put the unit in an error state (Local.Failed); Next returns
//     nothing until Retry (Juju's retry timer, after
//     RetryDelay(Failed.Failures)) or Resolve, and only actions, leadership
//     resignation and the shutdown stop run meanwhile;
//   - a workload hook (pebble-*) does not: Juju drops the event and skips
//     the hook, and its Pebble poller or noticer offers it again later, while
//     other hooks go on; here the container is Held until Release, and the
//     event is offered again after that;
//   - a failed action is finished all the same: Fail is Commit.
//
// Deliberate difference: when a custom-notice or check hook fails, Juju's
// noticer restarts and replays every notice Pebble still holds; here only
// the failed one is offered again.
func Fail(local Local, op Op) Local {
	if op.Kind != RunHook {
		return Commit(local, op)
	}
	l := local.clone()
	if isWorkload(op.Event.Kind) {
		c := l.Containers[op.Event.Workload]
		c.Held = true
		setContainer(&l, op.Event.Workload, c)
		return l
	}
	failures := 1
	if l.Failed != nil && l.Failed.Op.Event == op.Event {
		failures = l.Failed.Failures + 1
	}
	l.Failed = &Failure{Op: op, Failures: failures}
	l.Queued = ""
	if op.Event.Kind == charm.LeaderElected {
		// Juju records the leadership when it accepts it, before the hook.
		l.Leader = true
	}
	return l
}

// Retry is Juju's hook-retry timer firing: the failed hook runs again at
// the next Next. It does nothing when no hook failed.
func Retry(local Local) Local {
	if local.Failed == nil || local.Failed.Next != Wait {
		return local
	}
	l := local.clone()
	l.Failed.Next = RetryHook
	return l
}

// Resolve is juju resolve: the failed hook runs again at the next Next, or
// with noRetry (juju resolve --no-retry) is recorded as done without
// running. It also resets the retry back-off, as Juju's resolver does.
func Resolve(local Local, noRetry bool) (Local, error) {
	if local.Failed == nil {
		return local, ErrNotInError
	}
	l := local.clone()
	l.Failed.Failures = 0
	l.Failed.Next = RetryHook
	if noRetry {
		l.Failed.Next = SkipFailed
	}
	return l, nil
}

// Release ends the hold Fail put on a container after a failed workload
// hook; Juju's Pebble poller tries again WorkloadRetryDelay later.
func Release(local Local, container string) Local {
	if !local.Containers[container].Held {
		return local
	}
	l := local.clone()
	c := l.Containers[container]
	c.Held = false
	l.Containers[container] = c
	return l
}

// Restart is the unit agent starting in a new pod (pod churn, refresh,
// scaling back up), with the remote state at that moment. It is a no-op for
// a unit that has not installed yet, so a controller may call it at every
// pod start. What Juju 3.6's sidecar uniter does then:
//
//   - the charm directory lives in the pod, so the agent deploys the charm
//     again (checkCharmInstallUpgrade in resolver/loop.go) and that queues
//     upgrade-charm, then config-changed, unless a hook was queued or
//     failed (the deploy then returns to that hook instead);
//   - it always assumes a reboot (uniter.go: rebootDetected for sidecar
//     units), so a unit that had started runs start again;
//   - its Pebble poller and noticer start afresh, so every container gets
//     pebble-ready again (and notices Pebble still holds are replayed);
//   - the in-memory leader-settings version restarts, so a non-leader runs
//     leader-settings-changed again;
//   - the retry back-off restarts at its minimum.
//
// So a started leader goes upgrade-charm, config-changed, start,
// <container>-pebble-ready (a non-leader adds leader-settings-changed after
// start), and install never runs again. (Before the new pod starts, the old
// one runs stop: Remote.Shutdown.) A refresh of a sidecar application is
// this same sequence, since Juju rolls the pods to change the charm.
func Restart(local Local, remote Remote) Local {
	l := local.clone()
	l.Containers = nil
	l.LeaderSettingsVersion = 0
	l.UpdateStatusVersion = remote.UpdateStatusVersion
	l.RebootStart = l.Started
	if l.Failed != nil {
		l.Failed.Failures = 1
	}
	if l.Installed && remote.CharmURL != "" {
		l.CharmURL, l.CharmModifiedVersion = remote.CharmURL, remote.CharmModifiedVersion
		if l.idle() {
			l.Queued = charm.UpgradeCharm
		}
	}
	return l
}
