package jujuc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/juju/gnuflag"
)

// configGetCommand is config-get.
type configGetCommand struct {
	ctx Context
	key string
	all bool
	out output
}

func newConfigGet(ctx Context) (command, error) { return &configGetCommand{ctx: ctx}, nil }

func (c *configGetCommand) info() info {
	return info{name: "config-get", args: "[<key>]", purpose: "Print application configuration."}
}

func (c *configGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.BoolVar(&c.all, "a", false, "print all keys")
	f.BoolVar(&c.all, "all", false, "")
}

func (c *configGetCommand) init(args []string) error {
	if args == nil {
		return nil
	}
	c.key = args[0]
	if c.key != "" && c.all {
		return fmt.Errorf("cannot use argument --all together with key %q", c.key)
	}
	return checkEmpty(args[1:])
}

func (c *configGetCommand) run(rc *runContext) error {
	settings, err := c.ctx.ConfigSettings()
	if err != nil {
		return err
	}
	if c.key != "" {
		return c.out.write(rc, settings[c.key])
	}
	out := make(map[string]any, len(settings))
	for k, v := range settings {
		// Without --all, options that have neither a value nor a default
		// are left out.
		if v != nil || c.all {
			out[k] = v
		}
	}
	return c.out.write(rc, out)
}

// isLeaderCommand is is-leader.
type isLeaderCommand struct {
	ctx Context
	out output
}

func newIsLeader(ctx Context) (command, error) { return &isLeaderCommand{ctx: ctx}, nil }

func (c *isLeaderCommand) info() info {
	return info{name: "is-leader", purpose: "Print application leadership status."}
}

func (c *isLeaderCommand) setFlags(f *gnuflag.FlagSet) { c.out.AddFlags(f, "smart", defaultFormatters) }
func (c *isLeaderCommand) init(args []string) error    { return checkEmpty(args) }

func (c *isLeaderCommand) run(rc *runContext) error {
	leader, err := c.ctx.IsLeader()
	if err != nil {
		return fmt.Errorf("leadership status unknown: %w", err)
	}
	return c.out.write(rc, leader)
}

// validStatus is the set status-set accepts, in Juju's order (the order
// shows in the error message).
var validStatus = []string{"maintenance", "blocked", "waiting", "active"}

// statusSetCommand is status-set.
type statusSetCommand struct {
	ctx         Context
	status      string
	message     string
	application bool
}

func newStatusSet(ctx Context) (command, error) { return &statusSetCommand{ctx: ctx}, nil }

func (c *statusSetCommand) info() info {
	return info{name: "status-set", args: "<maintenance | blocked | waiting | active> [message]", purpose: "Set status information."}
}

func (c *statusSetCommand) setFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.application, "application", false, "set this status for the application to which the unit belongs if the unit is the leader")
}

func (c *statusSetCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("invalid args, require <status> [message]")
	}
	valid := false
	for _, s := range validStatus {
		valid = valid || s == args[0]
	}
	if !valid {
		return fmt.Errorf("invalid status %q, expected one of %v", args[0], validStatus)
	}
	c.status = args[0]
	if len(args) > 1 {
		c.message = args[1]
		return checkEmpty(args[2:])
	}
	return nil
}

func (c *statusSetCommand) run(rc *runContext) error {
	s := StatusInfo{Status: c.status, Info: c.message}
	if c.application {
		return c.ctx.SetApplicationStatus(s)
	}
	return c.ctx.SetUnitStatus(s)
}

// statusGetCommand is status-get.
type statusGetCommand struct {
	ctx         Context
	includeData bool
	application bool
	out         output
}

func newStatusGet(ctx Context) (command, error) { return &statusGetCommand{ctx: ctx}, nil }

func (c *statusGetCommand) info() info {
	return info{name: "status-get", args: "[--include-data] [--application]", purpose: "Print status information."}
}

func (c *statusGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.BoolVar(&c.includeData, "include-data", false, "print all status data")
	f.BoolVar(&c.application, "application", false, "print status for all units of this application if this unit is the leader")
}

func (c *statusGetCommand) init(args []string) error { return checkEmpty(args) }

func statusDetails(s StatusInfo, includeData bool) map[string]any {
	d := map[string]any{"status": s.Status}
	if includeData {
		data := make(map[string]any, len(s.Data))
		for k, v := range s.Data {
			data[k] = v
		}
		d["status-data"] = data
		d["message"] = s.Info
	}
	return d
}

func (c *statusGetCommand) run(rc *runContext) error {
	if c.application {
		st, err := c.ctx.ApplicationStatus()
		if err != nil {
			return fmt.Errorf("finding application status: %w", err)
		}
		if !c.includeData && c.out.Name() == "smart" {
			return c.out.write(rc, st.Application.Status)
		}
		details := statusDetails(st.Application, c.includeData)
		units := make(map[string]any, len(st.Units))
		for _, u := range st.Units {
			units[u.Tag] = statusDetails(u, c.includeData)
		}
		details["units"] = units
		// Juju ignores write errors here; so do we.
		_ = c.out.write(rc, map[string]any{"application-status": details})
		return nil
	}
	st, err := c.ctx.UnitStatus()
	if err != nil {
		return fmt.Errorf("finding workload status: %w", err)
	}
	if !c.includeData && c.out.Name() == "smart" {
		return c.out.write(rc, st.Status)
	}
	_ = c.out.write(rc, statusDetails(st, c.includeData))
	return nil
}

// applicationVersionSetCommand is application-version-set.
type applicationVersionSetCommand struct {
	ctx     Context
	version string
}

func newApplicationVersionSet(ctx Context) (command, error) {
	return &applicationVersionSetCommand{ctx: ctx}, nil
}

func (c *applicationVersionSetCommand) info() info {
	return info{name: "application-version-set", args: "<new-version>", purpose: "Specify which version of the application is deployed."}
}

func (c *applicationVersionSetCommand) setFlags(*gnuflag.FlagSet) {}

func (c *applicationVersionSetCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("no version specified")
	}
	c.version = args[0]
	return checkEmpty(args[1:])
}

func (c *applicationVersionSetCommand) run(*runContext) error {
	return c.ctx.SetUnitWorkloadVersion(c.version)
}

// jujuLogCommand is juju-log.
type jujuLogCommand struct {
	ctx        Context
	message    string
	debug      bool
	level      string
	formatFlag string // deprecated
}

func newJujuLog(ctx Context) (command, error) { return &jujuLogCommand{ctx: ctx}, nil }

func (c *jujuLogCommand) info() info {
	return info{name: "juju-log", args: "<message>", purpose: "Write a message to the juju log."}
}

func (c *jujuLogCommand) setFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.debug, "debug", false, "log at debug level")
	f.StringVar(&c.level, "l", "INFO", "Send log message at the given level")
	f.StringVar(&c.level, "log-level", "INFO", "")
	f.StringVar(&c.formatFlag, "format", "", "deprecated format flag")
}

func (c *jujuLogCommand) init(args []string) error {
	if args == nil {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

// ParseLogLevel maps a juju-log level to loggo's level name, accepting
// what loggo.ParseLevel accepts (any case, WARN for WARNING).
func ParseLogLevel(s string) (string, bool) {
	switch l := strings.ToUpper(s); l {
	case "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL":
		return l, true
	case "WARN":
		return "WARNING", true
	}
	return "", false
}

func (c *jujuLogCommand) run(rc *runContext) error {
	if c.formatFlag != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", "juju-log")
	}
	level := "INFO"
	if c.debug {
		level = "DEBUG"
	} else if c.level != "" {
		l, ok := ParseLogLevel(c.level)
		if !ok {
			if err := c.ctx.Log("WARNING", fmt.Sprintf("Specified log level of %q is not valid", c.level)); err != nil {
				return err
			}
			l = "INFO"
		}
		level = l
	}
	prefix := ""
	if r, err := c.ctx.HookRelation(); err == nil {
		prefix = FakeID(r) + ": "
	} else if !isNotFound(err) {
		return err
	}
	return c.ctx.Log(level, prefix+c.message)
}
