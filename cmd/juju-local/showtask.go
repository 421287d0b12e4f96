package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// defaultTaskWait is show-task's --wait default: do not wait.
const defaultTaskWait = -1 * time.Second

// showTaskCommand is `juju show-task` (cmd/juju/action/showtask.go).
type showTaskCommand struct {
	modelFlag
	out   output
	id    string
	wait  time.Duration
	watch bool
	utc   bool
}

func (c *showTaskCommand) info() info {
	return info{
		name:    "show-task",
		args:    "<task ID>",
		purpose: "Show results of a task by ID.",
		doc: `
Show the results returned by a task with the given ID.
To block until the result is known completed or failed, use
the --wait option with a duration, as in --wait 5s or --wait 1h.
Use --watch to wait indefinitely.

The default behavior without --wait or --watch is to immediately check and return;
if the results are pending, then only the available information will be
displayed.  This is also the behavior when any negative time is given.`,
		examples: `
    juju-local show-task 1
    juju-local show-task 1 --wait=2m
    juju-local show-task 1 --watch`,
	}
}

func (c *showTaskCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	c.out.AddFlags(f, "plain", map[string]jujucmd.Formatter{
		"yaml":  jujucmd.FormatYAML,
		"json":  jujucmd.FormatJSON,
		"plain": printPlainOutput,
	})
	f.DurationVar(&c.wait, "wait", defaultTaskWait, "Maximum wait time for a task to complete")
	f.BoolVar(&c.watch, "watch", false, "Wait indefinitely for results")
	f.BoolVar(&c.utc, "utc", false, "Show times in UTC")
}

func (c *showTaskCommand) init(args []string) error {
	if c.watch {
		if c.wait != defaultTaskWait {
			return errors.New("specify either --watch or --wait but not both")
		}
		c.wait = 0 // Juju: 0 is an indefinite wait
	}
	switch len(args) {
	case 0:
		return errors.New("no task ID specified")
	case 1:
		if !names.IsValidAction(args[0]) {
			return fmt.Errorf("task ID %q not valid", args[0])
		}
		c.id = args[0]
		return nil
	default:
		return checkEmpty(args[1:])
	}
}

// run is showtask.go Run: the task's state now; with --wait or --watch,
// if it is still pending or running, its action log on stderr while
// waiting for it to end, then its state.
func (c *showTaskCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	deadline := time.Now().Add(c.wait)
	res, err := b.WaitTask(ctx, api.WaitTaskRequest{Model: model, ID: c.id}, nil)
	if err != nil {
		return err
	}
	if c.wait >= 0 && unfinished(res.Status) {
		wait := time.Duration(-1) // --watch
		if c.wait > 0 {
			wait = max(time.Until(deadline), 0)
		}
		haveLogs := false
		res, err = b.WaitTask(ctx, api.WaitTaskRequest{Model: model, ID: c.id, Wait: wait}, func(m api.ActionMessage) {
			haveLogs = true
			fmt.Fprintf(a.stderr, "%s %s\n", actionTime(a, c.utc, m.Timestamp, watchTimestampFormat), m.Message)
		})
		if haveLogs {
			fmt.Fprintln(a.stderr)
		}
		if err != nil {
			return err
		}
		if unfinished(res.Status) {
			return errors.New("maximum wait time reached")
		}
	}
	formatted, _ := formatActionResult(a, c.utc, c.id, res)
	if c.out.Name() != "plain" {
		return c.out.write(a, formatted)
	}
	return c.out.write(a, map[string]any{c.id: formatted})
}

// unfinished reports whether a task may still change (Juju's
// ActionPending and ActionRunning).
func unfinished(status string) bool { return status == "pending" || status == "running" }
