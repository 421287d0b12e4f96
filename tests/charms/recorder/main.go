// Command dispatch is the recorder test charm: a workload-less charm for
// the local model controller's integration tests (not shipped, not in the
// bundle).
//
// # Events
//
// Every dispatch, hook or action, first records itself (package
// tests/charms/record): one juju-log line at INFO, "EVENT " followed by a
// compact JSON object
//
//	{"unit":"recorder/0","kind":"relation-changed","hook":"sink-relation-changed","action":"",
//	 "relation":"sink","relation_id":3,"remote_app":"other","remote_unit":"other/0",
//	 "departing_unit":"","workload":"","notice_id":"","notice_type":"","notice_key":"",
//	 "check":"","storage":"","storage_id":"","storage_location":"","secret_id":"",
//	 "secret_label":"","secret_revision":0,"leader":true,"env":{"JUJU_…":"…",…}}
//
// (one line; every key always present; relation_id -1 and secret_revision 0
// when unset; env holds every JUJU_* variable but JUJU_AGENT_TOKEN and
// JUJU_CONTEXT_ID), and the same object appended to the JSON list in charm
// state "events" (last 200 records, at most 64 KiB; "events-dropped"
// counts what the caps dropped). A hook named by the crash-next flag then
// exits 1.
//
// # Reconcile
//
// On every hook but stop and remove: the leader writes {"leader": <unit>,
// "config-message": <message>} to the application databag of every
// relation (peers, source, sink, other); every unit writes {"unit":
// <unit>} to its unit databag of every relation; the unit status becomes
// active `relations: <n>, message: "<message>"` (n counts the relations
// still alive; message quoted as Go's %q does). It never fails except on
// crash-next.
//
// # Actions
//
// Results are strings; JSON values are JSON text.
//
//	events                        events (JSON list), count, dropped
//	fail [message=…]              action-fail with message (default "failed on request")
//	set-app-data key=… [value=…]  relation-set --app on every relation, leader or not;
//	                              results: JSON object "endpoint:id" -> "ok" | error text,
//	                              written, failed (counts); any failure also fails the
//	                              action, with message "relation-set --app failed on
//	                              <failed> of <n> relations: <first error text>" and
//	                              result error = the first error text
//	secret-add content.<k>=<v>… [label=…] [owner=application|unit] [relation-id=N]
//	                              uri, and granted (the relation ID) when relation-id
//	                              was given; a failing hook tool fails the action with
//	                              its error text (also result error); action-fail still
//	                              commits what succeeded before (a secret whose grant
//	                              failed is created)
//	secret-get [uri=…] [label=…] [peek=true] [refresh=true]
//	                              content (JSON object); on error a failed action whose
//	                              message and result error are the error text
//	crash-next hook=<hook name>   state crash-next=<hook>: that hook exits 1 on every
//	                              dispatch until crash-clear; result hook
//	crash-clear                   deletes the flag; result cleared (the hook it named)
//
// Error texts are hooktool's: "<tool>: <Juju's message>", e.g.
// "relation-set: cannot write relation settings" for a non-leader's
// relation-set --app.
package main

import (
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/tests/charms/record"
)

func main() { charm.Main(record.Charm{Inner: recorder{}}) }
