package jujuc

import (
	"github.com/juju/gnuflag"
)

// stateGetCommand is state-get.
type stateGetCommand struct {
	ctx    Context
	out    output
	key    string
	strict bool
}

func newStateGet(ctx Context) (command, error) { return &stateGetCommand{ctx: ctx}, nil }

func (c *stateGetCommand) info() info {
	return info{name: "state-get", args: "[<key>]", purpose: "Print server-side-state value."}
}

func (c *stateGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.BoolVar(&c.strict, "strict", false, "Return an error if the requested key does not exist")
}

func (c *stateGetCommand) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.key = args[0]; c.key == "-" {
		c.key = ""
	}
	return checkEmpty(args[1:])
}

func (c *stateGetCommand) run(rc *runContext) error {
	if c.key == "" {
		all, err := c.ctx.CharmState()
		if err != nil {
			return err
		}
		return c.out.write(rc, all)
	}
	v, err := c.ctx.CharmStateValue(c.key)
	if err != nil && (c.strict || !isNotFound(err)) {
		return err
	}
	// A missing key prints as the empty string unless --strict.
	return c.out.write(rc, v)
}

// stateSetCommand is state-set.
type stateSetCommand struct {
	ctx    Context
	values map[string]string
	file   fileFlag
}

func newStateSet(ctx Context) (command, error) { return &stateSetCommand{ctx: ctx}, nil }

func (c *stateSetCommand) info() info {
	return info{name: "state-set", args: "key=value [key=value ...]", purpose: "Set server-side-state values."}
}

func (c *stateSetCommand) setFlags(f *gnuflag.FlagSet) {
	f.Var(&c.file, "file", "file containing key-value pairs")
}

func (c *stateSetCommand) init(args []string) error {
	if args == nil {
		return nil
	}
	kvs, err := parseKeyValues(args)
	if err != nil {
		return err
	}
	c.values = kvs
	return nil
}

func (c *stateSetCommand) run(rc *runContext) error {
	kvs, err := readSettingsFile(rc, &c.file, c.values)
	if err != nil {
		return err
	}
	for k, v := range kvs {
		if err := c.ctx.SetCharmStateValue(k, v); err != nil {
			return err
		}
	}
	return nil
}

// stateDeleteCommand is state-delete.
type stateDeleteCommand struct {
	ctx Context
	key string
}

func newStateDelete(ctx Context) (command, error) { return &stateDeleteCommand{ctx: ctx}, nil }

func (c *stateDeleteCommand) info() info {
	return info{name: "state-delete", args: "<key>", purpose: "Delete server-side-state key value pairs."}
}

func (c *stateDeleteCommand) setFlags(*gnuflag.FlagSet) {}

func (c *stateDeleteCommand) init(args []string) error {
	if args == nil {
		return nil
	}
	c.key = args[0]
	return checkEmpty(args[1:])
}

func (c *stateDeleteCommand) run(*runContext) error {
	if c.key == "" {
		return nil
	}
	return c.ctx.DeleteCharmStateValue(c.key)
}
