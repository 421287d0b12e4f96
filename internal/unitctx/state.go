// Package charmtest runs a charm's dispatch in-process against a model
// state, Scenario-style: state in → one event or action → state out. The
// hook tools the charm calls are answered by internal/jujuc, which parses
// arguments and validates them exactly as Juju 3.6 does, and every change
// that Juju buffers is committed only when the dispatch succeeds.
package charmtest

import "time"

// State is everything a unit can observe of its model. Tests build one,
// run an event, and compare the State that comes out. Every map and slice
// is copied on the way in and out, so a State value can be reused.
type State struct {
	Leader bool
	// Config holds option values as the operator set them (string, int,
	// float64, bool); options not set take the charm's defaults.
	Config map[string]any
	// Relations holds regular and peer relations (a peer relation's
	// RemoteApp is the unit's own application).
	Relations []Relation
	Secrets   []Secret
	// Stored is the unit's server-side charm state (state-get/state-set).
	Stored     map[string]string
	Containers []Container

	UnitStatus      Status
	AppStatus       Status
	WorkloadVersion string
	OpenedPorts     []Port
	// Address is the unit's ingress/bind address for network-get; it
	// defaults to 10.1.0.10 when empty.
	Address string
}

// Status is a workload status as status-set/status-get see it.
type Status struct {
	Name    string // unknown | maintenance | waiting | blocked | active | error
	Message string
}

// Relation is one relation as seen from the unit under test.
type Relation struct {
	Endpoint  string
	ID        int
	RemoteApp string
	// RemoteEndpoint is the remote application's endpoint name (defaults
	// to Endpoint); it only shows in Juju's relation key ("a:x b:y"),
	// which secret grants and some error messages print.
	RemoteEndpoint string
	// LocalAppData and LocalUnitData are this side's databags. On a peer
	// relation LocalAppData is the application's (only) databag, and
	// RemoteApp may be left empty.
	LocalAppData  map[string]string
	LocalUnitData map[string]string
	// RemoteAppData is the remote application's databag; RemoteUnits maps
	// a remote unit number to its databag ("kratos/0" -> RemoteUnits[0]).
	RemoteAppData map[string]string
	RemoteUnits   map[int]map[string]string
}

// Secret is a Juju secret this unit owns or has been granted.
type Secret struct {
	// ID is the secret URI ("secret:<20 chars>"); the harness makes one
	// when empty.
	ID string
	// Owner is "application" or "unit" when this unit's app/unit owns the
	// secret, empty when the unit only consumes it.
	Owner       string
	Label       string // the owner's label, or the consumer's label
	Description string
	Expire      time.Time
	Rotate      string // never | hourly | daily | weekly | monthly | quarterly | yearly
	// Revision and Content are the latest revision.
	Revision int
	Content  map[string]string
	// TrackedRevision is the revision this unit currently sees, owner or
	// consumer (0: never read; the first secret-get tracks the latest, as
	// Juju does); TrackedContent is that revision's content, needed when
	// it is older than Revision. Runs update both at once, as Juju saves
	// tracking immediately, not at commit.
	//
	// The Label of a secret given with a URI to secret-get is likewise
	// saved at once.
	TrackedRevision int
	TrackedContent  map[string]string
	// Grants maps a relation ID to the applications or units granted
	// access over it.
	Grants map[int][]string
	// Removed revisions (secret-remove --revision) or, when RemovedAll,
	// the whole secret.
	RemovedRevisions []int
	RemovedAll       bool
}

// Port is one opened port or range; Protocol is tcp, udp or icmp.
type Port struct {
	Protocol string
	From, To int // To == From for a single port; both 0 for icmp
	// Endpoints limits the port to these endpoints (empty: all).
	Endpoints []string
}

// Container is one workload container and its Pebble.
type Container struct {
	Name       string
	CanConnect bool
	// Socket, when set, points at a real Pebble daemon's socket (see
	// StartPebble); the fields below are then ignored.
	Socket string
	// Layers maps a layer label to its YAML, in the order they were added
	// (LayerOrder).
	Layers     map[string]string
	LayerOrder []string
	// Files maps an absolute path to its content.
	Files map[string]File
	// Services maps a service name to its current status: active,
	// inactive, backoff or error.
	Services map[string]string
	Checks   map[string]Check
	// Execs answers commands the charm runs: the first entry whose
	// Command is a prefix of the command line wins.
	Execs []Exec
	// ExecLog records what the charm ran (state out).
	ExecLog [][]string
	Notices []Notice
}

// File is a file in a fake container.
type File struct {
	Content     []byte
	Permissions uint32 // e.g. 0o644
	User, Group string
}

// Check is one Pebble check.
type Check struct {
	Level     string // alive | ready | ""
	Status    string // up | down
	Failures  int
	Threshold int
}

// Exec is a canned answer for a command run in a fake container.
type Exec struct {
	Command  []string
	ExitCode int
	Stdout   string
	Stderr   string
}

// Notice is a Pebble notice.
type Notice struct {
	ID   string
	Type string // custom | change-update | …
	Key  string
	Data map[string]string
}
