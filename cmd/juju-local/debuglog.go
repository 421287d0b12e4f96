package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"
	"golang.org/x/sys/unix"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// uintFlag is debuglog.go intValue: a uint that knows whether it was set.
type uintFlag struct {
	value *int
	isSet bool
}

func (v *uintFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return fmt.Errorf("invalid value %q for uint flag", s)
	}
	*v.value = int(n)
	v.isSet = true
	return nil
}

func (v *uintFlag) String() string {
	if v == nil || v.value == nil {
		return ""
	}
	return strconv.Itoa(*v.value)
}

// debugLogCommand is `juju debug-log` (cmd/juju/commands/debuglog.go).
type debugLogCommand struct {
	modelFlag
	req      api.DebugLogRequest
	level    string
	utc      bool
	location bool
	date     bool
	ms       bool
	tail     bool
	noTail   bool
	color    bool
	backlog  *uintFlag
	limit    *uintFlag
	retry    bool
	delay    time.Duration
	format   string
}

func (c *debugLogCommand) info() info {
	return info{
		name:    "debug-log",
		purpose: "Displays log messages for a model.",
		doc: `
Shows the model's log: each unit agent's (hook runs, errors) and each
charm's (juju-log) lines, in Juju's format:

    <entity>: <time> <level> <module> <message>

By default the last 10 lines are shown and new ones followed (until
interrupted) when stdout is a terminal; --replay starts from the
beginning, --no-tail stops after the existing lines. --include and
--exclude take units (hydra/0), applications (hydra) or entity tags
(unit-hydra-0, with * wildcards).`,
		examples: `
    juju-local debug-log --replay --no-tail
    juju-local debug-log --include hydra --level WARNING
    juju-local debug-log -n 100 --include-module unit`,
	}
}

func (c *debugLogCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.Var(appendStrings{&c.req.IncludeEntity}, "i", "Only show log messages for these entities")
	f.Var(appendStrings{&c.req.IncludeEntity}, "include", "Only show log messages for these entities")
	f.Var(appendStrings{&c.req.ExcludeEntity}, "x", "Do not show log messages for these entities")
	f.Var(appendStrings{&c.req.ExcludeEntity}, "exclude", "Do not show log messages for these entities")
	f.Var(appendStrings{&c.req.IncludeModule}, "include-module", "Only show log messages for these logging modules")
	f.Var(appendStrings{&c.req.ExcludeModule}, "exclude-module", "Do not show log messages for these logging modules")
	f.Var(appendStrings{&c.req.IncludeLabel}, "include-label", "Only show log messages for these logging labels")
	f.Var(appendStrings{&c.req.ExcludeLabel}, "exclude-label", "Do not show log messages for these logging labels")
	f.StringVar(&c.level, "l", "", "Log level to show, one of [TRACE, DEBUG, INFO, WARNING, ERROR]")
	f.StringVar(&c.level, "level", "", "")
	c.backlog = &uintFlag{value: &c.req.Backlog}
	f.Var(c.backlog, "n", "Show this many of the most recent lines and continue to append new ones")
	f.Var(c.backlog, "lines", "")
	c.limit = &uintFlag{value: &c.req.Limit}
	f.Var(c.limit, "limit", "Show this many of the most recent logs and then exit")
	f.BoolVar(&c.req.Replay, "replay", false, "Show the entire log and continue to append new ones")
	f.BoolVar(&c.noTail, "no-tail", false, "Show existing log messages and then exit")
	f.BoolVar(&c.tail, "tail", false, "Show existing log messages and continue to append new ones")
	f.BoolVar(&c.color, "color", false, "Force use of ANSI color codes")
	f.BoolVar(&c.utc, "utc", false, "Show times in UTC")
	f.BoolVar(&c.location, "location", false, "Show filename and line numbers")
	f.BoolVar(&c.date, "date", false, "Show dates as well as times")
	f.BoolVar(&c.ms, "ms", false, "Show times to millisecond precision")
	f.BoolVar(&c.retry, "retry", false, "Retry connection on failure")
	f.DurationVar(&c.delay, "retry-delay", time.Second, "Retry delay between connection failure retries")
}

var logLevels = []string{"TRACE", "DEBUG", "INFO", "WARNING", "ERROR"}

func (c *debugLogCommand) init(args []string) error {
	if c.level != "" {
		lvl := strings.ToUpper(c.level)
		if lvl == "WARN" {
			lvl = "WARNING"
		}
		if !slices.Contains(logLevels, lvl) {
			return fmt.Errorf("level value %q is not one of %q, %q, %q, %q, %q", c.level, "TRACE", "DEBUG", "INFO", "WARNING", "ERROR")
		}
		c.req.Level = lvl
	}
	switch {
	case c.tail && c.noTail:
		return errors.New("setting --tail and --no-tail not valid")
	case c.noTail && c.retry:
		return errors.New("setting --no-tail and --retry not valid")
	case c.noTail && c.backlog.isSet:
		return errors.New("setting --no-tail and --lines not valid")
	case c.tail && c.limit.isSet:
		return errors.New("setting --tail and --limit not valid")
	case c.limit.isSet && c.backlog.isSet:
		return errors.New("setting --limit and --lines not valid")
	case c.req.Replay && c.backlog.isSet:
		return errors.New("setting --replay and --lines not valid")
	case c.delay < 0:
		return errors.New("negative retry delay not valid")
	}
	if c.limit.isSet {
		c.noTail = true
	}
	if c.backlog.isSet {
		c.tail = true
	}
	if !c.backlog.isSet && !c.limit.isSet && !c.req.Replay {
		c.req.Backlog = 10
	}
	c.format = "15:04:05"
	if c.date {
		c.format = "2006-01-02 15:04:05"
	}
	if c.ms {
		c.format += ".000"
	}
	c.req.IncludeEntity = parseEntities(c.req.IncludeEntity)
	c.req.ExcludeEntity = parseEntities(c.req.ExcludeEntity)
	return checkEmpty(args)
}

// parseEntities is debugLogCommand.parseEntity: unit names and
// applications become tags and tag patterns.
func parseEntities(entities []string) []string {
	if len(entities) == 0 {
		return nil
	}
	out := make([]string, len(entities))
	for i, e := range entities {
		tag, err := names.ParseTag(e)
		switch {
		case strings.Contains(e, "*"):
			out[i] = e
		case err == nil && (tag.Kind() == names.ApplicationTagKind || tag.Kind() == names.MachineTagKind || tag.Kind() == names.UnitTagKind):
			out[i] = tag.String()
		case names.IsValidMachine(e):
			out[i] = names.NewMachineTag(e).String()
		case names.IsValidUnit(e):
			out[i] = names.NewUnitTag(e).String()
		case names.IsValidApplication(e):
			out[i] = names.UnitTagKind + "-" + e + "-*"
		default:
			out[i] = e
		}
	}
	return out
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func (c *debugLogCommand) run(ctx context.Context, a *app) error {
	switch {
	case c.tail:
		c.req.NoTail = false
	case c.noTail:
		c.req.NoTail = true
	default:
		c.req.NoTail = !isTerminal(a.stdout)
	}
	c.req.Model = c.modelName(a)
	b, err := a.backend()
	if err != nil {
		return err
	}
	for {
		err := b.DebugLog(ctx, c.req, func(r api.LogRecord) error {
			return c.write(a, r)
		})
		var nr *api.NotRunningError
		if err == nil || !c.retry || !errors.As(err, &nr) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.delay):
		}
	}
}

// write is writeLogRecord without colour.
func (c *debugLogCommand) write(a *app, r api.LogRecord) error {
	t := r.Timestamp.In(a.loc)
	if c.utc {
		t = r.Timestamp.UTC()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s %s ", r.Entity, t.Format(c.format), r.Severity, r.Module)
	if c.location {
		fmt.Fprintf(&b, "%s ", r.Location)
	}
	if len(r.Labels) > 0 {
		fmt.Fprintf(&b, "%v ", strings.Join(r.Labels, ","))
	}
	b.WriteString(r.Message)
	b.WriteByte('\n')
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}
