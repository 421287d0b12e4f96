package jujuc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/juju/gnuflag"
)

// actionKeyRule is the charm action-name rule, which Juju also applies to
// every dot-separated segment of an action-set key.
var actionKeyRule = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// reservedActionKeys are result keys Juju fills in itself.
var reservedActionKeys = []string{"stdout", "stdout-encoding", "stderr", "stderr-encoding"}

// actionGetCommand is action-get.
type actionGetCommand struct {
	ctx  Context
	keys []string
	out  output
}

func newActionGet(ctx Context) (command, error) { return &actionGetCommand{ctx: ctx}, nil }

func (c *actionGetCommand) info() info {
	return info{name: "action-get", args: "[<key>[.<key>.<key>...]]", purpose: "Get action parameters."}
}

func (c *actionGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
}

func (c *actionGetCommand) init(args []string) error {
	if len(args) > 0 {
		if err := checkEmpty(args[1:]); err != nil {
			return err
		}
		c.keys = strings.Split(args[0], ".")
	}
	return nil
}

// lookupPath walks nested maps along keys.
func lookupPath(keys []string, m map[string]any) (any, bool) {
	v, ok := m[keys[0]]
	if len(keys) == 1 || !ok {
		return v, ok
	}
	switch next := v.(type) {
	case map[string]any:
		return lookupPath(keys[1:], next)
	case map[any]any:
		conv := make(map[string]any, len(next))
		for k, v := range next {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			conv[ks] = v
		}
		return lookupPath(keys[1:], conv)
	}
	return nil, false
}

func (c *actionGetCommand) run(rc *runContext) error {
	params, err := c.ctx.ActionParams()
	if err != nil {
		return err
	}
	var answer any
	switch {
	case len(c.keys) > 0:
		answer, _ = lookupPath(c.keys, params)
	case params == nil:
		answer = map[string]any{}
	default:
		answer = params
	}
	return c.out.write(rc, answer)
}

// actionSetCommand is action-set.
type actionSetCommand struct {
	ctx  Context
	args [][]string // keys..., value
}

func newActionSet(ctx Context) (command, error) { return &actionSetCommand{ctx: ctx}, nil }

func (c *actionSetCommand) info() info {
	return info{name: "action-set", args: "<key>=<value> [<key>=<value> ...]", purpose: "Set action results."}
}

func (c *actionSetCommand) setFlags(*gnuflag.FlagSet) {}

func (c *actionSetCommand) init(args []string) error {
	c.args = nil
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("argument %q must be of the form key...=value", arg)
		}
		keys := strings.Split(key, ".")
		for _, k := range keys {
			if !actionKeyRule.MatchString(k) {
				return fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", k)
			}
			for _, r := range reservedActionKeys {
				if r == k {
					return fmt.Errorf(`cannot set reserved action key "%s"`, k)
				}
			}
		}
		c.args = append(c.args, append(keys, value))
	}
	return nil
}

func (c *actionSetCommand) run(*runContext) error {
	for _, a := range c.args {
		if err := c.ctx.UpdateActionResults(a[:len(a)-1], a[len(a)-1]); err != nil {
			return err
		}
	}
	return nil
}

// actionFailCommand is action-fail.
type actionFailCommand struct {
	ctx     Context
	message string
}

func newActionFail(ctx Context) (command, error) { return &actionFailCommand{ctx: ctx}, nil }

func (c *actionFailCommand) info() info {
	return info{name: "action-fail", args: `["<failure message>"]`, purpose: "Set action fail status with message."}
}

func (c *actionFailCommand) setFlags(*gnuflag.FlagSet) {}

func (c *actionFailCommand) init(args []string) error {
	if len(args) == 0 {
		c.message = "action failed without reason given, check action for errors"
		return nil
	}
	c.message = args[0]
	return checkEmpty(args[1:])
}

func (c *actionFailCommand) run(*runContext) error {
	if err := c.ctx.SetActionMessage(c.message); err != nil {
		return err
	}
	return c.ctx.SetActionFailed()
}

// actionLogCommand is action-log.
type actionLogCommand struct {
	ctx     Context
	message string
}

func newActionLog(ctx Context) (command, error) { return &actionLogCommand{ctx: ctx}, nil }

func (c *actionLogCommand) info() info {
	return info{name: "action-log", args: "<message>", purpose: "Record a progress message for the current action."}
}

func (c *actionLogCommand) setFlags(*gnuflag.FlagSet) {}

func (c *actionLogCommand) init(args []string) error {
	if args == nil {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

func (c *actionLogCommand) run(*runContext) error { return c.ctx.LogActionMessage(c.message) }

// SetNested stores value under the dotted path keys in m, replacing
// non-map values on the way, as Juju merges action-set results.
func SetNested(m map[string]any, keys []string, value any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
}
