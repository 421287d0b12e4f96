// Package uniter decides which hook or action a unit runs next: a pure,
// deterministic re-statement of Juju 3.6.11's uniter resolver
// (internal/worker/uniter/resolver.go and the resolvers it chains), with no
// I/O, clocks or goroutines.
//
// Juju's uniter is state-based, not an event queue: it compares a snapshot
// of what the controller wants for the unit (Remote) with what the unit has
// done (Local), picks one operation, runs it, records its effect and looks
// again. This package keeps that shape:
//
//	for {
//		op, ok := uniter.Next(local, remote)
//		if !ok { break }                 // idle, or waiting in an error state
//		if op.Runs() && dispatch(op) != nil {
//			local = uniter.Fail(local, op)
//		} else {
//			local = uniter.Commit(local, op)
//		}
//		// persist local; refresh remote (and drop the action, rotation or
//		// expiry the op handled from it, as Juju's watchers do)
//	}
//
// Remote and Local are plain values; Commit, Fail, Retry, Resolve, Restart
// and Release return new values and never modify their arguments, so a
// caller may keep the old state (to persist, compare or retry).
//
// Priority, as in uniterResolver.NextOp: the implicit start after an agent
// restart (reboot/resolver.go), relation-created (relation/resolver.go
// createdRelationsResolver), leadership (leadership/resolver.go), workload
// events (container/workload.go), secrets (secrets/resolver.go), actions
// (actions/resolver.go), storage (storage/resolver.go), then a failed hook
// (retry/resolve), a queued hook (start after the first config-changed,
// config-changed after upgrade-charm), and finally nextOp: install,
// upgrade-charm, config-changed, relation hooks, update-status; or, for a
// dying unit, relation departed/broken, stop, remove.
//
// What may run when, as a consequence of that order:
//
//   - before install: nothing else (Juju's first operation is the charm
//     deployment that queues install);
//   - after install, before start: relation-created, leader-elected or
//     leader-settings-changed, pebble-ready and the other workload hooks,
//     secret hooks, actions, storage-attached, config-changed; relation
//     joined/changed/departed/broken and update-status wait until start
//     has run (they come after config-changed and the start it queues);
//   - while a hook is queued (start after the first config-changed,
//     config-changed after upgrade-charm): nothing but a leadership
//     resignation and, once started, storage hooks;
//   - in an error state: actions, a leadership resignation, and stop when
//     the pod is shut down; everything else waits for Retry or Resolve;
//   - dying: workload hooks, actions and storage-detaching still run, then
//     relation departed/broken, stop and remove; no relation-created,
//     leader-elected or secret hooks.
//
// Where this package deliberately differs from Juju, the comment at the
// place says so (Next's map order, Fail's notice replay,
// RemoteRelation.Suspended, the leadership accept folded into
// leader-elected).
//
// Pod churn and refresh: Juju's sidecar uniter treats every agent start as
// a reboot and re-deploys the charm; see Restart for the resulting hooks.
package uniter
