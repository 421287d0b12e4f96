// Package jujuc implements the Juju 3.6 hook tools (config-get,
// relation-set, secret-add, …) as Juju's own jujuc defines them: the same
// flags parsed by the same flag library, the same positional-argument
// validation, error messages, exit codes and output formats.
//
// The tools run against a Context, which is whatever holds the unit's view
// of the model for one hook: an in-memory model in tests, or a persistent
// store in a local controller. This package keeps no model state itself;
// buffering and committing changes is the Context's business.
package jujuc

import (
	"errors"
	"fmt"
	"time"
)

// Context is what the hook tools need from a hook context. It is modelled
// on Juju's jujuc.Context, trimmed to the tools this package implements.
// Methods that Juju lets fail with "not found" must return an error
// matching ErrNotFound (see NotFoundf) so that the tools can tell "absent"
// from "broken" exactly as Juju does.
type Context interface {
	// UnitName is the executing unit ("app/0").
	UnitName() string
	// Dir is the hook's working directory (the charm directory): relative
	// paths given to --file, -o and key#file= resolve against it.
	Dir() string

	IsLeader() (bool, error)

	// ConfigSettings returns every option of the charm's config with its
	// current value; options without a value or default map to nil.
	ConfigSettings() (map[string]any, error)
	GoalState() (GoalState, error)

	// Log writes a juju-log message at a loggo level name (TRACE, DEBUG,
	// INFO, WARNING, ERROR, CRITICAL). It takes effect immediately.
	Log(level, message string) error

	// Status. Setting takes effect immediately; the application status is
	// leader-only (return ErrNotLeader).
	UnitStatus() (StatusInfo, error)
	SetUnitStatus(StatusInfo) error
	ApplicationStatus() (ApplicationStatusInfo, error)
	SetApplicationStatus(StatusInfo) error
	SetUnitWorkloadVersion(version string) error

	// Relations. HookRelation, RemoteUnitName and RemoteApplicationName
	// return an ErrNotFound error outside relation hooks (or when Juju
	// leaves the value unset); Relation returns NotFoundf("relation") for
	// an unknown ID.
	HookRelation() (Relation, error)
	RemoteUnitName() (string, error)
	RemoteApplicationName() (string, error)
	Relation(id int) (Relation, error)
	// RelationIDs lists the relations the unit is in, excluding broken ones.
	RelationIDs() ([]int, error)

	// Action-only calls fail with "not running an action" in hooks.
	ActionParams() (map[string]any, error)
	UpdateActionResults(keys []string, value string) error
	SetActionMessage(message string) error
	SetActionFailed() error
	LogActionMessage(message string) error

	// Charm state (state-get/set/delete); writes are buffered until the
	// hook succeeds. CharmStateValue returns NotFoundf("%q", key) for a
	// missing key.
	CharmState() (map[string]string, error)
	CharmStateValue(key string) (string, error)
	SetCharmStateValue(key, value string) error
	DeleteCharmStateValue(key string) error

	// Ports; endpoint "" means all endpoints. Changes are buffered.
	OpenPortRange(endpoint string, r PortRange) error
	ClosePortRange(endpoint string, r PortRange) error
	OpenedPortRanges() (GroupedPortRanges, error)
	// NetworkInfo returns the network info of each binding; relationID is
	// -1 when no relation was given.
	NetworkInfo(bindings []string, relationID int) (map[string]NetworkInfo, error)

	// Secrets. Changes are buffered; reads see the hook's own pending
	// changes, as in Juju.
	GetSecret(uri *SecretURI, label string, refresh, peek bool) (SecretValue, error)
	CreateSecret(args SecretCreateArgs) (*SecretURI, error)
	UpdateSecret(uri *SecretURI, args SecretUpdateArgs) error
	RemoveSecret(uri *SecretURI, revision *int) error
	GrantSecret(uri *SecretURI, args SecretGrantRevokeArgs) error
	RevokeSecret(uri *SecretURI, args SecretGrantRevokeArgs) error
	// SecretMetadata returns the secrets this unit may manage (its own and,
	// on the leader, its application's), keyed by bare secret ID.
	SecretMetadata() (map[string]SecretMetadata, error)
}

// Relation is one relation as the hook sees it.
type Relation interface {
	ID() int
	// Endpoint is the local endpoint name.
	Endpoint() string
	// Key is Juju's relation key ("app:ep other:ep", requirer first), the
	// scope of secret grants.
	Key() string
	RemoteApplicationName() string
	// UnitNames lists the remote units in the relation, sorted.
	UnitNames() []string
	// Settings is the local unit's databag; ApplicationSettings is the
	// local application's (callers check leadership first).
	Settings() (Settings, error)
	ApplicationSettings() (Settings, error)
	// ReadSettings reads a remote unit's databag; ReadApplicationSettings
	// an application's databag (the remote one, or the own one on a peer
	// relation), with the controller's permission rules.
	ReadSettings(unit string) (map[string]string, error)
	ReadApplicationSettings(app string) (map[string]string, error)
}

// Settings is a writable databag. Writes are buffered by the Context.
type Settings interface {
	// Map returns the current contents (deleted keys omitted).
	Map() map[string]string
	Set(key, value string)
	Delete(key string)
}

// FakeID renders a relation ID as Juju prints it ("db:3").
func FakeID(r Relation) string {
	return fmt.Sprintf("%s:%d", r.Endpoint(), r.ID())
}

// StatusInfo is a workload status. Tag is the unit name in application
// status listings.
type StatusInfo struct {
	Tag    string
	Status string
	Info   string
	Data   map[string]any
}

// ApplicationStatusInfo is the application status with its units.
type ApplicationStatusInfo struct {
	Application StatusInfo
	Units       []StatusInfo
}

// GoalState is what goal-state reports.
type GoalState struct {
	Units     map[string]GoalStatus
	Relations map[string]map[string]GoalStatus
}

// GoalStatus is one unit's or application's goal status.
type GoalStatus struct {
	Status string
	Since  *time.Time
}

// NetworkInfo is the network configuration of one binding.
type NetworkInfo struct {
	Interfaces       []InterfaceInfo
	EgressSubnets    []string
	IngressAddresses []string
	// Err is set when the binding is not valid for the unit.
	Err error
}

// InterfaceInfo is one network interface of a binding.
type InterfaceInfo struct {
	MACAddress    string
	InterfaceName string
	Addresses     []InterfaceAddress
}

// InterfaceAddress is one address of an interface.
type InterfaceAddress struct {
	Hostname string
	Address  string
	CIDR     string
}

// Errors the Context returns that the tools react to.
var (
	// ErrNotFound marks "absent" answers (NotFoundf wraps it).
	ErrNotFound = errors.New("not found")
	// ErrNotLeader is Juju's error for leader-only operations.
	ErrNotLeader = errors.New("this unit is not the leader")
	// ErrPermission is the controller's "permission denied".
	ErrPermission = errors.New("permission denied")
	// ErrNotRunningAction is returned by action calls outside actions.
	ErrNotRunningAction = errors.New("not running an action")
)

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg + " not found" }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// NotFoundf returns an error that prints as "<message> not found", as
// juju/errors.NotFoundf does, and matches ErrNotFound.
func NotFoundf(format string, args ...any) error {
	return &notFoundError{msg: fmt.Sprintf(format, args...)}
}

// isNotFound reports whether err is a "not found" error.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// notValidf mirrors juju/errors.NotValidf: "<message> not valid".
func notValidf(format string, args ...any) error {
	return fmt.Errorf(format+" not valid", args...)
}
