package charmcraft

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The name rules below are the ones Juju applies (github.com/juju/charm/v12
// url.go and actions.go, github.com/juju/names/v5): checking them here
// turns a deploy-time rejection into a build-time one.
var (
	charmNameRule    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`)
	actionNameRule   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)
	endpointNameRule = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$`)
	storageNameRule  = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$`)
	// Kubernetes turns each container into a pod container, whose name
	// must be an RFC 1123 label.
	containerNameRule = regexp.MustCompile(`^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$`)
	// github.com/juju/utils ParseSize: a number with an optional
	// M/G/T/P/E/Z/Y multiplier.
	storageSizeRule = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)?(?:[MGTPEZY](?:i?B)?)?$`)
)

// SupportedBases are the bases this repository builds charms for.
var supportedBases = []string{"ubuntu@22.04", "ubuntu@24.04"}

// supportedArchitectures are the architectures Juju 3.6 accepts in a
// manifest (github.com/juju/utils/v3/arch).
var supportedArchitectures = []string{"amd64", "arm64", "ppc64el", "riscv64", "s390x"}

// optionTypes are the config option types Juju 3.6 knows.
var optionTypes = []string{"string", "int", "float", "boolean", "secret"}

// jsonSchemaTypes are the primitive types of JSON Schema draft 4, which
// Juju uses for action parameters.
var jsonSchemaTypes = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// ValidationError lists every problem found in a charm definition, so that
// an author can fix them all in one round.
type ValidationError struct {
	Charm    string
	Problems []string
}

func (e *ValidationError) Error() string {
	name := e.Charm
	if name == "" {
		name = "(unnamed)"
	}
	return fmt.Sprintf("invalid charm %q: %s", name, strings.Join(e.Problems, "; "))
}

// problems accumulates validation findings with a key path prefix.
type problems []string

func (p *problems) addf(at, format string, args ...any) {
	*p = append(*p, at+": "+fmt.Sprintf(format, args...))
}

// Validate checks the definition against the rules Juju and charmcraft
// enforce. It returns a *ValidationError listing every problem, or nil.
// Problems are reported in a stable order (sorted key paths) so output is
// reproducible.
func (c *Charm) Validate() error {
	var p problems
	c.validateHeader(&p)
	c.validatePlatforms(&p)
	c.validateResources(&p)
	c.validateStorage(&p)
	c.validateContainers(&p)
	c.validateEndpoints(&p)
	c.validateConfig(&p)
	c.validateActions(&p)
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Charm: c.Name, Problems: p}
}

func (c *Charm) validateHeader(p *problems) {
	switch {
	case c.Name == "":
		p.addf("name", "is required")
	case !charmNameRule.MatchString(c.Name):
		p.addf("name", "%q is not a valid charm name (lower-case letters, digits and hyphens, starting with a letter)", c.Name)
	}
	if c.Type != "charm" {
		p.addf("type", "must be %q, got %q", "charm", c.Type)
	}
	// Juju's metadata schema has no default for these two, so a charm
	// without them is unreadable by the controller.
	if strings.TrimSpace(c.Summary) == "" {
		p.addf("summary", "is required")
	}
	if strings.TrimSpace(c.Description) == "" {
		p.addf("description", "is required")
	}
}

func (c *Charm) validatePlatforms(p *problems) {
	switch {
	case c.Base == "":
		p.addf("base", "is required (one of %s)", strings.Join(supportedBases, ", "))
	case !slices.Contains(supportedBases, c.Base):
		p.addf("base", "%q is not supported (one of %s)", c.Base, strings.Join(supportedBases, ", "))
	}
	if c.BuildBase != "" && !slices.Contains(supportedBases, c.BuildBase) {
		p.addf("build-base", "%q is not supported (one of %s)", c.BuildBase, strings.Join(supportedBases, ", "))
	}
	if len(c.Platforms) == 0 {
		p.addf("platforms", "at least one platform is required, e.g. {amd64: }")
		return
	}
	for _, name := range sortedKeys(c.Platforms) {
		at := "platforms." + name
		plat := c.Platforms[name]
		if plat == nil || (len(plat.BuildOn) == 0 && len(plat.BuildFor) == 0) {
			// Shorthand form: the key names the architecture.
			if !slices.Contains(supportedArchitectures, name) {
				p.addf(at, "%q is not a supported architecture (one of %s); use build-on/build-for for a named platform",
					name, strings.Join(supportedArchitectures, ", "))
			}
			continue
		}
		if len(plat.BuildOn) == 0 {
			p.addf(at+".build-on", "is required when build-for is given")
		}
		if len(plat.BuildFor) != 1 {
			p.addf(at+".build-for", "must list exactly one architecture, got %d", len(plat.BuildFor))
		}
		for _, arch := range append(slices.Clone(plat.BuildOn), plat.BuildFor...) {
			// A Go dispatch binary is architecture specific, so "all"
			// (charmcraft's arch-independent marker) is not allowed.
			if !slices.Contains(supportedArchitectures, arch) {
				p.addf(at, "%q is not a supported architecture (one of %s)", arch, strings.Join(supportedArchitectures, ", "))
			}
		}
	}
}

func (c *Charm) validateResources(p *problems) {
	for _, name := range sortedKeys(c.Resources) {
		at := "resources." + name
		r := c.Resources[name]
		switch r.Type {
		case "oci-image":
		case "file":
			switch {
			case r.Filename == "":
				p.addf(at+".filename", "is required for a file resource")
			case strings.Contains(r.Filename, "/"):
				p.addf(at+".filename", "cannot contain \"/\" (got %q)", r.Filename)
			}
		case "":
			p.addf(at+".type", "is required (oci-image or file)")
		default:
			p.addf(at+".type", "unsupported resource type %q (oci-image or file)", r.Type)
		}
	}
}

func (c *Charm) validateStorage(p *problems) {
	for _, name := range sortedKeys(c.Storage) {
		at := "storage." + name
		s := c.Storage[name]
		if !storageNameRule.MatchString(name) {
			p.addf(at, "%q is not a valid storage name", name)
		}
		switch s.Type {
		case "filesystem":
		case "block":
			if s.Location != "" {
				p.addf(at+".location", "may not be specified for type block")
			}
		case "":
			p.addf(at+".type", "is required (filesystem or block)")
		default:
			p.addf(at+".type", "unsupported storage type %q (filesystem or block)", s.Type)
		}
		if s.MinimumSize != "" && !storageSizeRule.MatchString(s.MinimumSize) {
			p.addf(at+".minimum-size", "%q is not a size such as 1G or 512M", s.MinimumSize)
		}
	}
}

func (c *Charm) validateContainers(p *problems) {
	for _, name := range sortedKeys(c.Containers) {
		at := "containers." + name
		ct := c.Containers[name]
		if !containerNameRule.MatchString(name) {
			p.addf(at, "%q is not a valid container name (RFC 1123 label)", name)
		}
		// Charmcraft also allows "bases" instead of a resource; this
		// repository's schema has no such field, so a resource is the
		// only way to give the container an image.
		switch r, ok := c.Resources[ct.Resource]; {
		case ct.Resource == "":
			p.addf(at+".resource", "is required")
		case !ok:
			p.addf(at+".resource", "referenced resource %q is not declared under resources", ct.Resource)
		case r.Type != "oci-image":
			p.addf(at+".resource", "referenced resource %q is not an oci-image (type %q)", ct.Resource, r.Type)
		}
		for i, m := range ct.Mounts {
			mat := fmt.Sprintf("%s.mounts[%d]", at, i)
			if m.Storage == "" {
				p.addf(mat+".storage", "is required")
			} else if _, ok := c.Storage[m.Storage]; !ok {
				p.addf(mat+".storage", "storage %q is not declared under storage", m.Storage)
			}
			if m.Location == "" {
				p.addf(mat+".location", "is required")
			} else if !path.IsAbs(m.Location) {
				p.addf(mat+".location", "%q must be an absolute path", m.Location)
			}
		}
	}
}

func (c *Charm) validateEndpoints(p *problems) {
	seen := map[string]string{}
	roles := []struct {
		key       string
		endpoints map[string]Endpoint
	}{{"provides", c.Provides}, {"requires", c.Requires}, {"peers", c.Peers}}
	for _, role := range roles {
		for _, name := range sortedKeys(role.endpoints) {
			at := role.key + "." + name
			ep := role.endpoints[name]
			if !endpointNameRule.MatchString(name) {
				p.addf(at, "%q is not a valid endpoint name", name)
			}
			if prev, dup := seen[name]; dup {
				p.addf(at, "endpoint name is already used under %s", prev)
			}
			seen[name] = role.key
			if reason := reservedName(c.Name, name); reason != "" {
				p.addf(at, "reserved endpoint name: %s", reason)
			}
			if ep.Interface == "" {
				p.addf(at+".interface", "is required")
			} else if role.key != "requires" {
				if reason := reservedName(c.Name, ep.Interface); reason != "" {
					p.addf(at+".interface", "reserved interface name: %s", reason)
				}
			}
			if ep.Scope != "" && ep.Scope != "global" && ep.Scope != "container" {
				p.addf(at+".scope", "must be global or container, got %q", ep.Scope)
			}
			if ep.Limit < 0 {
				p.addf(at+".limit", "must not be negative")
			}
		}
	}
}

// reservedName mirrors Juju's rule: "juju" and the "juju-" prefix belong to
// Juju, except in charms whose own name starts with "juju-".
func reservedName(charmName, name string) string {
	if strings.HasPrefix(charmName, "juju-") {
		return ""
	}
	if name == "juju" {
		return `"juju" is reserved`
	}
	if strings.HasPrefix(name, "juju-") {
		return `the "juju-" prefix is reserved`
	}
	return ""
}

func (c *Charm) validateConfig(p *problems) {
	if c.Config == nil {
		return
	}
	for _, name := range sortedKeys(c.Config.Options) {
		at := "config.options." + name
		opt := c.Config.Options[name]
		if strings.TrimSpace(name) == "" {
			p.addf("config.options", "option name must not be empty")
		}
		if !slices.Contains(optionTypes, opt.Type) {
			if opt.Type == "" {
				p.addf(at+".type", "is required (one of %s)", strings.Join(optionTypes, ", "))
			} else {
				p.addf(at+".type", "unknown type %q (one of %s)", opt.Type, strings.Join(optionTypes, ", "))
			}
			continue
		}
		if msg := checkDefault(opt.Type, opt.Default); msg != "" {
			p.addf(at+".default", "%s", msg)
		}
	}
}

// checkDefault enforces that a default has the YAML type of its option.
// Juju would also accept numeric or boolean strings ("8080", "true"); we
// are stricter because such quoting is almost always a mistake.
func checkDefault(typ string, def any) string {
	if def == nil {
		return ""
	}
	switch typ {
	case "string":
		if _, ok := def.(string); !ok {
			return fmt.Sprintf("expected a string, got %s", describe(def))
		}
	case "secret":
		s, ok := def.(string)
		if !ok {
			return fmt.Sprintf("expected a secret URI string, got %s", describe(def))
		}
		if s == "" {
			return ""
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "secret" {
			return fmt.Sprintf("expected a secret URI (secret:...), got %q", s)
		}
	case "int":
		switch def.(type) {
		case int, int64, uint64:
		default:
			return fmt.Sprintf("expected an int, got %s", describe(def))
		}
	case "float":
		switch def.(type) {
		case float64, int, int64, uint64:
		default:
			return fmt.Sprintf("expected a float, got %s", describe(def))
		}
	case "boolean":
		if _, ok := def.(bool); !ok {
			return fmt.Sprintf("expected a boolean, got %s", describe(def))
		}
	}
	return ""
}

// describe renders a default for an error message. Defaults are public
// charm metadata, never secret values, so printing them is safe.
func describe(v any) string {
	switch v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case int, int64, uint64:
		return fmt.Sprintf("int %v", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (c *Charm) validateActions(p *problems) {
	for _, name := range sortedKeys(c.Actions) {
		at := "actions." + name
		a := c.Actions[name]
		if !actionNameRule.MatchString(name) {
			p.addf(at, "bad action name %q (lower-case letters, digits and hyphens; no leading or trailing hyphen)", name)
		}
		if reason := reservedName(c.Name, name); reason != "" {
			p.addf(at, "reserved action name: %s", reason)
		}
		for _, param := range sortedKeys(a.Params) {
			pat := at + ".params." + param
			schema, ok := a.Params[param].(map[string]any)
			if !ok {
				p.addf(pat, "must be a JSON-schema mapping, got %T", a.Params[param])
				continue
			}
			checkSchema(p, pat, schema)
		}
		seen := map[string]bool{}
		for _, req := range a.Required {
			if seen[req] {
				p.addf(at+".required", "%q is listed twice", req)
			}
			seen[req] = true
			if _, ok := a.Params[req]; !ok {
				p.addf(at+".required", "%q is not declared under params", req)
			}
		}
	}
}

// checkSchema walks a JSON-schema fragment for the constructs Juju
// rejects ($ref, $schema) and for misspelt primitive types.
func checkSchema(p *problems, at string, schema map[string]any) {
	for _, key := range sortedKeys(schema) {
		val := schema[key]
		switch key {
		case "$ref", "$schema":
			p.addf(at, "schema key %q is not supported by Juju", key)
		case "type":
			var types []any
			switch t := val.(type) {
			case string:
				types = []any{t}
			case []any:
				types = t
			default:
				p.addf(at+".type", "must be a string or list of strings")
			}
			for _, t := range types {
				s, _ := t.(string)
				if !slices.Contains(jsonSchemaTypes, s) {
					p.addf(at+".type", "unknown JSON-schema type %v (one of %s)", t, strings.Join(jsonSchemaTypes, ", "))
				}
			}
		case "properties":
			props, ok := val.(map[string]any)
			if !ok {
				p.addf(at+".properties", "must be a mapping")
				continue
			}
			for _, name := range sortedKeys(props) {
				if sub, ok := props[name].(map[string]any); ok {
					checkSchema(p, at+".properties."+name, sub)
				} else {
					p.addf(at+".properties."+name, "must be a JSON-schema mapping")
				}
			}
		case "items":
			if sub, ok := val.(map[string]any); ok {
				checkSchema(p, at+".items", sub)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
