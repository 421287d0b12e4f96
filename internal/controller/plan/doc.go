// Package plan is the local controller's gatekeeper: it validates what a
// user asks for — deploy a charm or a bundle, integrate two applications,
// set or reset configuration, run an action — exactly as Juju 3.6.11 does,
// before anything in the model changes, and it turns a bundle into an
// ordered deploy plan.
//
// Nothing here starts, writes or contacts anything: the only I/O is reading
// the charm and bundle files (and @file config values) the caller names.
// Every check delegates to Juju's own code where that code is importable
// (github.com/juju/charm/v12 v12.1.1 for charms, bundles, config and action
// schemas; github.com/juju/juju core/bundle/changes for the plan; its
// constraint, storage, device, secret-URI and application-config parsers),
// and where it is not (the CLI commands and the state package), the rules
// and error texts are reproduced from the Juju 3.6.11 source; each function
// names the file it follows.
package plan
