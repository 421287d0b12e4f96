// Package charmtest runs a charm's dispatch in-process against a model
// state, Scenario-style: state in → one event or action → state out. The
// hook context is internal/unitctx's (the hook tools answered by
// internal/jujuc, which parses arguments and validates them exactly as
// Juju 3.6 does, and every change that Juju buffers committed only when
// the dispatch succeeds); this package checks that a State could come
// from Juju, validates config and action parameters, fakes Pebble, and
// runs the charm in-process or as its compiled dispatch binary.
package charmtest

import "github.com/identity-platform-go/charms/internal/unitctx"

// The model types are unitctx's: a State built here is what a controller
// would project for one unit.
type (
	// State is everything a unit can observe of its model. Tests build
	// one, run an event, and compare the State that comes out. Every map
	// and slice is copied on the way in and out, so a State value can be
	// reused.
	State = unitctx.State
	// Status is a workload status as status-set/status-get see it.
	Status = unitctx.Status
	// Relation is one relation as seen from the unit under test.
	Relation = unitctx.Relation
	// Secret is a Juju secret this unit owns or has been granted.
	Secret = unitctx.Secret
	// Port is one opened port or range; Protocol is tcp, udp or icmp.
	Port = unitctx.Port
	// Container is one workload container and its (fake or real) Pebble.
	Container = unitctx.Container
	// File is a file in a fake container.
	File = unitctx.File
	// Check is one Pebble check.
	Check = unitctx.Check
	// Exec is a canned answer for a command run in a fake container.
	Exec = unitctx.Exec
	// Notice is a Pebble notice.
	Notice = unitctx.Notice
	// Output is what one run produced (see unitctx.Output).
	Output = unitctx.Output
)

// Across carries one side's committed relation data and secret grants over
// to the other side, as the controller would between two hooks (see
// unitctx.Across). It lets tests drive a provider and a requirer built
// from the same library through a full handshake.
func Across(src State, srcUnit int, relID int, dst State) State {
	return unitctx.Across(src, srcUnit, relID, dst)
}
