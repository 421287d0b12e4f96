package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// stringMap is deploy's --resource flag (application/flags.go stringMap).
type stringMap struct{ m *map[string]string }

func (s stringMap) Set(v string) error {
	if *s.m == nil {
		*s.m = map[string]string{}
	}
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("badly formatted name value pair: " + v)
	}
	if _, dup := (*s.m)[name]; dup {
		return fmt.Errorf("duplicate name specified: %q", name)
	}
	(*s.m)[name] = value
	return nil
}

func (s stringMap) String() string {
	var pairs []string
	for k, v := range *s.m {
		pairs = append(pairs, k+"="+v)
	}
	return strings.Join(pairs, ";")
}

// configFlag is common.ConfigFlag: repeatable, each value a key=value
// pair or a YAML file path.
type configFlag struct{ values *[]string }

func (c configFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty string not valid")
	}
	*c.values = append(*c.values, v)
	return nil
}

func (c configFlag) String() string { return strings.Join(*c.values, " ") }

// absPath resolves p against the working directory: the controller
// daemon does not share it.
func absPath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// absConfigFlags makes the files a --config value names absolute: a
// value without "=" is a YAML file, "k=@file" reads a file.
func absConfigFlags(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		k, val, ok := strings.Cut(v, "=")
		switch {
		case !ok:
			out[i] = absPath(v)
		case strings.HasPrefix(val, "@"):
			out[i] = k + "=@" + absPath(val[1:])
		default:
			out[i] = v
		}
	}
	return out
}

// absResources makes resource values that name local files absolute;
// image names stay as they are.
func absResources(res map[string]string) map[string]string {
	if res == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range res {
		if _, err := os.Stat(v); err == nil {
			v = absPath(v)
		}
		out[k] = v
	}
	return out
}

// localPath checks that a charm or bundle argument is a local path, the
// only kind the local controller deploys, and makes it absolute.
func localPath(arg string) (string, error) {
	if _, err := os.Stat(arg); err == nil {
		return absPath(arg), nil
	}
	if strings.HasPrefix(arg, ".") || strings.Contains(arg, "/") {
		return "", fmt.Errorf("no charm or bundle found at %q", arg)
	}
	return "", fmt.Errorf("cannot deploy %q from Charmhub: the local controller deploys local charms and bundles only (give a path, e.g. ./charms/%s)", arg, arg)
}

// deployCommand is `juju deploy` for local charms and bundles.
type deployCommand struct {
	modelFlag
	charmOrBundle string
	appName       string
	numUnits      int
	config        []string
	trust         bool
	resources     map[string]string
	dryRun        bool
	flags         *gnuflag.FlagSet
}

func (c *deployCommand) info() info {
	return info{
		name:    "deploy",
		args:    "<charm or bundle> [<application name>]",
		purpose: "Deploys a new application or bundle.",
		doc: `
Deploys a local charm (a directory or a .charm file) or a local bundle
(a YAML file) into the model. Each unit runs in a pod of its own.

--config takes a key=value pair (key=@file reads the value from a file)
or a YAML file of the form "<application>: {key: value}"; it may be
repeated. --resource name=<image or path> overrides an OCI image resource.`,
		examples: `
    juju-local deploy ./bundle/bundle.yaml --trust
    juju-local deploy ./build/hydra.charm hydra --config dev=true -n 2
    juju-local deploy ./charms/postgresql --resource postgresql-image=postgres:15`,
	}
}

func (c *deployCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.IntVar(&c.numUnits, "n", 1, "Number of application units to deploy for principal charms")
	f.Var(configFlag{&c.config}, "config", "Either a path to yaml-formatted application config file or a key=value pair ")
	f.BoolVar(&c.trust, "trust", false, "Allows charm to run hooks that require access credentials")
	f.BoolVar(&c.dryRun, "dry-run", false, "Just show what the deploy would do")
	f.Var(stringMap{&c.resources}, "resource", "Resource to be uploaded to the controller")
	c.flags = f
}

func (c *deployCommand) init(args []string) error {
	switch len(args) {
	case 2:
		if !names.IsValidApplication(args[1]) {
			return fmt.Errorf("invalid application name %q", args[1])
		}
		c.appName = args[1]
		fallthrough
	case 1:
		c.charmOrBundle = args[0]
	case 0:
		return errors.New("no charm or bundle specified")
	default:
		return checkEmpty(args[2:])
	}
	if c.numUnits < 1 {
		return errors.New("--num-units must be a positive integer")
	}
	return nil
}

func (c *deployCommand) run(ctx context.Context, a *app) error {
	path, err := localPath(c.charmOrBundle)
	if err != nil {
		return err
	}
	nSet := false
	c.flags.Visit(func(fl *gnuflag.Flag) { nSet = nSet || fl.Name == "n" })
	b, err := a.backend()
	if err != nil {
		return err
	}
	_, err = b.Deploy(ctx, api.DeployRequest{
		Model:           c.modelName(a),
		Path:            path,
		ApplicationName: c.appName,
		ConfigFlags:     absConfigFlags(c.config),
		NumUnits:        c.numUnits,
		NumUnitsSet:     nSet,
		Trust:           c.trust,
		Resources:       absResources(c.resources),
		DryRun:          c.dryRun,
	}, deployProgress(a))
	return err
}

// deployProgress prints a deploy's progress lines where Juju prints
// them: the bundle change list on stdout (bundlehandler.go writes it to
// ctx.Stdout), everything else — Located…, Deploying…, Deploy of bundle
// completed. — on stderr (ctx.Infof).
func deployProgress(a *app) func(string) {
	return func(line string) {
		switch {
		case line == "Executing changes:", line == "Changes to deploy bundle:", strings.HasPrefix(line, "- "):
			fmt.Fprintln(a.stdout, line)
		default:
			a.infof("%s", line)
		}
	}
}

// refreshCommand is `juju refresh <app> --path <charm>`.
type refreshCommand struct {
	modelFlag
	app       string
	path      string
	resources map[string]string
	config    []string
	trust     bool
	force     bool
	forceU    bool
	forceBase bool
	channel   string
	revision  int
	switchURL string
	base      string
	bind      string
	flags     *gnuflag.FlagSet
}

func (c *refreshCommand) info() info {
	return info{
		name:    "refresh",
		args:    "<application>",
		purpose: "Refresh an application's charm.",
		doc: `
Refreshes (upgrades) an application to the local charm at --path: the new
charm is unpacked into every unit and the upgrade-charm hook runs.`,
		examples: `
    juju-local refresh hydra --path ./build/hydra.charm`,
	}
}

func (c *refreshCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.force, "force", false, "Allow a charm to be refreshed which bypasses LXD profile allow list")
	f.BoolVar(&c.forceU, "force-units", false, "Refresh all units immediately, even if in error state")
	f.StringVar(&c.channel, "channel", "", "Channel to use when getting the charm from Charmhub")
	f.BoolVar(&c.forceBase, "force-base", false, "Refresh even if the base of the deployed application is not supported by the new charm")
	f.StringVar(&c.switchURL, "switch", "", "Crossgrade to a different charm")
	f.StringVar(&c.path, "path", "", "Refresh to a charm located at path")
	f.StringVar(&c.base, "base", "", "Select a different base than what is currently running.")
	f.IntVar(&c.revision, "revision", -1, "Explicit revision of current charm")
	f.Var(stringMap{&c.resources}, "resource", "Resource to be uploaded to the controller")
	f.StringVar(&c.bind, "bind", "", "Configure application endpoint bindings to spaces")
	f.Var(configFlag{&c.config}, "config", "Either a path to yaml-formatted application config file or a key=value pair")
	f.BoolVar(&c.trust, "trust", false, "Allows charm to run hooks that require access credentials")
	c.flags = f
}

func (c *refreshCommand) init(args []string) error {
	switch len(args) {
	case 1:
		if !names.IsValidApplication(args[0]) {
			return fmt.Errorf("invalid application name %q", args[0])
		}
		c.app = args[0]
	case 0:
		return errors.New("no application specified")
	default:
		return checkEmpty(args[1:])
	}
	if c.switchURL != "" && c.revision != -1 {
		return errors.New("--switch and --revision are mutually exclusive")
	}
	if c.path != "" && c.revision != -1 {
		return errors.New("--path and --revision are mutually exclusive")
	}
	if c.switchURL != "" && c.path != "" {
		return errors.New("--switch and --path are mutually exclusive")
	}
	return nil
}

func (c *refreshCommand) run(ctx context.Context, a *app) error {
	if c.path == "" {
		return errors.New("refreshing a local charm requires either --path or --switch")
	}
	path, err := localPath(c.path)
	if err != nil {
		return err
	}
	var trust *bool
	c.flags.Visit(func(fl *gnuflag.Flag) {
		if fl.Name == "trust" {
			trust = &c.trust
		}
	})
	b, err := a.backend()
	if err != nil {
		return err
	}
	res, err := b.Refresh(ctx, api.RefreshRequest{
		Model: c.modelName(a), Application: c.app, Path: path,
		Resources: absResources(c.resources), ConfigFlags: absConfigFlags(c.config), Trust: trust, Force: c.force,
	})
	if err != nil {
		return err
	}
	a.infof("Added local charm %q, revision %d, to the model", res.CharmName, res.Revision)
	return nil
}
