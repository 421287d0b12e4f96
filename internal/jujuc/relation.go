package jujuc

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/gnuflag"
)

// Name rules from juju/names/v5.
var (
	validApplication = regexp.MustCompile(`^(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)$`)
	validUnit        = regexp.MustCompile(`^(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)/(?:0|[1-9][0-9]*)$`)
)

// IsValidApplication reports whether s is a valid application name.
func IsValidApplication(s string) bool { return validApplication.MatchString(s) }

// IsValidUnit reports whether s is a valid unit name ("app/0").
func IsValidUnit(s string) bool { return validUnit.MatchString(s) }

// UnitApplication returns the application part of a unit name.
func UnitApplication(unit string) string {
	app, _, _ := strings.Cut(unit, "/")
	return app
}

// relationIDValue is the -r/--relation flag: it defaults to the hook's
// relation and checks the ID against the context while parsing, so an
// unknown relation is a flag error (exit 2) as in Juju.
type relationIDValue struct {
	ctx   Context
	id    *int
	value string
}

func newRelationIDValue(ctx Context, id *int) (*relationIDValue, error) {
	v := &relationIDValue{ctx: ctx, id: id}
	*id = -1
	r, err := ctx.HookRelation()
	switch {
	case err == nil:
		*id = r.ID()
		v.value = FakeID(r)
	case !isNotFound(err):
		return nil, err
	}
	return v, nil
}

func (v *relationIDValue) String() string { return v.value }

func (v *relationIDValue) Set(s string) error {
	num := s
	if i := strings.LastIndex(num, ":"); i != -1 {
		num = num[i+1:]
	}
	id, err := strconv.Atoi(num)
	if err != nil {
		return errors.New("invalid relation id")
	}
	if _, err := v.ctx.Relation(id); err != nil {
		return err
	}
	*v.id, v.value = id, s
	return nil
}

// relationIDsCommand is relation-ids.
type relationIDsCommand struct {
	ctx      Context
	endpoint string
	out      output
}

func newRelationIDs(ctx Context) (command, error) {
	c := &relationIDsCommand{ctx: ctx}
	r, err := ctx.HookRelation()
	switch {
	case err == nil:
		c.endpoint = r.Endpoint()
	case !isNotFound(err):
		return nil, err
	}
	return c, nil
}

func (c *relationIDsCommand) info() info {
	return info{name: "relation-ids", args: "<name>", purpose: "List all relation IDs for the given endpoint."}
}

func (c *relationIDsCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
}

func (c *relationIDsCommand) init(args []string) error {
	if len(args) > 0 {
		c.endpoint, args = args[0], args[1:]
	} else if c.endpoint == "" {
		return errors.New("no endpoint name specified")
	}
	return checkEmpty(args)
}

func (c *relationIDsCommand) run(rc *runContext) error {
	ids, err := c.ctx.RelationIDs()
	if err != nil && !isNotFound(err) {
		return err
	}
	result := []string{}
	for _, id := range ids {
		r, err := c.ctx.Relation(id)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return err
		}
		if r.Endpoint() == c.endpoint {
			result = append(result, FakeID(r))
		}
	}
	sort.Strings(result)
	return c.out.write(rc, result)
}

// relationListCommand is relation-list.
type relationListCommand struct {
	ctx        Context
	relationID int
	relFlag    *relationIDValue
	app        bool
	out        output
}

func newRelationList(ctx Context) (command, error) {
	c := &relationListCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *relationListCommand) info() info {
	return info{name: "relation-list", purpose: "List relation units."}
}

func (c *relationListCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.Var(c.relFlag, "r", "Specify a relation by id")
	f.Var(c.relFlag, "relation", "")
	f.BoolVar(&c.app, "app", false, "List remote application instead of participating units")
}

func (c *relationListCommand) init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	return checkEmpty(args)
}

func (c *relationListCommand) run(rc *runContext) error {
	r, err := c.ctx.Relation(c.relationID)
	if err != nil {
		return err
	}
	if c.app {
		return c.out.write(rc, r.RemoteApplicationName())
	}
	units := r.UnitNames()
	if units == nil {
		units = []string{}
	}
	return c.out.write(rc, units)
}

// relationGetCommand is relation-get.
type relationGetCommand struct {
	ctx        Context
	relationID int
	relFlag    *relationIDValue
	app        bool
	key        string
	unitOrApp  string
	out        output
}

func newRelationGet(ctx Context) (command, error) {
	c := &relationGetCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *relationGetCommand) info() info {
	return info{name: "relation-get", args: "<key> <unit id>", purpose: "Get relation settings."}
}

func (c *relationGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.Var(c.relFlag, "r", "Specify a relation by id")
	f.Var(c.relFlag, "relation", "")
	f.BoolVar(&c.app, "app", false, "Get the relation data for the overall application, not just a unit")
}

func (c *relationGetCommand) init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	if len(args) > 0 {
		if c.key = args[0]; c.key == "-" {
			c.key = ""
		}
		args = args[1:]
	}
	rest, err := c.target(args)
	if err != nil {
		return err
	}
	return checkEmpty(rest)
}

// target picks the unit or application to read: an explicit argument
// wins; otherwise the hook's remote unit, else its remote application
// (which implies --app).
func (c *relationGetCommand) target(args []string) ([]string, error) {
	if len(args) > 0 {
		name := args[0]
		args = args[1:]
		if c.app {
			switch {
			case IsValidApplication(name):
				c.unitOrApp = name
			case IsValidUnit(name):
				c.unitOrApp = UnitApplication(name)
			}
			return args, nil
		}
		if !IsValidUnit(name) {
			if IsValidApplication(name) {
				return nil, fmt.Errorf("expected unit name, got application name %q", name)
			}
			return nil, fmt.Errorf("invalid unit name %q", name)
		}
		c.unitOrApp = name
		return args, nil
	}
	if c.app {
		name, err := c.ctx.RemoteApplicationName()
		if isNotFound(err) {
			return nil, errors.New("no unit or application specified")
		} else if err != nil {
			return nil, err
		}
		c.unitOrApp = name
		return args, nil
	}
	if name, err := c.ctx.RemoteUnitName(); err == nil {
		c.unitOrApp = name
		return args, nil
	} else if !isNotFound(err) {
		return nil, err
	}
	if name, err := c.ctx.RemoteApplicationName(); err == nil {
		c.unitOrApp, c.app = name, true
		return args, nil
	} else if !isNotFound(err) {
		return nil, err
	}
	return nil, errors.New("no unit or application specified")
}

func (c *relationGetCommand) run(rc *runContext) error {
	r, err := c.ctx.Relation(c.relationID)
	if err != nil {
		return err
	}
	local, err := c.readsLocally()
	if err != nil {
		return err
	}
	var settings map[string]string
	switch {
	case local && c.app:
		s, err := r.ApplicationSettings()
		if err != nil {
			return err
		}
		settings = s.Map()
	case local:
		s, err := r.Settings()
		if err != nil {
			return err
		}
		settings = s.Map()
	case c.app:
		settings, err = r.ReadApplicationSettings(c.unitOrApp)
	default:
		settings, err = r.ReadSettings(c.unitOrApp)
	}
	if err != nil {
		return err
	}
	if c.key == "" {
		return c.out.write(rc, settings)
	}
	if v, ok := settings[c.key]; ok {
		return c.out.write(rc, v)
	}
	return c.out.write(rc, nil)
}

// readsLocally reports whether the hook context answers the read (own
// unit, or own application on the leader) instead of the controller.
func (c *relationGetCommand) readsLocally() (bool, error) {
	unit := c.ctx.UnitName()
	if c.unitOrApp == unit {
		return true, nil
	}
	if c.unitOrApp == UnitApplication(unit) {
		leader, err := c.ctx.IsLeader()
		if err != nil {
			return false, fmt.Errorf("cannot determine leadership status: %w", err)
		}
		return leader, nil
	}
	return false, nil
}

// relationSetCommand is relation-set.
type relationSetCommand struct {
	ctx        Context
	relationID int
	relFlag    *relationIDValue
	settings   map[string]string
	file       fileFlag
	formatFlag string // deprecated
	app        bool
}

func newRelationSet(ctx Context) (command, error) {
	c := &relationSetCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *relationSetCommand) info() info {
	return info{name: "relation-set", args: "key=value [key=value ...]", purpose: "Set relation settings."}
}

func (c *relationSetCommand) setFlags(f *gnuflag.FlagSet) {
	f.Var(c.relFlag, "r", "specify a relation by id")
	f.Var(c.relFlag, "relation", "")
	f.Var(&c.file, "file", "file containing key-value pairs")
	f.BoolVar(&c.app, "app", false, `pick whether you are setting "application" settings or "unit" settings`)
	f.StringVar(&c.formatFlag, "format", "", "deprecated format flag")
}

func (c *relationSetCommand) init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	kvs, err := parseKeyValues(args)
	if err != nil {
		return err
	}
	c.settings = kvs
	return nil
}

func (c *relationSetCommand) run(rc *runContext) error {
	if c.formatFlag != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", "relation-set")
	}
	kvs, err := readSettingsFile(rc, &c.file, c.settings)
	if err != nil {
		return err
	}
	r, err := c.ctx.Relation(c.relationID)
	if err != nil {
		return err
	}
	var s Settings
	if c.app {
		leader, err := c.ctx.IsLeader()
		if err != nil {
			return fmt.Errorf("cannot determine leadership status: %w", err)
		}
		if !leader {
			return errors.New("cannot write relation settings")
		}
		if s, err = r.ApplicationSettings(); err != nil {
			return fmt.Errorf("cannot read relation application settings: %w", err)
		}
	} else if s, err = r.Settings(); err != nil {
		return fmt.Errorf("cannot read relation settings: %w", err)
	}
	for k, v := range kvs {
		if v == "" {
			s.Delete(k)
		} else {
			s.Set(k, v)
		}
	}
	return nil
}
