package api

import (
	"time"
)

// The request and result types below are the controller's side of each
// `juju-local` verb. They carry what the user typed (raw arguments, as
// internal/controller/plan parses them) or what the controller knows
// (semantic state, as Juju's params package carries it); how a result is
// printed — tables, YAML shapes, time zones — is the CLI's business, as in
// Juju, where the apiserver returns params.FullStatus and cmd/juju/status
// formats it.
//
// Every request names its model. Paths in requests are absolute: the
// controller daemon does not share the client's working directory.

// ---- models ----

// AddModelRequest is `juju-local add-model <name>`.
type AddModelRequest struct {
	Name string `json:"name"`
}

// DestroyModelRequest is `juju-local destroy-model <name>`. The call
// returns once the model and everything in it is gone.
type DestroyModelRequest struct {
	Name           string        `json:"name"`
	DestroyStorage bool          `json:"destroy-storage,omitempty"`
	Force          bool          `json:"force,omitempty"`
	Timeout        time.Duration `json:"timeout,omitempty"`
}

// ModelSummary describes one model, as Juju's base.UserModelSummary.
type ModelSummary struct {
	Name           string    `json:"name"` // short name: "default"
	UUID           string    `json:"uuid"`
	Type           string    `json:"type"`          // "caas"
	ProviderType   string    `json:"provider-type"` // "kubernetes"
	Cloud          string    `json:"cloud"`         // "local"
	Region         string    `json:"region,omitempty"`
	Owner          string    `json:"owner"` // "admin"
	Life           string    `json:"life"`  // "alive", "dying"
	Status         string    `json:"status"`
	StatusSince    time.Time `json:"status-since,omitempty"`
	AgentVersion   string    `json:"agent-version"`
	Units          int       `json:"units"`
	LastConnection time.Time `json:"last-connection,omitempty"` // zero: never
}

// Models is the answer to `juju-local models`.
type Models struct {
	Controller string         `json:"controller"`
	Models     []ModelSummary `json:"models"`
}

// ---- model configuration ----

// ModelConfigRequest is `juju-local model-config [<key>]`.
type ModelConfigRequest struct {
	Model string `json:"model"`
}

// ModelConfigValue is one model configuration attribute and where its
// value comes from (Juju's config.ConfigValue): "default" for the
// controller's default, "model" for a value set on the model.
type ModelConfigValue struct {
	Value  any    `json:"value"`
	Source string `json:"source"`
}

// ModelConfig is a model's configuration by attribute name (Juju's
// ModelGetWithMetadata, without the name, type and uuid attributes).
type ModelConfig map[string]ModelConfigValue

// SetModelConfigRequest is `juju-local model-config k=v …` (Set, values
// as Juju's ModelSet takes them) and `--reset k,…` (Reset, as ModelUnset:
// back to the default). Reset is applied before Set; nothing is applied
// unless every key is valid.
type SetModelConfigRequest struct {
	Model string         `json:"model"`
	Set   map[string]any `json:"set,omitempty"`
	Reset []string       `json:"reset,omitempty"`
}

// ---- deploy and application life cycle ----

// DeployRequest is `juju-local deploy <path> [<name>] …`.
//
// Path is a charm directory, a .charm file or a bundle YAML file. Flags
// are passed as typed, for plan.ParseDeployConfig and the bundle planner:
// ConfigFlags holds each --config value ("k=v", "k=@file" or a YAML file
// path, with file paths made absolute by the client).
type DeployRequest struct {
	Model           string            `json:"model"`
	Path            string            `json:"path"`
	ApplicationName string            `json:"application-name,omitempty"`
	ConfigFlags     []string          `json:"config-flags,omitempty"`
	NumUnits        int               `json:"num-units"`           // -n; 1 unless given
	NumUnitsSet     bool              `json:"num-units-set"`       // -n was given (refused for bundles, as Juju)
	Trust           bool              `json:"trust,omitempty"`     // --trust
	Resources       map[string]string `json:"resources,omitempty"` // --resource name=image-or-path
	DryRun          bool              `json:"dry-run,omitempty"`
}

// DeployResult lists what a deploy created.
type DeployResult struct {
	Applications []string `json:"applications"`
}

// IntegrateRequest is `juju-local integrate <a>[:ep] <b>[:ep]`; Endpoints
// are the two arguments as typed (plan.Integrate parses them).
type IntegrateRequest struct {
	Model     string   `json:"model"`
	Endpoints []string `json:"endpoints"`
}

// IntegrateResult is the relation that was added.
type IntegrateResult struct {
	ID        int      `json:"id"`
	Key       string   `json:"key"`       // "hydra:pg-database postgresql:database"
	Endpoints []string `json:"endpoints"` // "app:endpoint" each
	Interface string   `json:"interface"`
}

// RemoveRelationRequest is `juju-local remove-relation <a>[:ep] <b>[:ep]`
// or `remove-relation <id>` (ID set, Endpoints empty).
type RemoveRelationRequest struct {
	Model     string   `json:"model"`
	Endpoints []string `json:"endpoints,omitempty"`
	ID        *int     `json:"id,omitempty"`
	Force     bool     `json:"force,omitempty"`
}

// ScaleRequest is `juju-local add-unit <app> -n N` (Delta > 0) and
// `juju-local remove-unit <app> --num-units N` (Delta < 0): in a
// Kubernetes model both scale the application, as Juju's CAAS models do.
type ScaleRequest struct {
	Model       string `json:"model"`
	Application string `json:"application"`
	Delta       int    `json:"delta"`
}

// ScaleResult is the application's scale after the change.
type ScaleResult struct {
	Scale int `json:"scale"`
}

// RemoveApplicationRequest is `juju-local remove-application <app>…`.
// DryRun lists what would be removed and changes nothing.
type RemoveApplicationRequest struct {
	Model          string        `json:"model"`
	Applications   []string      `json:"applications"`
	DryRun         bool          `json:"dry-run,omitempty"`
	Force          bool          `json:"force,omitempty"`
	NoWait         bool          `json:"no-wait,omitempty"`
	DestroyStorage bool          `json:"destroy-storage,omitempty"`
	MaxWait        time.Duration `json:"max-wait,omitempty"`
}

// RemoveApplicationResult is one application's outcome, in request order.
type RemoveApplicationResult struct {
	Application string   `json:"application"`
	Units       []string `json:"units,omitempty"` // "hydra/0", …
	Error       string   `json:"error,omitempty"`
}

// RefreshRequest is `juju-local refresh <app> --path <charm>`.
type RefreshRequest struct {
	Model       string            `json:"model"`
	Application string            `json:"application"`
	Path        string            `json:"path"`
	Resources   map[string]string `json:"resources,omitempty"`
	ConfigFlags []string          `json:"config-flags,omitempty"`
	Trust       *bool             `json:"trust,omitempty"`
	Force       bool              `json:"force,omitempty"`
}

// RefreshResult is the charm the application now runs.
type RefreshResult struct {
	CharmName string `json:"charm-name"`
	Revision  int    `json:"revision"`
}

// ResolveRequest is `juju-local resolved <unit>…` (alias resolve).
type ResolveRequest struct {
	Model   string   `json:"model"`
	Units   []string `json:"units,omitempty"`
	All     bool     `json:"all,omitempty"`
	NoRetry bool     `json:"no-retry,omitempty"`
}

// ---- configuration ----

// GetConfigRequest is `juju-local config <app> [<key>]`.
type GetConfigRequest struct {
	Model       string `json:"model"`
	Application string `json:"application"`
}

// ConfigSetting is one option as `juju config` prints it. Default and
// Value are absent (nil) when the option has none; a false or 0 value is
// present.
type ConfigSetting struct {
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Description string `json:"description" yaml:"description"`
	Source      string `json:"source" yaml:"source"` // "default", "user", "unset"
	Type        string `json:"type" yaml:"type"`     // "string", "int", "float", "boolean", "secret", "bool"
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// ApplicationConfig is an application's configuration (params.ApplicationGetResults).
type ApplicationConfig struct {
	Application       string                   `json:"application"`
	Charm             string                   `json:"charm"`
	Settings          map[string]ConfigSetting `json:"settings"`
	ApplicationConfig map[string]ConfigSetting `json:"application-config,omitempty"`
}

// SetConfigRequest is `juju-local config <app> k=v … [--reset k,…] [--file f]`.
// Args are the key=value arguments as typed ("@file" values made
// absolute by the client), Reset the --reset values as typed (each a
// comma-separated list): plan.ParseConfigArgs takes both. FileYAML is the
// content of --file (`<app>: {key: value}`), empty when not given.
type SetConfigRequest struct {
	Model       string   `json:"model"`
	Application string   `json:"application"`
	Args        []string `json:"args,omitempty"`
	Reset       []string `json:"reset,omitempty"`
	FileYAML    string   `json:"file-yaml,omitempty"`
}

// ---- actions ----

// RunRequest is `juju-local run <unit>… <action> [k=v …]`: Args are the
// positional arguments as typed and ParamsYAML the --params file content,
// for plan.ParseRunArgs. Run enqueues and returns at once; the client then
// waits for each task with WaitTask unless --background.
type RunRequest struct {
	Model      string   `json:"model"`
	Args       []string `json:"args"`
	ParamsYAML string   `json:"params-yaml,omitempty"`
	StringArgs bool     `json:"string-args,omitempty"`
}

// Operation is an enqueued `juju run`: one task per unit.
type Operation struct {
	ID    string `json:"id"`
	Tasks []Task `json:"tasks"`
}

// Task is one unit's part of an operation. Receiver is the unit tag
// ("unit-hydra-0"); Error is set when the task could not be enqueued.
type Task struct {
	ID       string `json:"id,omitempty"`
	Receiver string `json:"receiver,omitempty"`
	Error    string `json:"error,omitempty"`
}

// WaitTaskRequest waits for a task to finish. Wait bounds the wait: a
// positive Wait waits at most that long, 0 returns the current state at
// once (`juju show-task`), a negative Wait waits until the task ends
// (`juju show-task --watch`, `juju run --wait -1s`). Ending ctx ends any
// wait.
type WaitTaskRequest struct {
	Model string        `json:"model"`
	ID    string        `json:"id"`
	Wait  time.Duration `json:"wait"`
}

// ActionMessage is one action-log line.
type ActionMessage struct {
	Timestamp time.Time `json:"timestamp"`
	Message   string    `json:"message"`
}

// TaskResult is a task's state (Juju's actionapi.ActionResult). Status is
// one of pending, running, completed, failed, cancelled, aborting,
// aborted, error. Output holds what action-set set plus "return-code"
// (the dispatch exit code) and "stdout"/"stderr" when not empty.
type TaskResult struct {
	ID        string          `json:"id"`
	Receiver  string          `json:"receiver"` // "unit-hydra-0"
	Action    string          `json:"action"`
	Status    string          `json:"status"`
	Message   string          `json:"message,omitempty"` // action-fail's message
	Output    map[string]any  `json:"output,omitempty"`
	Log       []ActionMessage `json:"log,omitempty"`
	Enqueued  time.Time       `json:"enqueued,omitzero"`
	Started   time.Time       `json:"started,omitzero"`
	Completed time.Time       `json:"completed,omitzero"`
	Error     string          `json:"error,omitempty"`
}

// ---- secrets ----

// AddSecretRequest is `juju-local add-secret <name> k=v… [--info d]`.
// Data is already encoded as Juju's secrets.CreateSecretData does (values
// base64, keys without "#base64"/"#file" suffixes).
type AddSecretRequest struct {
	Model       string            `json:"model"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Data        map[string]string `json:"data"`
}

// AddSecretResult is the new secret's URI ("secret:<xid>").
type AddSecretResult struct {
	URI string `json:"uri"`
}

// GrantSecretRequest is `juju-local grant-secret <uri|name> <app>[,<app>…]`.
type GrantSecretRequest struct {
	Model        string   `json:"model"`
	Secret       string   `json:"secret"` // URI or model-owned secret name
	Applications []string `json:"applications"`
}

// SecretsRequest is `juju-local secrets [--owner o]`.
type SecretsRequest struct {
	Model string `json:"model"`
	Owner string `json:"owner,omitempty"` // "application-x", "unit-x-0", "model-…"; empty: all
}

// SecretInfo is one secret's metadata (never its content).
type SecretInfo struct {
	URI            string    `json:"uri"`   // "secret:<xid>"
	Owner          string    `json:"owner"` // owner tag: "application-hydra", "unit-hydra-0", "model-<uuid>"
	Name           string    `json:"name,omitempty"`
	Label          string    `json:"label,omitempty"`
	Description    string    `json:"description,omitempty"`
	RotatePolicy   string    `json:"rotate-policy,omitempty"`
	NextRotateTime time.Time `json:"next-rotate-time,omitzero"`
	LatestExpire   time.Time `json:"latest-expire,omitzero"`
	Revision       int       `json:"revision"`
	Created        time.Time `json:"created,omitzero"`
	Updated        time.Time `json:"updated,omitzero"`
	Error          string    `json:"error,omitempty"`
}

// ---- status ----

// StatusRequest is `juju-local status [pattern…]`.
type StatusRequest struct {
	Model    string   `json:"model"`
	Patterns []string `json:"patterns,omitempty"`
}

// DetailedStatus is an entity's status (params.DetailedStatus). A zero
// Since means unknown.
type DetailedStatus struct {
	Status  string         `json:"status"`
	Info    string         `json:"info,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	Since   time.Time      `json:"since,omitzero"`
	Version string         `json:"version,omitempty"`
	Life    string         `json:"life,omitempty"`
}

// Status is a model's full status (params.FullStatus, without machines,
// offers and branches, which a Kubernetes model on one host has not).
type Status struct {
	Model               ModelStatus                  `json:"model"`
	ControllerTimestamp time.Time                    `json:"controller-timestamp,omitzero"`
	Applications        map[string]ApplicationStatus `json:"applications"`
	Relations           []RelationStatus             `json:"relations,omitempty"`
}

// ModelStatus is the model part of Status.
type ModelStatus struct {
	Name             string         `json:"name"`
	Type             string         `json:"type"` // "caas"
	Controller       string         `json:"controller"`
	Cloud            string         `json:"cloud"`
	Region           string         `json:"region,omitempty"`
	Version          string         `json:"version"` // agent version, "3.6.11"
	AvailableVersion string         `json:"available-version,omitempty"`
	Status           DetailedStatus `json:"status"`
}

// Base is an OS base ("ubuntu", "22.04").
type Base struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
}

// ApplicationStatus is one application (params.ApplicationStatus).
// Status is what Juju's apiserver returns: the status the leader set, or,
// when none was set, the one derived from the units (the most severe
// workload status); the CLI derives it itself when Status.Status is empty.
type ApplicationStatus struct {
	Charm            string                `json:"charm"` // charm URL: "local:hydra-0"
	CharmChannel     string                `json:"charm-channel,omitempty"`
	CharmVersion     string                `json:"charm-version,omitempty"`
	Base             Base                  `json:"base"`
	Exposed          bool                  `json:"exposed"`
	Life             string                `json:"life,omitempty"`
	Scale            int                   `json:"scale"`
	ProviderID       string                `json:"provider-id,omitempty"`
	PublicAddress    string                `json:"public-address,omitempty"`
	Relations        map[string][]string   `json:"relations,omitempty"` // endpoint → related applications
	SubordinateTo    []string              `json:"subordinate-to,omitempty"`
	Units            map[string]UnitStatus `json:"units,omitempty"`
	Status           DetailedStatus        `json:"status"`
	WorkloadVersion  string                `json:"workload-version,omitempty"`
	EndpointBindings map[string]string     `json:"endpoint-bindings,omitempty"`
}

// UnitStatus is one unit (params.UnitStatus). AgentStatus.Status is
// allocating, executing (Info "running install hook", "running action
// x"), idle, error, lost, …; WorkloadStatus.Status active, blocked,
// maintenance, waiting, error (Info "hook failed: \"install\""), unknown,
// terminated.
type UnitStatus struct {
	AgentStatus    DetailedStatus        `json:"agent-status"`
	WorkloadStatus DetailedStatus        `json:"workload-status"`
	Leader         bool                  `json:"leader,omitempty"`
	Address        string                `json:"address,omitempty"`
	PublicAddress  string                `json:"public-address,omitempty"`
	ProviderID     string                `json:"provider-id,omitempty"`
	OpenedPorts    []string              `json:"opened-ports,omitempty"` // "80/tcp"
	Charm          string                `json:"charm,omitempty"`        // set while upgrading from another charm
	Machine        string                `json:"machine,omitempty"`
	Subordinates   map[string]UnitStatus `json:"subordinates,omitempty"`
}

// RelationStatus is one relation (params.RelationStatus). Status.Status
// is joining, joined, broken, suspended or error.
type RelationStatus struct {
	ID        int              `json:"id"`
	Key       string           `json:"key"`
	Interface string           `json:"interface"`
	Scope     string           `json:"scope"` // "global" or "container"
	Endpoints []EndpointStatus `json:"endpoints"`
	Status    DetailedStatus   `json:"status"`
}

// EndpointStatus is one side of a relation.
type EndpointStatus struct {
	ApplicationName string `json:"application"`
	Name            string `json:"name"`
	Role            string `json:"role"` // provider, requirer, peer
	Subordinate     bool   `json:"subordinate,omitempty"`
}

// ---- show-unit ----

// ShowUnitRequest is `juju-local show-unit <unit>…`.
type ShowUnitRequest struct {
	Model string   `json:"model"`
	Units []string `json:"units"`
}

// UnitInfo is one unit as show-unit sees it (Juju's application.UnitInfo).
type UnitInfo struct {
	Name            string                 `json:"name"`
	WorkloadVersion string                 `json:"workload-version,omitempty"`
	Machine         string                 `json:"machine,omitempty"`
	OpenedPorts     []string               `json:"opened-ports,omitempty"`
	PublicAddress   string                 `json:"public-address,omitempty"`
	Charm           string                 `json:"charm"` // charm URL
	Leader          bool                   `json:"leader"`
	Life            string                 `json:"life,omitempty"`
	RelationData    []EndpointRelationData `json:"relation-data,omitempty"`
	ProviderID      string                 `json:"provider-id,omitempty"`
	Address         string                 `json:"address,omitempty"`
}

// EndpointRelationData is one of the unit's relations: the application
// databag of the other side and every unit's databag, the unit's own
// included (keyed by unit name).
type EndpointRelationData struct {
	RelationID       int                         `json:"relation-id"`
	Endpoint         string                      `json:"endpoint"`
	CrossModel       bool                        `json:"cross-model,omitempty"`
	RelatedEndpoint  string                      `json:"related-endpoint"`
	ApplicationData  map[string]any              `json:"application-data"`
	UnitRelationData map[string]RelationUnitData `json:"unit-relation-data"`
}

// RelationUnitData is one unit's databag in a relation.
type RelationUnitData struct {
	InScope  bool           `json:"in-scope"`
	UnitData map[string]any `json:"unit-data"`
}

// ---- debug-log ----

// DebugLogRequest is `juju-local debug-log`. Entity filters are Juju's
// server-side forms (the client converts "hydra/0" to "unit-hydra-0" and
// "hydra" to "unit-hydra-*"); Keep applies them. Without Replay the
// stream starts with the last Backlog matching lines (Backlog 0: all of
// them); Limit > 0 stops after that many lines; NoTail stops when the
// existing lines have been sent instead of following new ones.
type DebugLogRequest struct {
	Model         string   `json:"model"`
	IncludeEntity []string `json:"include-entity,omitempty"`
	ExcludeEntity []string `json:"exclude-entity,omitempty"`
	IncludeModule []string `json:"include-module,omitempty"`
	ExcludeModule []string `json:"exclude-module,omitempty"`
	IncludeLabel  []string `json:"include-label,omitempty"`
	ExcludeLabel  []string `json:"exclude-label,omitempty"`
	Level         string   `json:"level,omitempty"` // lowest severity shown: TRACE … ERROR
	Replay        bool     `json:"replay,omitempty"`
	Backlog       int      `json:"backlog,omitempty"`
	Limit         int      `json:"limit,omitempty"`
	NoTail        bool     `json:"no-tail,omitempty"`
}

// LogRecord is one debug-log line (Juju's common.LogMessage).
type LogRecord struct {
	Entity    string    `json:"entity"` // "unit-hydra-0"
	Timestamp time.Time `json:"timestamp"`
	Severity  string    `json:"severity"` // TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL
	Module    string    `json:"module"`   // "juju.worker.uniter.operation", "unit.hydra/0.juju-log"
	Location  string    `json:"location,omitempty"`
	Message   string    `json:"message"`
	Labels    []string  `json:"labels,omitempty"`
}

// ControllerInfo is what the daemon reports about itself; the server
// answers it without the Backend (bootstrap waits on it, kill-controller
// uses the PID).
type ControllerInfo struct {
	Name     string `json:"name"`
	PID      int    `json:"pid"`
	StateDir string `json:"state-dir"`
	LogFile  string `json:"log-file"`
	Version  string `json:"version"`
}
