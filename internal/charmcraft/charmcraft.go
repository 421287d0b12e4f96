// Package charmcraft reads a unified charmcraft.yaml — the single source of
// truth for each charm in this repository — and derives from it what Juju
// reads out of a .charm archive: metadata.yaml, config.yaml, actions.yaml and
// manifest.yaml.
package charmcraft

// Charm is the part of a unified charmcraft.yaml that this repository uses.
// Field names follow charmcraft's documented schema.
type Charm struct {
	Name        string         `yaml:"name"`
	Type        string         `yaml:"type"` // "charm"
	Title       string         `yaml:"title,omitempty"`
	Summary     string         `yaml:"summary"`
	Description string         `yaml:"description"`
	Links       map[string]any `yaml:"links,omitempty"`

	// Base and Platforms in the charmcraft 3 form: base "ubuntu@22.04",
	// platforms {amd64: {}}.
	Base      string                    `yaml:"base,omitempty"`
	BuildBase string                    `yaml:"build-base,omitempty"`
	Platforms map[string]*Platform      `yaml:"platforms,omitempty"`
	Parts     map[string]map[string]any `yaml:"parts,omitempty"`

	Assumes    []any                 `yaml:"assumes,omitempty"`
	Containers map[string]Container  `yaml:"containers,omitempty"`
	Resources  map[string]Resource   `yaml:"resources,omitempty"`
	Storage    map[string]Storage    `yaml:"storage,omitempty"`
	Provides   map[string]Endpoint   `yaml:"provides,omitempty"`
	Requires   map[string]Endpoint   `yaml:"requires,omitempty"`
	Peers      map[string]Endpoint   `yaml:"peers,omitempty"`
	Config     *Config               `yaml:"config,omitempty"`
	Actions    map[string]ActionSpec `yaml:"actions,omitempty"`
}

// Platform is one entry of platforms; an empty entry means "build on and
// for the platform named by the key".
type Platform struct {
	BuildOn  []string `yaml:"build-on,omitempty"`
	BuildFor []string `yaml:"build-for,omitempty"`
}

// Container is a workload container of a sidecar charm.
type Container struct {
	Resource string  `yaml:"resource,omitempty"`
	Mounts   []Mount `yaml:"mounts,omitempty"`
}

// Mount attaches a storage to a container.
type Mount struct {
	Storage  string `yaml:"storage"`
	Location string `yaml:"location"`
}

// Resource is an OCI image or file resource.
type Resource struct {
	Type           string `yaml:"type"` // oci-image | file
	Description    string `yaml:"description,omitempty"`
	Filename       string `yaml:"filename,omitempty"`
	UpstreamSource string `yaml:"upstream-source,omitempty"`
}

// Storage is a storage declaration (filesystem on Kubernetes).
type Storage struct {
	Type        string `yaml:"type"`
	Description string `yaml:"description,omitempty"`
	Location    string `yaml:"location,omitempty"`
	MinimumSize string `yaml:"minimum-size,omitempty"`
	Shared      bool   `yaml:"shared,omitempty"`
	ReadOnly    bool   `yaml:"read-only,omitempty"`
	Multiple    any    `yaml:"multiple,omitempty"`
}

// Endpoint is one relation endpoint.
type Endpoint struct {
	Interface   string `yaml:"interface"`
	Limit       int    `yaml:"limit,omitempty"`
	Optional    bool   `yaml:"optional,omitempty"`
	Scope       string `yaml:"scope,omitempty"`
	Description string `yaml:"description,omitempty"`
}

// Config holds the charm's configuration options.
type Config struct {
	Options map[string]Option `yaml:"options"`
}

// Option is one configuration option; Default is nil when the option has
// no default (Juju then omits it from config-get without --all).
type Option struct {
	Type        string `yaml:"type"` // string | int | float | boolean | secret
	Description string `yaml:"description,omitempty"`
	Default     any    `yaml:"default,omitempty"`
}

// ActionSpec is one action: a JSON-schema object for its parameters.
type ActionSpec struct {
	Description          string         `yaml:"description,omitempty"`
	Params               map[string]any `yaml:"params,omitempty"`
	Required             []string       `yaml:"required,omitempty"`
	AdditionalProperties *bool          `yaml:"additionalProperties,omitempty"`
	ExecutionGroup       string         `yaml:"execution-group,omitempty"`
	Parallel             bool           `yaml:"parallel,omitempty"`
}
