package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// integrateCommand is `juju integrate` (alias relate).
type integrateCommand struct {
	modelFlag
	endpoints []string
	via       string
}

func (c *integrateCommand) info() info {
	return info{
		name:    "integrate",
		args:    "<application>[:<endpoint>] <application>[:<endpoint>]",
		purpose: "Integrate two applications.",
		doc: `
Integrates two applications: an endpoint of one with a compatible endpoint
of the other. When an endpoint is not given, the one that fits is
inferred, as Juju does.`,
		examples: `
    juju-local integrate hydra postgresql
    juju-local integrate hydra:pg-database postgresql:database`,
		aliases: []string{"relate"},
	}
}

func (c *integrateCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.StringVar(&c.via, "via", "", "For cross model relations, specify the egress subnets for outbound traffic")
}

func (c *integrateCommand) init(args []string) error {
	if len(args) != 2 {
		return errors.New("an integration must involve two applications")
	}
	c.endpoints = args
	return nil
}

func (c *integrateCommand) run(ctx context.Context, a *app) error {
	if c.via != "" {
		return errors.New("--via is for cross-model relations, which the local controller does not have")
	}
	b, err := a.backend()
	if err != nil {
		return err
	}
	_, err = b.Integrate(ctx, api.IntegrateRequest{Model: c.modelName(a), Endpoints: c.endpoints})
	return err
}

// removeRelationCommand is `juju remove-relation`.
type removeRelationCommand struct {
	modelFlag
	endpoints []string
	id        int
	force     bool
}

func (c *removeRelationCommand) info() info {
	return info{
		name:    "remove-relation",
		args:    "<application1>[:<relation name1>] <application2>[:<relation name2>] | <relation-id>",
		purpose: "Removes an existing relation between two applications.",
		doc: `
Removes a relation, named by its two applications (and endpoints, when
ambiguous) or by its ID (see juju-local status --relations --format yaml).`,
		examples: `
    juju-local remove-relation hydra postgresql
    juju-local remove-relation 3`,
	}
}

func (c *removeRelationCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.force, "force", false, "Force remove a relation")
}

func (c *removeRelationCommand) init(args []string) error {
	c.id = -1
	if len(args) == 1 {
		id, err := strconv.Atoi(args[0])
		if err != nil || id < 0 {
			return fmt.Errorf("relation ID %q not valid", args[0])
		}
		c.id = id
		return nil
	}
	if len(args) != 2 {
		return errors.New("a relation must involve two applications")
	}
	c.endpoints = args
	return nil
}

func (c *removeRelationCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	req := api.RemoveRelationRequest{Model: c.modelName(a), Endpoints: c.endpoints, Force: c.force}
	if c.id >= 0 {
		req.ID = &c.id
	}
	return b.RemoveRelation(ctx, req)
}

// addUnitCommand is `juju add-unit` in a Kubernetes model: a scale up.
type addUnitCommand struct {
	modelFlag
	app      string
	numUnits int
	to       string
}

func (c *addUnitCommand) info() info {
	return info{
		name:    "add-unit",
		args:    "<application name>",
		purpose: "Adds extra units of a deployed application.",
		doc: `
Adds units to an application: in a Kubernetes model (as this one) that
scales the application up by -n units.`,
		examples: `
    juju-local add-unit hydra
    juju-local add-unit hydra -n 2`,
	}
}

func (c *addUnitCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.IntVar(&c.numUnits, "n", 1, "Specify the number of units to add.")
	f.IntVar(&c.numUnits, "num-units", 1, "")
	f.StringVar(&c.to, "to", "", "(Machine models only) Specify a comma-separated list of placement directives. If the length of this list is less than `-n`, the remaining units will be added in the default way (i.e., to new machines).")
}

func (c *addUnitCommand) init(args []string) error {
	switch len(args) {
	case 1:
		c.app = args[0]
	case 0:
		return errors.New("no application specified")
	default:
		return checkEmpty(args[1:])
	}
	if c.numUnits < 1 {
		return errors.New("--num-units must be a positive integer")
	}
	if c.to != "" {
		return errors.New("k8s models only support --num-units")
	}
	return nil
}

func (c *addUnitCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	_, err = b.Scale(ctx, api.ScaleRequest{Model: c.modelName(a), Application: c.app, Delta: c.numUnits})
	return err
}

// removeUnitCommand is `juju remove-unit` in a Kubernetes model: a
// scale down by --num-units; named units cannot be removed.
type removeUnitCommand struct {
	modelFlag
	entities       []string
	numUnits       int
	dryRun         bool
	destroyStorage bool
	force          bool
	noWait         bool
}

func (c *removeUnitCommand) info() info {
	return info{
		name:    "remove-unit",
		args:    "<unit> [...] | <application>",
		purpose: "Remove application units from the model.",
		doc: `
In a Kubernetes model (as this one) units are removed by scaling the
application down: name the application and the number of units to remove
with --num-units. The highest-numbered units go first.`,
		examples: `
    juju-local remove-unit hydra --num-units 1`,
	}
}

func (c *removeUnitCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.dryRun, "dry-run", false, "Print what this command would remove without removing")
	f.IntVar(&c.numUnits, "num-units", 0, "Number of units to remove (k8s models only)")
	f.BoolVar(&c.destroyStorage, "destroy-storage", false, "Destroy storage attached to the unit")
	f.BoolVar(&c.force, "force", false, "Completely remove an unit and all its dependencies")
	f.BoolVar(&c.noWait, "no-wait", false, "Rush through unit removal without waiting for each individual step to complete")
}

// init is validateCAASRemoval: the model type is known here (always
// Kubernetes), so Juju's Run-time checks happen at Init.
func (c *removeUnitCommand) init(args []string) error {
	c.entities = args
	if !c.force && c.noWait {
		return errors.New("--no-wait without --force not valid")
	}
	if c.dryRun {
		return errors.New("`--dry-run` is not supported for kubernetes units")
	}
	if c.destroyStorage {
		return errors.New("k8s models only support --num-units")
	}
	if len(args) == 0 {
		return errors.New("no application specified")
	}
	if len(args) != 1 {
		return errors.New("only single application supported")
	}
	if names.IsValidUnit(args[0]) {
		return errors.New("k8s models do not support removing named units.\nInstead specify an application with --num-units.\n")
	}
	if !names.IsValidApplication(args[0]) {
		return fmt.Errorf("application name %q not valid", args[0])
	}
	if c.numUnits <= 0 {
		return errors.New("specify the number of units (> 0) to remove using --num-units")
	}
	return nil
}

func (c *removeUnitCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	res, err := b.Scale(ctx, api.ScaleRequest{Model: c.modelName(a), Application: c.entities[0], Delta: -c.numUnits})
	if err != nil {
		return err
	}
	a.infof("scaling down to %d units", res.Scale)
	return nil
}

// removeApplicationCommand is `juju remove-application`.
type removeApplicationCommand struct {
	modelFlag
	apps           []string
	dryRun         bool
	destroyStorage bool
	force          bool
	noWait         bool
	noPrompt       bool
}

func (c *removeApplicationCommand) info() info {
	return info{
		name:    "remove-application",
		args:    "<application> [<application>...]",
		purpose: "Remove applications from the model.",
		doc: `
Removes applications: their units' stop and remove hooks run, their
relations are departed and broken, then their pods are removed.
Asks for confirmation unless --no-prompt (the model's "mode" is
requires-prompts, as Juju's default).`,
		examples: `
    juju-local remove-application hydra
    juju-local remove-application --no-prompt hydra kratos`,
	}
}

func (c *removeApplicationCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.noPrompt, "no-prompt", false, "Do not ask for confirmation. Overrides `mode` model config setting")
	f.BoolVar(&c.dryRun, "dry-run", false, "Print what this command would remove without removing")
	f.BoolVar(&c.destroyStorage, "destroy-storage", false, "Destroy storage attached to application units")
	f.BoolVar(&c.force, "force", false, "Completely remove an application and all its dependencies")
	f.BoolVar(&c.noWait, "no-wait", false, "Rush through application removal without waiting for each individual step to complete")
}

func (c *removeApplicationCommand) init(args []string) error {
	if len(args) == 0 {
		return errors.New("no application specified")
	}
	for _, arg := range args {
		if !names.IsValidApplication(arg) {
			return fmt.Errorf("invalid application name %q", arg)
		}
	}
	if !c.force && c.noWait {
		return errors.New("--no-wait without --force not valid")
	}
	c.apps = args
	return nil
}

func (c *removeApplicationCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	req := api.RemoveApplicationRequest{
		Model: c.modelName(a), Applications: c.apps,
		Force: c.force, NoWait: c.noWait, DestroyStorage: c.destroyStorage,
	}
	if c.dryRun || !c.noPrompt {
		dry := req
		dry.DryRun = true
		results, err := b.RemoveApplication(ctx, dry)
		if err != nil {
			return err
		}
		if c.logResults(a, results, true) {
			return errSilent
		}
		if c.dryRun {
			c.logResults(a, results, false)
			return nil
		}
		a.warningf("This command will perform the following actions:")
		c.logResults(a, results, false)
		if err := confirm(a); err != nil {
			return fmt.Errorf("application removal: %w", err)
		}
	}
	results, err := b.RemoveApplication(ctx, req)
	if err != nil {
		return err
	}
	// After a confirmation Juju only reports errors: the plan was shown.
	if c.logResults(a, results, !c.noPrompt) {
		return errSilent
	}
	return nil
}

// logResults prints what was (or would be) removed, as Juju's
// removeApplicationCommand.log; it reports whether any failed.
func (c *removeApplicationCommand) logResults(a *app, results []api.RemoveApplicationResult, errorsOnly bool) bool {
	failed := false
	for _, r := range results {
		if r.Error != "" {
			failed = true
			writeError(a.stderr, fmt.Errorf("removing application %s failed: %s", r.Application, r.Error))
			continue
		}
		if errorsOnly {
			continue
		}
		fmt.Fprintf(a.stdout, "will remove application %s\n", r.Application)
		for _, u := range r.Units {
			fmt.Fprintf(a.stdout, "- will remove unit %s\n", u)
		}
	}
	return failed
}

// resolvedCommand is `juju resolved` (alias resolve).
type resolvedCommand struct {
	modelFlag
	units   []string
	noRetry bool
	all     bool
}

func (c *resolvedCommand) info() info {
	return info{
		name:    "resolved",
		args:    "[<unit> ...]",
		purpose: "Marks unit errors resolved and re-executes failed hooks.",
		doc: `
Marks units in error as resolved: the failed hook runs again, unless
--no-retry, in which case it is skipped as if it had succeeded.`,
		examples: `
    juju-local resolved hydra/0
    juju-local resolved --no-retry hydra/0
    juju-local resolved --all`,
		aliases: []string{"resolve"},
	}
}

func (c *resolvedCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.noRetry, "no-retry", false, "Do not re-execute failed hooks on the unit")
	f.BoolVar(&c.all, "all", false, "Marks all units in error as resolved")
}

func (c *resolvedCommand) init(args []string) error {
	if c.all {
		if len(args) > 0 {
			return errors.New("specifying unit names(s) with --all not supported")
		}
		return nil
	}
	if len(args) == 0 {
		return errors.New("no unit specified")
	}
	for _, u := range args {
		if !names.IsValidUnit(u) {
			return fmt.Errorf("unit name %q not valid", u)
		}
	}
	c.units = args
	return nil
}

func (c *resolvedCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	return b.Resolve(ctx, api.ResolveRequest{Model: c.modelName(a), Units: c.units, All: c.all, NoRetry: c.noRetry})
}
