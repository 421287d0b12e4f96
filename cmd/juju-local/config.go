package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/juju/gnuflag"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/plan"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// appendStrings is juju/cmd's AppendStringsValue.
type appendStrings struct{ s *[]string }

func (v appendStrings) Set(s string) error { *v.s = append(*v.s, s); return nil }
func (v appendStrings) String() string     { return strings.Join(*v.s, ",") }

// configArgs is Juju's config.ConfigCommandBase, which `config` and
// `model-config` share: --file, --reset and the key[=value] arguments,
// turned into the actions to take, in Juju's order (file, reset, set).
type configArgs struct {
	file    string
	color   bool
	noColor bool
	reset   []string // --reset values as typed
	// cantReset are keys --reset refuses.
	cantReset []string

	plan.ConfigCommand // what parse made of the flags and arguments
}

func (c *configArgs) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.file, "file", "", "Path to yaml-formatted configuration file")
	f.BoolVar(&c.color, "color", false, "Use ANSI color codes in output")
	f.BoolVar(&c.noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	f.Var(appendStrings{&c.reset}, "reset", "Reset the provided comma delimited keys")
}

// parse is ConfigCommandBase.Init, on the client: its errors exit 2.
func (c *configArgs) parse(args []string) error {
	parsed, err := plan.ParseConfigCommand(c.file != "", c.reset, c.cantReset, args)
	if err != nil {
		return err
	}
	c.ConfigCommand = parsed
	return nil
}

// readFile reads --file, "-" being stdin.
func (c *configArgs) readFile(a *app) ([]byte, error) {
	if c.file == "-" {
		return io.ReadAll(a.stdin)
	}
	return os.ReadFile(absPath(c.file))
}

// configCommand is `juju config` for applications
// (cmd/juju/application/config.go over config.ConfigCommandBase).
type configCommand struct {
	modelFlag
	configArgs
	out output
	app string
}

func (c *configCommand) info() info {
	return info{
		name:    "config",
		args:    "<application name> [--reset <key[,key]>] [<attribute-key>][=<value>] ...]",
		purpose: "Get, set, or reset configuration for a deployed application.",
		doc: `
With only an application name, prints its configuration as YAML: every
charm option (settings) and application option (application-config, e.g.
trust) with its default, description, source, type and value.

With one key, prints that option's value. With key=value pairs, sets
options (key=@file reads the value from a file); --reset puts options back
to their defaults; --file sets options from a YAML file of the form
"<application>: {key: value}".`,
		examples: `
    juju-local config hydra
    juju-local config hydra dev
    juju-local config kratos-external-idp-integrator provider=generic client_id=abc
    juju-local config hydra --reset dev,log_level`,
	}
}

func (c *configCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	c.configArgs.setFlags(f)
	c.out.AddFlags(f, "yaml", map[string]jujucmd.Formatter{"yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON})
}

// init is config.go Init then ConfigCommandBase.Init.
func (c *configCommand) init(args []string) error {
	app, args, err := plan.ConfigApplication(args)
	if err != nil {
		return err
	}
	c.app = app
	return c.parse(args)
}

func (c *configCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	for _, action := range c.Actions {
		switch action {
		case plan.ConfigGetAll, plan.ConfigGetOne:
			cfg, err := b.GetConfig(ctx, api.GetConfigRequest{Model: model, Application: c.app})
			if err != nil {
				return err
			}
			if action == plan.ConfigGetOne {
				return c.printOne(a, cfg)
			}
			res := map[string]any{
				"application": cfg.Application,
				"charm":       cfg.Charm,
				"settings":    cfg.Settings,
			}
			if len(cfg.ApplicationConfig) > 0 {
				res["application-config"] = cfg.ApplicationConfig
			}
			if err := c.out.write(a, res); err != nil {
				return err
			}
		case plan.ConfigSetFile:
			data, err := c.readFile(a)
			if err != nil {
				return err
			}
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, FileYAML: string(data)}); err != nil {
				return err
			}
		case plan.ConfigReset:
			// Juju resets, then sets: one request carries both, in that order.
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, Reset: c.reset, Args: absAtValues(c.SetArgs)}); err != nil {
				return err
			}
		case plan.ConfigSetArgs:
			if slices.Contains(c.Actions, plan.ConfigReset) {
				continue // sent with the reset
			}
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, Args: absAtValues(c.SetArgs)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// printOne is config.go getConfig: the bare value, "" when unset.
func (c *configCommand) printOne(a *app, cfg api.ApplicationConfig) error {
	info, found := cfg.Settings[c.KeyToGet]
	if !found && len(cfg.ApplicationConfig) > 0 {
		info, found = cfg.ApplicationConfig[c.KeyToGet]
	}
	if !found {
		return fmt.Errorf("key %q not found in %q application config or charm settings.", c.KeyToGet, c.app)
	}
	v := info.Value
	if v == nil {
		v = ""
	}
	_, err := fmt.Fprintln(a.stdout, v)
	return err
}

// absAtValues makes "k=@file" values absolute.
func absAtValues(args []string) []string {
	out := make([]string, len(args))
	for i, arg := range args {
		k, v, _ := strings.Cut(arg, "=")
		if strings.HasPrefix(v, "@") {
			arg = k + "=@" + absPath(v[1:])
		}
		out[i] = arg
	}
	return out
}
