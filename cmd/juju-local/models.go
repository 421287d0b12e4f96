package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// confirm is cmd.UserConfirmYes: "y" or "yes" continues.
func confirm(a *app) error {
	fmt.Fprint(a.stderr, "\nContinue [y/N]? ")
	answer, err := readLine(a.stdin)
	if err != nil {
		return err
	}
	if a := strings.ToLower(answer); a != "y" && a != "yes" {
		return errors.New("aborted")
	}
	return nil
}

// confirmName is cmd.UserConfirmName (its text says "unregistered" for
// every object, as Juju's does).
func confirmName(a *app, name, kind string) error {
	fmt.Fprintf(a.stderr, "\nTo continue, enter the name of the %s to be unregistered: ", kind)
	answer, err := readLine(a.stdin)
	if err != nil {
		return err
	}
	if strings.ToLower(answer) != name {
		return errors.New("aborted")
	}
	return nil
}

func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	sc := bufio.NewScanner(r)
	sc.Scan()
	if err := sc.Err(); err != nil && err != io.EOF {
		return "", err
	}
	return sc.Text(), nil
}

// userFriendlyDuration is common.UserFriendlyDuration.
func userFriendlyDuration(when, now time.Time) string {
	since := now.Sub(when)
	switch {
	case since.Hours() >= 24:
		return when.Format("2006-01-02")
	case since.Hours() >= 1:
		if int(since.Hours()) == 1 {
			return "1 hour ago"
		}
		return fmt.Sprintf("%d hours ago", int(since.Hours()))
	case since.Minutes() >= 1:
		if int(since.Minutes()) == 1 {
			return "1 minute ago"
		}
		return fmt.Sprintf("%d minutes ago", int(since.Minutes()))
	case since.Seconds() >= 2:
		return fmt.Sprintf("%d seconds ago", int(since.Seconds()))
	}
	return "just now"
}

// addModelCommand is `juju add-model`.
type addModelCommand struct {
	name     string
	noSwitch bool
	owner    string
	cred     string
	config   []string
}

func (c *addModelCommand) info() info {
	return info{
		name:    "add-model",
		args:    "<model name>",
		purpose: "Adds a workload model.",
		doc: `
Adding a model creates an empty model on the local controller: its
applications run in pods of their own.`,
		examples: `
    juju-local add-model dev
    juju-local deploy -m dev ./bundle/bundle.yaml --trust`,
	}
}

func (c *addModelCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.owner, "owner", "", "Specify the user who will own the model, if not the current user")
	f.StringVar(&c.cred, "credential", "", "Specify the credential to be used by the model")
	f.BoolVar(&c.noSwitch, "no-switch", false, "Choose not to switch to the newly created model")
}

func (c *addModelCommand) init(args []string) error {
	if len(args) == 0 {
		return errors.New("model name is required")
	}
	c.name, args = args[0], args[1:]
	if !names.IsValidModelName(c.name) {
		return fmt.Errorf("%q is not a valid name: model names may only contain lowercase letters, digits and hyphens", c.name)
	}
	if len(args) > 0 {
		return fmt.Errorf("clouds other than %q are not supported by the local controller: %q", "local", args[0])
	}
	return nil
}

func (c *addModelCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	m, err := b.AddModel(ctx, api.AddModelRequest{Name: c.name})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Added '%s' model", c.name)
	if m.Region != "" {
		msg += fmt.Sprintf(" on %s/%s", m.Cloud, m.Region)
	}
	owner := m.Owner
	if owner == "" {
		owner = "admin"
	}
	a.infof("%s for user '%s'", msg, owner)
	return nil
}

// modelsCommand is `juju models`.
type modelsCommand struct {
	out  output
	uuid bool
}

func (c *modelsCommand) info() info {
	return info{
		name:    "models",
		purpose: "Lists models a user can access on a controller.",
		doc: `
The models listed here are the local controller's. The model commands use
(-m, else JUJU_MODEL, else "default") is denoted by an asterisk.`,
		aliases: []string{"list-models"},
	}
}

func (c *modelsCommand) setFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.uuid, "uuid", false, "Display UUID for models")
	c.out.AddFlags(f, "tabular", map[string]jujucmd.Formatter{
		"yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON,
		"tabular": func(io.Writer, any) error { return nil }, // written in run: it needs the controller's name
	})
}

func (c *modelsCommand) init(args []string) error { return checkEmpty(args) }

// modelSummary is listmodels.go ModelSummary (the fields a local
// controller has).
type modelSummary struct {
	Name           string            `json:"name" yaml:"name"`
	ShortName      string            `json:"short-name" yaml:"short-name"`
	UUID           string            `json:"model-uuid" yaml:"model-uuid"`
	Type           string            `json:"model-type" yaml:"model-type"`
	ControllerName string            `json:"controller-name" yaml:"controller-name"`
	IsController   bool              `json:"is-controller" yaml:"is-controller"`
	Owner          string            `json:"owner" yaml:"owner"`
	Cloud          string            `json:"cloud" yaml:"cloud"`
	CloudRegion    string            `json:"region,omitempty" yaml:"region,omitempty"`
	ProviderType   string            `json:"type,omitempty" yaml:"type,omitempty"`
	Life           string            `json:"life" yaml:"life"`
	Status         *modelStatusBrief `json:"status,omitempty" yaml:"status,omitempty"`
	UserAccess     string            `json:"access" yaml:"access"`
	LastConnection string            `json:"last-connection" yaml:"last-connection"`
	AgentVersion   string            `json:"agent-version,omitempty" yaml:"agent-version,omitempty"`
	units          int
}

type modelStatusBrief struct {
	Current string `json:"current,omitempty" yaml:"current,omitempty"`
	Since   string `json:"since,omitempty" yaml:"since,omitempty"`
}

type modelSummarySet struct {
	Models       []modelSummary `json:"models" yaml:"models"`
	CurrentModel string         `json:"current-model,omitempty" yaml:"current-model,omitempty"`
}

func (c *modelsCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	ms, err := b.Models(ctx)
	if err != nil {
		return err
	}
	current := (&modelFlag{}).modelName(a)
	now := a.now()
	set := modelSummarySet{Models: []modelSummary{}}
	for _, m := range ms.Models {
		owner := m.Owner
		if owner == "" {
			owner = "admin"
		}
		last := "never connected"
		if !m.LastConnection.IsZero() {
			last = userFriendlyDuration(m.LastConnection, now)
		}
		s := modelSummary{
			Name: owner + "/" + m.Name, ShortName: m.Name, UUID: m.UUID, Type: m.Type,
			ControllerName: ms.Controller, Owner: owner, Cloud: m.Cloud, CloudRegion: m.Region,
			ProviderType: m.ProviderType, Life: m.Life, UserAccess: "admin", LastConnection: last,
			AgentVersion: m.AgentVersion, units: m.Units,
		}
		if m.Status != "" {
			s.Status = &modelStatusBrief{Current: m.Status}
			if !m.StatusSince.IsZero() {
				s.Status.Since = userFriendlyDuration(m.StatusSince, now)
			}
		}
		if m.Name == current {
			set.CurrentModel = m.Name
		}
		set.Models = append(set.Models, s)
	}
	if len(set.Models) == 0 && c.out.Name() == "tabular" {
		a.infof("Controller %q has no models.", ms.Controller)
		return nil
	}
	if c.out.Name() == "tabular" {
		return c.out.writeWith(a, func(w io.Writer, _ any) error { return c.tabular(w, ms.Controller, set) }, set)
	}
	return c.out.write(a, set)
}

func (c *modelsCommand) tabular(w io.Writer, controller string, set modelSummarySet) error {
	fmt.Fprintf(w, "Controller: %s\n\n", controller)
	header := []string{"Model"}
	if c.uuid {
		header = append(header, "UUID")
	}
	header = append(header, "Cloud/Region", "Type", "Status", "Units", "Access", "Last connection")
	// Juju right-aligns column 5 (+1 with --uuid) when listing unit
	// counts: with no machine or core columns, that is Access.
	right := 5
	if c.uuid {
		right++
	}
	t := newTable(right)
	t.row(header...)
	for _, m := range set.Models {
		name := m.ShortName
		if m.ShortName == set.CurrentModel {
			name += "*"
		}
		row := []string{name}
		if c.uuid {
			row = append(row, m.UUID)
		}
		status := "-"
		if m.Status != nil && m.Status.Current != "" {
			status = m.Status.Current
		}
		cloudRegion := strings.Trim(m.Cloud+"/"+m.CloudRegion, "/")
		row = append(row, cloudRegion, m.ProviderType, status, itoa(m.units), m.UserAccess, m.LastConnection)
		t.row(row...)
	}
	return t.write(w)
}

// destroyModelCommand is `juju destroy-model`.
type destroyModelCommand struct {
	name           string
	noPrompt       bool
	force          bool
	noWait         bool
	destroyStorage bool
	releaseStorage bool
	timeout        time.Duration
}

func (c *destroyModelCommand) info() info {
	return info{
		name:    "destroy-model",
		args:    "[<controller name>:]<model name>",
		purpose: "Terminate all machines/containers and resources for a non-controller model.",
		doc: `
Destroys the specified model: every application's units are stopped and
their pods removed, then the model's state.`,
		examples: `
    juju-local destroy-model dev
    juju-local destroy-model --no-prompt dev`,
	}
}

func (c *destroyModelCommand) setFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.noPrompt, "no-prompt", false, "Do not ask for confirmation")
	f.DurationVar(&c.timeout, "t", -1, "Timeout for each step of force model destruction")
	f.DurationVar(&c.timeout, "timeout", -1, "")
	f.BoolVar(&c.destroyStorage, "destroy-storage", false, "Destroy all storage instances in the model")
	f.BoolVar(&c.releaseStorage, "release-storage", false, "Release all storage instances from the model, and management of the controller, without destroying them")
	f.BoolVar(&c.force, "force", false, "Force destroy model ignoring any errors")
	f.BoolVar(&c.noWait, "no-wait", false, "Rush through model destruction without waiting for each individual step to complete")
}

func (c *destroyModelCommand) init(args []string) error {
	if c.destroyStorage && c.releaseStorage {
		return errors.New("--destroy-storage and --release-storage cannot both be specified")
	}
	if c.timeout >= 0 && !c.force {
		return errors.New("--timeout can only be used with --force (dangerous)")
	}
	switch len(args) {
	case 0:
		return errors.New("no model specified")
	case 1:
		c.name = args[0]
		if _, model, ok := strings.Cut(c.name, ":"); ok {
			c.name = model
		}
		return nil
	}
	return checkEmpty(args[1:])
}

func (c *destroyModelCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	if !c.noPrompt {
		st, err := b.Status(ctx, api.StatusRequest{Model: c.name})
		if err != nil {
			return err
		}
		a.warningf("This command will destroy the %q model and affect the following resources. It cannot be stopped.", c.name)
		n := len(st.Applications)
		plural := ""
		if n > 1 {
			plural = "s"
		}
		fmt.Fprintf(a.stderr, " - %d application%s will be removed\n", n, plural)
		if n > 0 {
			fmt.Fprintf(a.stderr, "  - application list:")
			for _, app := range naturalKeys(st.Applications) {
				fmt.Fprintf(a.stderr, " %q", app)
			}
			fmt.Fprintln(a.stderr)
		}
		fmt.Fprintln(a.stderr, " - 0 filesystem and 0 volume will be destroyed")
		if err := confirmName(a, c.name, "model"); err != nil {
			return fmt.Errorf("model destruction: %w", err)
		}
	}
	fmt.Fprint(a.stderr, "Destroying model")
	timeout := c.timeout
	if timeout < 0 {
		timeout = 0
	}
	err = b.DestroyModel(ctx, api.DestroyModelRequest{Name: c.name, DestroyStorage: c.destroyStorage, Force: c.force, Timeout: timeout})
	if err != nil {
		fmt.Fprintln(a.stderr)
		return fmt.Errorf("cannot destroy model: %w", err)
	}
	a.infof("\nModel destroyed.")
	return nil
}
