// Package api is the local controller's API: the Backend interface the
// controller core implements (one method per `juju-local` verb), the
// request and result types, and their transport — HTTP/1.1 with JSON
// bodies over a private unix socket (Listen, Server, Dial/Client), with
// newline-delimited JSON for the streaming calls (deploy progress,
// action logs while waiting for a task, debug-log).
//
// The types follow Juju 3.6.11's API parameters (rpc/params FullStatus,
// application.UnitInfo, actionapi.ActionResult, common.LogMessage), not its
// printed shapes: cmd/juju-local formats them as Juju's CLI does. Requests
// carry what the user typed where internal/controller/plan parses it
// (config, deploy --config, run and integrate arguments), so the
// controller validates exactly as Juju does.
package api
