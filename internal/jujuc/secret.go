package jujuc

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/juju/gnuflag"
)

// secretUpsert holds the flags secret-add and secret-set share.
type secretUpsert struct {
	ctx          Context
	owner        string
	rotatePolicy string
	description  string
	label        string
	fileName     string
	expireSpec   string
	expireTime   time.Time
	data         SecretValue
	// now is when a relative --expire is counted from.
	now func() time.Time
}

func (c *secretUpsert) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.expireSpec, "expire", "", "either a duration or time when the secret should expire")
	f.StringVar(&c.rotatePolicy, "rotate", "", "the secret rotation policy")
	f.StringVar(&c.description, "description", "", "the secret description")
	f.StringVar(&c.label, "label", "", "a label used to identify the secret in hooks")
	f.StringVar(&c.fileName, "file", "", "a YAML file containing secret key values")
	f.StringVar(&c.owner, "owner", "application", "the owner of the secret, either the application or unit")
}

// rfc3339NoTZ is the --expire time format without a zone (taken as UTC).
const rfc3339NoTZ = "2006-01-02T15:04:05"

func (c *secretUpsert) init(args []string) error {
	if c.expireSpec != "" {
		t, err := time.Parse(time.RFC3339, c.expireSpec)
		if err != nil {
			t, err = time.Parse(rfc3339NoTZ, c.expireSpec)
		}
		if err != nil {
			d, err := time.ParseDuration(c.expireSpec)
			if err != nil {
				return notValidf("expire time or duration %q", c.expireSpec)
			}
			if d <= 0 {
				return notValidf("negative expire duration %q", c.expireSpec)
			}
			t = c.now().Add(d)
		}
		c.expireTime = t.UTC()
	}
	if c.rotatePolicy != "" && !validRotatePolicy(c.rotatePolicy) {
		return notValidf("rotate policy %q", c.rotatePolicy)
	}
	if c.owner != "application" && c.owner != "unit" {
		return notValidf("secret owner %q", c.owner)
	}
	data, err := secretDataFromArgs(fileRoot(c.ctx), c.ctx.Dir(), args)
	if err != nil {
		return err
	}
	if c.fileName != "" {
		fromFile, err := secretDataFromFile(fileRoot(c.ctx), c.ctx.Dir(), c.fileName)
		if err != nil {
			return err
		}
		for k, v := range fromFile {
			data[k] = v
		}
	}
	c.data = data
	return nil
}

func (c *secretUpsert) updateArgs() SecretUpdateArgs {
	a := SecretUpdateArgs{Value: c.data}
	if c.rotatePolicy != "" {
		p := c.rotatePolicy
		a.RotatePolicy = &p
	}
	if !c.expireTime.IsZero() {
		t := c.expireTime
		a.ExpireTime = &t
	}
	if c.description != "" {
		d := c.description
		a.Description = &d
	}
	if c.label != "" {
		l := c.label
		a.Label = &l
	}
	return a
}

// secretAddCommand is secret-add.
type secretAddCommand struct{ secretUpsert }

func newSecretAdd(ctx Context) (command, error) {
	return &secretAddCommand{secretUpsert{ctx: ctx, now: time.Now}}, nil
}

func (c *secretAddCommand) info() info {
	return info{name: "secret-add", args: "[key[#base64|#file]=value...]", purpose: "Add a new secret."}
}

func (c *secretAddCommand) init(args []string) error {
	if len(args) < 1 && c.fileName == "" {
		return errors.New("missing secret value or filename")
	}
	return c.secretUpsert.init(args)
}

func (c *secretAddCommand) run(rc *runContext) error {
	a := c.updateArgs()
	if len(a.Value) == 0 {
		return notValidf("empty secret value")
	}
	uri, err := c.ctx.CreateSecret(SecretCreateArgs{SecretUpdateArgs: a, Owner: c.owner})
	if err != nil {
		return err
	}
	fmt.Fprintln(rc.stdout, uri.String())
	return nil
}

// secretSetCommand is secret-set.
type secretSetCommand struct {
	secretUpsert
	uri *SecretURI
}

func newSecretSet(ctx Context) (command, error) {
	return &secretSetCommand{secretUpsert: secretUpsert{ctx: ctx, now: time.Now}}, nil
}

func (c *secretSetCommand) info() info {
	return info{name: "secret-set", args: "<ID> [key[#base64]=value...]", purpose: "Update an existing secret."}
}

func (c *secretSetCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("missing secret URI")
	}
	uri, err := ParseSecretURI(args[0])
	if err != nil {
		return err
	}
	c.uri = uri
	return c.secretUpsert.init(args[1:])
}

func (c *secretSetCommand) run(*runContext) error {
	return c.ctx.UpdateSecret(c.uri, c.updateArgs())
}

// secretGetCommand is secret-get.
type secretGetCommand struct {
	ctx     Context
	out     output
	uri     *SecretURI
	label   string
	key     string
	peek    bool
	refresh bool
}

func newSecretGet(ctx Context) (command, error) { return &secretGetCommand{ctx: ctx}, nil }

func (c *secretGetCommand) info() info {
	return info{name: "secret-get", args: "<ID> [key[#base64]]", purpose: "Get the content of a secret."}
}

func (c *secretGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "yaml", serialFormatters)
	f.StringVar(&c.label, "label", "", "a label used to identify the secret in hooks")
	f.BoolVar(&c.peek, "peek", false, "get the latest revision just this time")
	f.BoolVar(&c.refresh, "refresh", false, "get the latest revision and also get this same revision for subsequent calls")
}

func (c *secretGetCommand) init(args []string) error {
	if len(args) > 0 {
		uri, err := ParseSecretURI(args[0])
		if err != nil {
			return notValidf("secret URI %q", args[0])
		}
		c.uri, args = uri, args[1:]
	}
	if c.uri == nil && c.label == "" {
		return errors.New("require either a secret URI or label")
	}
	if c.peek && c.refresh {
		return errors.New("specify one of --peek or --refresh but not both")
	}
	if len(args) > 0 {
		c.key = args[0]
		return checkEmpty(args[1:])
	}
	return nil
}

func (c *secretGetCommand) run(rc *runContext) error {
	v, err := c.ctx.GetSecret(c.uri, c.label, c.refresh, c.peek)
	if err != nil {
		return err
	}
	values, err := v.Values()
	if err != nil {
		return err
	}
	if c.key == "" {
		return c.out.write(rc, values)
	}
	one, err := v.KeyValue(c.key)
	if err != nil {
		return err
	}
	return c.out.write(rc, one)
}

// secretGrantCommand is secret-grant.
type secretGrantCommand struct {
	ctx        Context
	uri        *SecretURI
	app, unit  string
	relKey     string
	relationID int
	relFlag    *relationIDValue
}

func newSecretGrant(ctx Context) (command, error) {
	c := &secretGrantCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *secretGrantCommand) info() info {
	return info{name: "secret-grant", args: "<ID>", purpose: "Grant access to a secret."}
}

func (c *secretGrantCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.unit, "unit", "", "the unit to grant access")
	f.Var(c.relFlag, "r", "the relation with which to associate the grant")
	f.Var(c.relFlag, "relation", "the relation with which to associate the grant")
}

func (c *secretGrantCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("missing secret URI")
	}
	uri, err := ParseSecretURI(args[0])
	if err != nil {
		return err
	}
	c.uri = uri
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	r, err := c.ctx.Relation(c.relationID)
	if err != nil {
		return err
	}
	c.relKey, c.app = r.Key(), r.RemoteApplicationName()
	if c.unit != "" {
		if !IsValidUnit(c.unit) {
			return notValidf("unit %q", c.unit)
		}
		if UnitApplication(c.unit) != c.app {
			return fmt.Errorf("cannot specify unit %q in relation to application %q", c.unit, c.app)
		}
	}
	return checkEmpty(args[1:])
}

func (c *secretGrantCommand) run(*runContext) error {
	a := SecretGrantRevokeArgs{RelationKey: &c.relKey}
	if c.unit != "" {
		a.UnitName = &c.unit
	}
	if c.app != "" {
		a.ApplicationName = &c.app
	}
	return c.ctx.GrantSecret(c.uri, a)
}

// secretRevokeCommand is secret-revoke.
type secretRevokeCommand struct {
	ctx        Context
	uri        *SecretURI
	app, unit  string
	relationID int
	relFlag    *relationIDValue
}

func newSecretRevoke(ctx Context) (command, error) {
	c := &secretRevokeCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *secretRevokeCommand) info() info {
	return info{name: "secret-revoke", args: "<ID>", purpose: "Revoke access to a secret."}
}

func (c *secretRevokeCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.app, "app", "", "the application to revoke access")
	f.StringVar(&c.app, "application", "", "")
	f.StringVar(&c.unit, "unit", "", "the unit to revoke access")
	f.Var(c.relFlag, "r", "the relation for which to revoke the grant")
	f.Var(c.relFlag, "relation", "the relation for which to revoke the grant")
}

func (c *secretRevokeCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("missing secret URI")
	}
	uri, err := ParseSecretURI(args[0])
	if err != nil {
		return err
	}
	c.uri = uri
	if c.app != "" && !IsValidApplication(c.app) {
		return notValidf("application %q", c.app)
	}
	if c.unit != "" && !IsValidUnit(c.unit) {
		return notValidf("unit %q", c.unit)
	}
	if c.app != "" && c.unit != "" {
		return errors.New("specify only one of application or unit")
	}
	// In a relation hook the relation defaults to the hook's, so a bare
	// secret-revoke there revokes the remote application's access.
	if c.relationID >= 0 {
		r, err := c.ctx.Relation(c.relationID)
		if err != nil {
			return err
		}
		if c.app != "" {
			return errors.New("do not specify both relation and app")
		}
		c.app = r.RemoteApplicationName()
	}
	if c.app == "" && c.unit == "" {
		return errors.New("missing relation or application or unit")
	}
	return checkEmpty(args[1:])
}

func (c *secretRevokeCommand) run(*runContext) error {
	var a SecretGrantRevokeArgs
	if c.app != "" {
		a.ApplicationName = &c.app
	}
	if c.unit != "" {
		a.UnitName = &c.unit
	}
	return c.ctx.RevokeSecret(c.uri, a)
}

// secretRemoveCommand is secret-remove.
type secretRemoveCommand struct {
	ctx      Context
	uri      *SecretURI
	revision int
}

func newSecretRemove(ctx Context) (command, error) { return &secretRemoveCommand{ctx: ctx}, nil }

func (c *secretRemoveCommand) info() info {
	return info{name: "secret-remove", args: "<ID>", purpose: "Remove an existing secret."}
}

func (c *secretRemoveCommand) setFlags(f *gnuflag.FlagSet) {
	f.IntVar(&c.revision, "revision", 0, "remove the specified revision")
}

func (c *secretRemoveCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("missing secret URI")
	}
	uri, err := ParseSecretURI(args[0])
	if err != nil {
		return err
	}
	c.uri = uri
	return checkEmpty(args[1:])
}

func (c *secretRemoveCommand) run(*runContext) error {
	var rev *int
	if c.revision > 0 {
		rev = &c.revision
	}
	return c.ctx.RemoveSecret(c.uri, rev)
}

// secretIDsCommand is secret-ids.
type secretIDsCommand struct {
	ctx Context
	out output
}

func newSecretIDs(ctx Context) (command, error) { return &secretIDsCommand{ctx: ctx}, nil }

func (c *secretIDsCommand) info() info {
	return info{name: "secret-ids", purpose: "Print secret IDs."}
}

func (c *secretIDsCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
}
func (c *secretIDsCommand) init(args []string) error { return checkEmpty(args) }

func (c *secretIDsCommand) run(rc *runContext) error {
	all, err := c.ctx.SecretMetadata()
	if err != nil {
		return err
	}
	// nil when there are none, as in Juju (json prints null). Juju's order
	// is map order; sorted is one of the orders it can print.
	var ids []string
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return c.out.write(rc, ids)
}

// secretInfoGetCommand is secret-info-get.
type secretInfoGetCommand struct {
	ctx   Context
	out   output
	uri   *SecretURI
	label string
}

func newSecretInfoGet(ctx Context) (command, error) { return &secretInfoGetCommand{ctx: ctx}, nil }

func (c *secretInfoGetCommand) info() info {
	return info{name: "secret-info-get", args: "<ID>", purpose: "Get a secret's metadata info."}
}

func (c *secretInfoGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "yaml", serialFormatters)
	f.StringVar(&c.label, "label", "", "a label used to identify the secret")
}

func (c *secretInfoGetCommand) init(args []string) error {
	if len(args) > 0 {
		uri, err := ParseSecretURI(args[0])
		if err != nil {
			return notValidf("secret URI %q", args[0])
		}
		c.uri, args = uri, args[1:]
	}
	if c.uri == nil && c.label == "" {
		return errors.New("require either a secret URI or label")
	}
	if c.uri != nil && c.label != "" {
		return errors.New("specify either a secret URI or label but not both")
	}
	return checkEmpty(args)
}

// secretInfoDisplay is secret-info-get's output shape.
type secretInfoDisplay struct {
	LatestRevision   int                 `yaml:"revision" json:"revision"`
	Label            string              `yaml:"label" json:"label"`
	Owner            string              `yaml:"owner" json:"owner"`
	Description      string              `yaml:"description,omitempty" json:"description,omitempty"`
	RotatePolicy     string              `yaml:"rotation,omitempty" json:"rotation,omitempty"`
	LatestExpireTime *time.Time          `yaml:"expiry,omitempty" json:"expiry,omitempty"`
	NextRotateTime   *time.Time          `yaml:"rotates,omitempty" json:"rotates,omitempty"`
	Access           []secretAccessShown `yaml:"access,omitempty" json:"access,omitempty"`
}

type secretAccessShown struct {
	Target string `yaml:"target" json:"target"`
	Scope  string `yaml:"scope" json:"scope"`
	Role   string `yaml:"role" json:"role"`
}

func (c *secretInfoGetCommand) run(rc *runContext) error {
	all, err := c.ctx.SecretMetadata()
	if err != nil {
		return err
	}
	show := func(id string, md SecretMetadata) error {
		access := make([]secretAccessShown, len(md.Access))
		for i, a := range md.Access {
			access[i] = secretAccessShown(a)
		}
		return c.out.write(rc, map[string]secretInfoDisplay{id: {
			LatestRevision:   md.LatestRevision,
			Label:            md.Label,
			Owner:            md.Owner,
			Description:      md.Description,
			RotatePolicy:     md.RotatePolicy,
			LatestExpireTime: md.LatestExpireTime,
			NextRotateTime:   md.NextRotateTime,
			Access:           access,
		}})
	}
	want := c.label
	if c.uri != nil {
		want = c.uri.ID
		if md, ok := all[want]; ok {
			return show(want, md)
		}
	} else {
		ids := make([]string, 0, len(all))
		for id := range all {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if all[id].Label == want {
				return show(id, all[id])
			}
		}
	}
	return NotFoundf("secret %q", want)
}
