// Command dispatch is the workload test charm: one workload container for
// the local model controller's integration tests (not shipped, not in the
// bundle).
//
// Every dispatch first records itself exactly as the recorder test charm
// does (package tests/charms/record: an "EVENT <json>" juju-log line at
// INFO and the same record appended to charm state "events"), so tests can
// follow app-pebble-ready, app-pebble-check-failed/-recovered (check
// "alive" in the record's check field) and app-pebble-custom-notice
// (notice_id, notice_type, notice_key). The crash-next flag works as there.
//
// # Workload
//
// Container app (resource app-image, upstream-source
// identity-platform-go-charms/test-workload:1) mounts storage data at
// /srv/data. On every hook but stop and remove, once the container's
// Pebble answers, the charm adds (combining) layer "workload":
//
//	services:
//	  app:    /bin/sh -c "while true; do date > <dir>/heartbeat; sleep 1; done"
//	          startup enabled, override replace
//	checks:
//	  alive:  level alive, period 2s, timeout 1s, threshold 2,
//	          exec /bin/sh -c "! grep -qx unhealthy <dir>/health"
//
// where <dir> is config data-dir (default /srv/data; tests running against
// a Pebble outside a pod point it elsewhere), replans, and sets the
// workload version to the output of `uname -r` run through Pebble (a
// failure is logged at WARNING, the version left alone). It only uses
// /bin/sh, date, sleep, grep and uname.
//
// Unit status:
//
//	waiting "waiting for Pebble in container app"   Pebble does not answer
//	blocked "data-dir … must be an absolute path …" data-dir is unusable
//	waiting "service app is <current>"              the service is not active
//	waiting "check alive is down"                   the check is down
//	active  "app running"                           otherwise
//
// Pebble errors after it answered fail the hook (Juju retries it).
//
// # Actions
//
//	events                    as the recorder's: events (JSON list), count, dropped
//	set-health healthy=<bool> pushes "healthy\n" or "unhealthy\n" to <dir>/health
//	                          (the check fails after ~2-4 s of "unhealthy"; Juju
//	                          then runs app-pebble-check-failed); result health;
//	                          fails when Pebble does not answer
//	crash-next hook=<name>    as the recorder's
//	crash-clear               as the recorder's
package main

import (
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/tests/charms/record"
)

func main() { charm.Main(record.Charm{Inner: workloadCharm{}}) }
