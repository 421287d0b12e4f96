package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/juju/gnuflag"
	"github.com/juju/juju/core/secrets"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// addSecretCommand is `juju add-secret` (cmd/juju/secrets/add.go).
type addSecretCommand struct {
	modelFlag
	name        string
	description string
	file        string
	data        map[string]string
}

func (c *addSecretCommand) info() info {
	return info{
		name:    "add-secret",
		args:    "<name> [key[#base64|#file]=value...]",
		purpose: "Add a new secret.",
		doc: `
Adds a user secret to the model and prints its URI. Values are given as
key=value (key#base64=... for base64 content, key#file=path to read a
file); --file reads a YAML map of them. Grant applications access with
juju-local grant-secret.`,
		examples: `
    juju-local add-secret client-secret value=s3cret
    juju-local add-secret my-cert --info "TLS cert" cert#file=./cert.pem`,
	}
}

func (c *addSecretCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.StringVar(&c.description, "info", "", "The secret description")
	f.StringVar(&c.file, "file", "", "A YAML file containing secret key values")
}

func (c *addSecretCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("secret name needs to be supplied as the first argument")
	}
	c.name = args[0]
	var err error
	// Juju's own encoder: values base64, #base64 kept, #file read.
	if c.data, err = secrets.CreateSecretData(args[1:]); err != nil {
		return err
	}
	if c.file != "" {
		fromFile, err := secrets.ReadSecretData(absPath(c.file))
		if err != nil {
			return err
		}
		for k, v := range fromFile {
			c.data[k] = v
		}
	}
	if len(c.data) == 0 {
		return errors.New("missing secret value or filename")
	}
	return nil
}

func (c *addSecretCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	res, err := b.AddSecret(ctx, api.AddSecretRequest{Model: c.modelName(a), Name: c.name, Description: c.description, Data: c.data})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, res.URI)
	return nil
}

// grantSecretCommand is `juju grant-secret`.
type grantSecretCommand struct {
	modelFlag
	secret string
	apps   []string
}

func (c *grantSecretCommand) info() info {
	return info{
		name:    "grant-secret",
		args:    "<ID>|<name> <application>[,<application>...]",
		purpose: "Grant access to a secret.",
		doc: `
Grants applications read access to a user secret, named by its URI or
its name; their charms see it in secret-get and a secret-changed hook on
updates.`,
		examples: `
    juju-local grant-secret client-secret kratos-external-idp-integrator
    juju-local grant-secret secret:d0q4e3hf3r0s7ipdsb10 hydra,kratos`,
	}
}

func (c *grantSecretCommand) setFlags(f *gnuflag.FlagSet) { c.setModelFlags(f) }

func (c *grantSecretCommand) init(args []string) error {
	if len(args) < 2 {
		return errors.New("missing secret URI or application name")
	}
	c.secret = args[0]
	c.apps = strings.Split(args[1], ",")
	return checkEmpty(args[2:])
}

func (c *grantSecretCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	return b.GrantSecret(ctx, api.GrantSecretRequest{Model: c.modelName(a), Secret: c.secret, Applications: c.apps})
}

// secretsCommand is `juju secrets` (cmd/juju/secrets/list.go).
type secretsCommand struct {
	modelFlag
	out   output
	owner string
}

func (c *secretsCommand) info() info {
	return info{
		name:    "secrets",
		purpose: "Lists secrets available in the model.",
		doc: `
Displays the secrets available for charms to use if granted access.`,
		examples: `
    juju-local secrets
    juju-local secrets --format yaml`,
		aliases: []string{"list-secrets"},
	}
}

func (c *secretsCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.StringVar(&c.owner, "owner", "", "Include secrets for the specified owner")
	c.out.AddFlags(f, "tabular", map[string]jujucmd.Formatter{
		"yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON,
		"tabular": func(io.Writer, any) error { return nil }, // written in run: it needs the clock
	})
}

func (c *secretsCommand) init(args []string) error { return checkEmpty(args) }

// secretDisplayDetails is list.go's (the metadata fields).
type secretDisplayDetails struct {
	LatestRevision   int        `json:"revision" yaml:"revision"`
	LatestExpireTime *time.Time `json:"expires,omitempty" yaml:"expires,omitempty"`
	RotatePolicy     string     `json:"rotation,omitempty" yaml:"rotation,omitempty"`
	NextRotateTime   *time.Time `json:"rotates,omitempty" yaml:"rotates,omitempty"`
	Owner            string     `json:"owner,omitempty" yaml:"owner,omitempty"`
	Description      string     `json:"description,omitempty" yaml:"description,omitempty"`
	Name             string     `json:"name,omitempty" yaml:"name,omitempty"`
	Label            string     `json:"label,omitempty" yaml:"label,omitempty"`
	CreateTime       time.Time  `json:"created" yaml:"created"`
	UpdateTime       time.Time  `json:"updated" yaml:"updated"`
	Error            string     `json:"error,omitempty" yaml:"error,omitempty"`
	id               string
}

func (c *secretsCommand) run(ctx context.Context, a *app) error {
	owner := c.owner
	if owner != "" {
		tag, err := names.ParseTag(owner)
		if err != nil {
			return fmt.Errorf("invalid owner %q: %w", owner, err)
		}
		owner = tag.String()
	}
	b, err := a.backend()
	if err != nil {
		return err
	}
	list, err := b.Secrets(ctx, api.SecretsRequest{Model: c.modelName(a), Owner: owner})
	if err != nil {
		return err
	}
	details := map[string]secretDisplayDetails{}
	for _, s := range list {
		id := strings.TrimPrefix(s.URI, "secret:")
		if uri, err := secrets.ParseURI(s.URI); err == nil {
			id = uri.ID
		}
		ownerID, name, label := "", "", s.Label
		if tag, err := names.ParseTag(s.Owner); err == nil {
			ownerID = tag.Id()
			if tag.Kind() == names.ModelTagKind {
				ownerID = "<model>"
				name, label = s.Name, ""
			}
		}
		d := secretDisplayDetails{
			id: id, LatestRevision: s.Revision, RotatePolicy: s.RotatePolicy, Owner: ownerID,
			Description: s.Description, Name: name, Label: label,
			CreateTime: s.Created.UTC(), UpdateTime: s.Updated.UTC(), Error: s.Error,
		}
		if !s.LatestExpire.IsZero() {
			t := s.LatestExpire.UTC()
			d.LatestExpireTime = &t
		}
		if !s.NextRotateTime.IsZero() {
			t := s.NextRotateTime.UTC()
			d.NextRotateTime = &t
		}
		details[id] = d
	}
	if c.out.Name() == "tabular" {
		now := a.now()
		return c.out.writeWith(a, func(w io.Writer, _ any) error { return formatSecretsTabular(w, details, now) }, details)
	}
	return c.out.write(a, details)
}

// formatSecretsTabular is list.go's: by owner, then newest revision first.
func formatSecretsTabular(w io.Writer, details map[string]secretDisplayDetails, now time.Time) error {
	list := make([]secretDisplayDetails, 0, len(details))
	for _, d := range details {
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Owner != list[j].Owner {
			return list[i].Owner < list[j].Owner
		}
		if list[i].LatestRevision != list[j].LatestRevision {
			return list[i].LatestRevision > list[j].LatestRevision
		}
		return list[i].id < list[j].id // Juju leaves ties to map order
	})
	t := newTable(4)
	t.row("ID", "Name", "Owner", "Rotation", "Revision", "Last updated")
	for _, s := range list {
		name := s.Name
		if name == "" {
			name = "-"
		}
		t.row(s.id, name, s.Owner, s.RotatePolicy, itoa(s.LatestRevision), userFriendlyDuration(s.UpdateTime, now), "")
	}
	return t.write(w)
}
