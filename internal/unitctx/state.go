// Package unitctx is one unit's hook context, as Juju 3.6's uniter builds
// it for one hook or action: the unit's view of its model (a State) in,
// the hook tools answered against it (a jujuc.Context), and the State out.
// Changes Juju buffers (relation data, charm state, ports, secrets) are
// committed only when the hook succeeds, with the controller's checks;
// effects Juju applies at once (status, workload version, logs, action
// results, secret tracking) are kept either way.
//
// The engine knows one unit only. A test harness (internal/charmtest)
// builds the State by hand; a controller projects it from its multi-unit
// model at hook start and merges the State out back.
package unitctx

import "time"

// State is everything a unit can observe of its model. Begin copies every
// map and slice of the State it is given, and End returns a State that
// shares nothing with it, so a State value can be reused (and diffed
// against the State out).
type State struct {
	Leader bool
	// Config holds option values as the operator set them (string, int,
	// float64, bool); options not set take the charm's defaults. The hook
	// reads Params.Config, the validated settings made from it; Config
	// itself is carried through unchanged.
	Config map[string]any
	// Relations holds regular and peer relations (a peer relation's
	// RemoteApp is the unit's own application).
	Relations []Relation
	Secrets   []Secret
	// Stored is the unit's server-side charm state (state-get/state-set).
	Stored map[string]string
	// Containers describe the unit's workload containers for whoever runs
	// the charm (charmtest fakes their Pebble, a controller points Socket
	// at the real one); the hook context itself never reads them.
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
	// RemoteApp is the unit's own application (charmtest fills it in when
	// left empty).
	LocalAppData  map[string]string
	LocalUnitData map[string]string
	// RemoteAppData is the remote application's databag; RemoteUnits maps
	// a remote unit number to its databag ("kratos/0" -> RemoteUnits[0]).
	RemoteAppData map[string]string
	RemoteUnits   map[int]map[string]string
}

// Secret is a Juju secret this unit owns or has been granted.
type Secret struct {
	// ID is the secret URI ("secret:<20 chars>" or
	// "secret://<model-uuid>/<20 chars>"); charmtest makes one when empty.
	ID string
	// Owner is "application" or "unit" when this unit's app/unit owns the
	// secret, empty when the unit only consumes it.
	Owner       string
	Label       string // the owner's label, or the consumer's label
	Description string
	Expire      time.Time
	Rotate      string // never | hourly | daily | weekly | monthly | quarterly | yearly
	// Revision and Content are the latest revision (charmtest reads 0 as
	// 1).
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
	// charmtest.StartPebble); the fields below are then ignored. They
	// describe a fake Pebble, which charmtest implements.
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
