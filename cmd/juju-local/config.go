package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/juju/gnuflag"

	"github.com/identity-platform-go/charms/internal/controller/api"
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

	actions   []string
	keyToGet  string
	setArgs   []string // key=value as typed, in order
	resetKeys []string // --reset values split
}

func (c *configArgs) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.file, "file", "", "Path to yaml-formatted configuration file")
	f.BoolVar(&c.color, "color", false, "Use ANSI color codes in output")
	f.BoolVar(&c.noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	f.Var(appendStrings{&c.reset}, "reset", "Reset the provided comma delimited keys")
}

// parse is ConfigCommandBase.Init.
func (c *configArgs) parse(args []string) error {
	if c.file != "" {
		c.actions = append(c.actions, actionSetFile)
	}
	if len(c.reset) > 0 {
		for _, v := range c.reset {
			c.resetKeys = append(c.resetKeys, strings.Split(strings.Trim(v, ","), ",")...)
		}
		for _, k := range c.resetKeys {
			if contains(c.cantReset, k) {
				return fmt.Errorf("%q cannot be reset", k)
			}
			if strings.Contains(k, "=") {
				return fmt.Errorf(`--reset accepts a comma delimited set of keys "a,b,c", received: %q`, k)
			}
		}
		c.actions = append(c.actions, actionReset)
	}
	vals := map[string]bool{}
	var get []string
	for _, arg := range args {
		key, _, ok := strings.Cut(arg, "=")
		if !ok {
			get = append(get, arg)
			continue
		}
		if key == "" {
			return fmt.Errorf(`expected "key=value", got %q`, arg)
		}
		if vals[key] {
			return fmt.Errorf("key %q specified more than once", key)
		}
		vals[key] = true
		c.setArgs = append(c.setArgs, arg)
	}
	if len(get) > 0 {
		c.actions = append(c.actions, actionGetOne)
	}
	if len(c.setArgs) > 0 {
		c.actions = append(c.actions, actionSetArgs)
	}
	if len(c.actions) == 0 {
		c.actions = []string{actionGetAll}
		return nil
	}
	if len(c.actions) > 1 && contains(c.actions, actionGetOne) {
		return fmt.Errorf("cannot %s simultaneously", joinActions(c.actions))
	}
	if len(get) > 1 {
		return errors.New("cannot specify multiple keys to get")
	}
	if len(get) == 1 {
		c.keyToGet = get[0]
	}
	for _, k := range c.resetKeys {
		if vals[k] {
			return fmt.Errorf("cannot set and reset key %q simultaneously", k)
		}
	}
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

const (
	actionGetOne  = "get value"
	actionGetAll  = "get all values"
	actionSetArgs = "set key=value pairs"
	actionSetFile = "use --file flag"
	actionReset   = "use --reset flag"
)

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
	if len(args) == 0 || strings.Contains(args[0], "=") {
		return errors.New("no application name specified")
	}
	c.app, args = args[0], args[1:]
	return c.parse(args)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// joinActions is config.go multiActionError's list: "a, b and c".
func joinActions(actions []string) string {
	var b strings.Builder
	for i, a := range actions {
		switch {
		case i == 0:
		case i == len(actions)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(a)
	}
	return b.String()
}

func (c *configCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	for _, action := range c.actions {
		switch action {
		case actionGetAll, actionGetOne:
			cfg, err := b.GetConfig(ctx, api.GetConfigRequest{Model: model, Application: c.app})
			if err != nil {
				return err
			}
			if action == actionGetOne {
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
		case actionSetFile:
			data, err := c.readFile(a)
			if err != nil {
				return err
			}
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, FileYAML: string(data)}); err != nil {
				return err
			}
		case actionReset:
			// Juju resets, then sets: one request carries both, in that order.
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, Reset: c.reset, Args: absAtValues(c.setArgs)}); err != nil {
				return err
			}
		case actionSetArgs:
			if contains(c.actions, actionReset) {
				continue // sent with the reset
			}
			if err := b.SetConfig(ctx, api.SetConfigRequest{Model: model, Application: c.app, Args: absAtValues(c.setArgs)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// printOne is config.go getConfig: the bare value, "" when unset.
func (c *configCommand) printOne(a *app, cfg api.ApplicationConfig) error {
	info, found := cfg.Settings[c.keyToGet]
	if !found && len(cfg.ApplicationConfig) > 0 {
		info, found = cfg.ApplicationConfig[c.keyToGet]
	}
	if !found {
		return fmt.Errorf("key %q not found in %q application config or charm settings.", c.keyToGet, c.app)
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
