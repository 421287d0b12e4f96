package charmcraft

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The *Doc types below are the documents Juju reads from a .charm archive.
// They carry only keys Juju's readers understand (github.com/juju/charm/v12
// meta.go, config.go, actions.go, manifest.go); charmcraft-only keys such as
// parts, links and title stay out of the archive. Field order is the order
// the keys appear in the generated YAML; map keys are sorted by yaml.v3, so
// the output is deterministic.

type metadataDoc struct {
	Name        string                  `yaml:"name"`
	Summary     string                  `yaml:"summary"`
	Description string                  `yaml:"description"`
	Assumes     []any                   `yaml:"assumes,omitempty"`
	Containers  map[string]containerDoc `yaml:"containers,omitempty"`
	Resources   map[string]resourceDoc  `yaml:"resources,omitempty"`
	Storage     map[string]storageDoc   `yaml:"storage,omitempty"`
	Provides    map[string]endpointDoc  `yaml:"provides,omitempty"`
	Requires    map[string]endpointDoc  `yaml:"requires,omitempty"`
	Peers       map[string]endpointDoc  `yaml:"peers,omitempty"`
}

type containerDoc struct {
	Resource string     `yaml:"resource,omitempty"`
	Mounts   []mountDoc `yaml:"mounts,omitempty"`
}

type mountDoc struct {
	Storage  string `yaml:"storage"`
	Location string `yaml:"location"`
}

type resourceDoc struct {
	Type        string `yaml:"type"`
	Filename    string `yaml:"filename,omitempty"`
	Description string `yaml:"description,omitempty"`
}

type storageDoc struct {
	Type        string `yaml:"type"`
	Description string `yaml:"description,omitempty"`
	Location    string `yaml:"location,omitempty"`
	MinimumSize string `yaml:"minimum-size,omitempty"`
	Shared      bool   `yaml:"shared,omitempty"`
	ReadOnly    bool   `yaml:"read-only,omitempty"`
	Multiple    any    `yaml:"multiple,omitempty"`
}

type endpointDoc struct {
	Interface string `yaml:"interface"`
	Limit     int    `yaml:"limit,omitempty"`
	Optional  bool   `yaml:"optional,omitempty"`
	Scope     string `yaml:"scope,omitempty"`
}

// configDoc is config.yaml. Option and ActionSpec already carry Juju's
// key names; Option.Default relies on yaml.v3 omitting an interface only
// when it is nil, so "no default" disappears while false, 0 and "" survive.
type configDoc struct {
	Options map[string]Option `yaml:"options"`
}

type manifestDoc struct {
	Bases []manifestBase `yaml:"bases"`
}

type manifestBase struct {
	Name          string   `yaml:"name"`
	Channel       string   `yaml:"channel"`
	Architectures []string `yaml:"architectures"`
}

// MetadataYAML renders metadata.yaml.
func (c *Charm) MetadataYAML() ([]byte, error) {
	doc := metadataDoc{
		Name:        c.Name,
		Summary:     c.Summary,
		Description: c.Description,
		Assumes:     c.Assumes,
		Containers: mapValues(c.Containers, func(ct Container) containerDoc {
			d := containerDoc{Resource: ct.Resource}
			for _, m := range ct.Mounts {
				d.Mounts = append(d.Mounts, mountDoc(m))
			}
			return d
		}),
		Resources: mapValues(c.Resources, func(r Resource) resourceDoc {
			return resourceDoc{Type: r.Type, Filename: r.Filename, Description: r.Description}
		}),
		Storage: mapValues(c.Storage, func(s Storage) storageDoc {
			return storageDoc(s)
		}),
		Provides: mapValues(c.Provides, toEndpointDoc),
		Requires: mapValues(c.Requires, toEndpointDoc),
		Peers:    mapValues(c.Peers, toEndpointDoc),
	}
	return marshal("metadata.yaml", doc)
}

func toEndpointDoc(e Endpoint) endpointDoc {
	return endpointDoc{Interface: e.Interface, Limit: e.Limit, Optional: e.Optional, Scope: e.Scope}
}

// ConfigYAML renders config.yaml, or returns nil when the charm has no
// options (the archive then simply has no config.yaml).
func (c *Charm) ConfigYAML() ([]byte, error) {
	if c.Config == nil || len(c.Config.Options) == 0 {
		return nil, nil
	}
	return marshal("config.yaml", configDoc{Options: c.Config.Options})
}

// ActionsYAML renders actions.yaml, or returns nil when the charm has no
// actions.
func (c *Charm) ActionsYAML() ([]byte, error) {
	if len(c.Actions) == 0 {
		return nil, nil
	}
	return marshal("actions.yaml", c.Actions)
}

// ManifestYAML renders manifest.yaml: one base derived from base and
// platforms. Its presence is what makes Juju treat the charm as metadata v2
// (sidecar); without it containers are rejected.
func (c *Charm) ManifestYAML() ([]byte, error) {
	name, channel, ok := strings.Cut(c.Base, "@")
	if !ok || name == "" || channel == "" {
		return nil, fmt.Errorf("render manifest.yaml: base %q is not of the form <os>@<channel>", c.Base)
	}
	archs := c.Architectures()
	if len(archs) == 0 {
		return nil, fmt.Errorf("render manifest.yaml: no architectures in platforms")
	}
	doc := manifestDoc{Bases: []manifestBase{{Name: name, Channel: channel, Architectures: archs}}}
	return marshal("manifest.yaml", doc)
}

// Architectures returns the sorted, de-duplicated architectures the charm
// is built for: each platform's build-for, or the platform key itself in
// the shorthand form {amd64: }.
func (c *Charm) Architectures() []string {
	var archs []string
	for name, plat := range c.Platforms {
		if plat == nil || len(plat.BuildFor) == 0 {
			archs = append(archs, name)
			continue
		}
		archs = append(archs, plat.BuildFor...)
	}
	slices.Sort(archs)
	return slices.Compact(archs)
}

func marshal(file string, doc any) ([]byte, error) {
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", file, err)
	}
	return out, nil
}

// mapValues converts every value of m, keeping nil for an empty map so
// omitempty drops the key.
func mapValues[V, W any](m map[string]V, f func(V) W) map[string]W {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]W, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}
