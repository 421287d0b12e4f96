package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/juju/gnuflag"
	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/plan"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// Read-only model configuration keys (Juju's environs/config names).
const (
	keyAgentVersion = "agent-version"
	keyCharmHubURL  = "charmhub-url"
)

// modelConfigCommand is `juju model-config` (cmd/juju/model/config.go
// over config.ConfigCommandBase).
type modelConfigCommand struct {
	modelFlag
	configArgs
	out                  output
	ignoreReadOnlyFields bool
}

func (c *modelConfigCommand) info() info {
	return info{
		name:    "model-config",
		args:    "[<model-key>[=<value>] ...]",
		purpose: "Displays or sets configuration values on a model.",
		doc: `
Without arguments, prints the model's configuration: a table by default,
or --format yaml|json. With one key, prints its value. With key=value
pairs, sets keys; --reset puts keys back to their defaults; --file sets
keys from a YAML file ("-" for stdin), such as the output of
"juju-local model-config --format yaml" (with --ignore-read-only-fields).

The local controller knows these keys:

    agent-version                 The Juju version the model behaves as (read-only).
    update-status-hook-interval   How often to run the charm update-status hook, in
                                  human-readable time format (default 5m). A change
                                  restarts every unit's update-status timer.

Other keys of Juju's model configuration are refused.`,
		examples: `
    juju-local model-config
    juju-local model-config update-status-hook-interval
    juju-local model-config update-status-hook-interval=1m
    juju-local model-config --reset update-status-hook-interval`,
	}
}

func (c *modelConfigCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	c.configArgs.setFlags(f)
	c.out.AddFlags(f, "tabular", map[string]jujucmd.Formatter{
		"json":    jujucmd.FormatJSON,
		"tabular": formatModelConfigTabular,
		"yaml":    jujucmd.FormatYAML,
	})
	f.BoolVar(&c.ignoreReadOnlyFields, "ignore-read-only-fields", false, "Ignore read only fields that might cause errors to be emitted while processing yaml documents")
}

func (c *modelConfigCommand) init(args []string) error {
	c.cantReset = []string{keyAgentVersion, keyCharmHubURL}
	return c.parse(args)
}

// configValue is Juju's config.ConfigValue: its JSON keys are the Go
// field names ("Value", "Source"), its YAML keys lowercase.
type configValue struct {
	Value  any
	Source string
}

func (c *modelConfigCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	for _, action := range c.Actions {
		switch action {
		case plan.ConfigGetOne:
			err = c.getOne(ctx, a, b, model)
		case plan.ConfigSetArgs:
			attrs := map[string]any{}
			for _, arg := range c.SetArgs {
				k, v, _ := strings.Cut(arg, "=")
				attrs[k] = v
			}
			err = c.set(ctx, a, b, model, attrs)
		case plan.ConfigSetFile:
			var data []byte
			if data, err = c.readFile(a); err != nil {
				return err
			}
			attrs := map[string]any{}
			if err := yaml.Unmarshal(data, &attrs); err != nil {
				return err
			}
			err = c.set(ctx, a, b, model, attrs)
		case plan.ConfigReset:
			if err := c.verifyKnownKeys(ctx, a, b, model, c.ResetKeys); err != nil {
				return err
			}
			err = b.SetModelConfig(ctx, api.SetModelConfigRequest{Model: model, Reset: c.ResetKeys})
		default:
			err = c.getAll(ctx, a, b, model)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *modelConfigCommand) values(ctx context.Context, b api.Backend, model string) (map[string]configValue, error) {
	cfg, err := b.ModelConfig(ctx, api.ModelConfigRequest{Model: model})
	if err != nil {
		return nil, err
	}
	out := make(map[string]configValue, len(cfg))
	for k, v := range cfg {
		out[k] = configValue{Value: v.Value, Source: v.Source}
	}
	return out, nil
}

// getOne is config.go getConfig: the bare value in the default format,
// else {key: {value, source}}.
func (c *modelConfigCommand) getOne(ctx context.Context, a *app, b api.Backend, model string) error {
	values, err := c.values(ctx, b, model)
	if err != nil {
		return err
	}
	v, found := values[c.KeyToGet]
	if !found {
		return fmt.Errorf("%q is not a key of the currently targeted model: %q", c.KeyToGet, "admin/"+model)
	}
	if c.out.Name() == "tabular" {
		return c.out.writeWith(a, jujucmd.FormatSmart, v.Value)
	}
	return c.out.write(a, map[string]configValue{c.KeyToGet: v})
}

func (c *modelConfigCommand) getAll(ctx context.Context, a *app, b api.Backend, model string) error {
	values, err := c.values(ctx, b, model)
	if err != nil {
		return err
	}
	return c.out.write(a, values)
}

// set is config.go setConfig: read-only keys refused (or skipped with
// --ignore-read-only-fields), values in model-config's own output
// format ({value, source}) reduced to the value, unknown keys warned
// about, then one call.
func (c *modelConfigCommand) set(ctx context.Context, a *app, b api.Backend, model string, attrs map[string]any) error {
	values := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		switch k {
		case keyAgentVersion:
			if c.ignoreReadOnlyFields {
				continue
			}
			return fmt.Errorf("%q must be set via %q", k, "upgrade-model")
		case keyCharmHubURL:
			if c.ignoreReadOnlyFields {
				continue
			}
			return fmt.Errorf("%q must be set via %q", k, "add-model")
		}
		values[k] = coerceConfigValue(attrs[k])
	}
	keys := slices.Sorted(maps.Keys(values))
	if err := c.verifyKnownKeys(ctx, a, b, model, keys); err != nil {
		return err
	}
	return b.SetModelConfig(ctx, api.SetModelConfigRequest{Model: model, Set: values})
}

// coerceConfigValue is configAttrs.CoerceFormat for one value: a map
// with a value and a string source (what --format yaml prints) becomes
// its value.
func coerceConfigValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	value, hasValue := m["value"]
	_, sourceIsString := m["source"].(string)
	if !hasValue || !sourceIsString {
		return v
	}
	return value
}

// verifyKnownKeys warns about keys the model does not have, as Juju does
// before it sends them.
func (c *modelConfigCommand) verifyKnownKeys(ctx context.Context, a *app, b api.Backend, model string, keys []string) error {
	known, err := b.ModelConfig(ctx, api.ModelConfigRequest{Model: model})
	if err != nil {
		return err
	}
	for _, k := range keys {
		switch k {
		case "authorized-keys", "name", "type", "uuid":
			continue // known to Juju, though not listed
		}
		if _, ok := known[k]; !ok {
			a.warningf("key %q is not defined in the current model configuration: possible misspelling", k)
		}
	}
	return nil
}

// formatModelConfigTabular is config.go formatConfigTabular.
func formatModelConfigTabular(w io.Writer, value any) error {
	values, ok := value.(map[string]configValue)
	if !ok {
		return fmt.Errorf("expected value of type %T, got %T", values, value)
	}
	t := newTable()
	t.row("Attribute", "From", "Value")
	for _, name := range slices.Sorted(maps.Keys(values)) {
		v := values[name]
		var sb strings.Builder
		if err := jujucmd.FormatYAML(&sb, v.Value); err != nil {
			return fmt.Errorf("formatting value for %q: %w", name, err)
		}
		t.row(name, v.Source, strings.TrimSuffix(sb.String(), "\n"))
	}
	return t.write(w)
}
