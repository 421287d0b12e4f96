package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/juju/charm/v12"
	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"
	"gopkg.in/yaml.v2"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

var (
	validUnitOrLeader = regexp.MustCompile("^(" + names.ApplicationSnippet + ")/(" + names.NumberSnippet + "|leader)$")
	actionNameRule    = charm.GetActionNameRule()
)

// runCommand is `juju run` (cmd/juju/action/run.go and common.go).
type runCommand struct {
	modelFlag
	out         output
	background  bool
	wait        time.Duration
	color       bool
	noColor     bool
	utc         bool
	paramsFile  string
	stringArgs  bool
	args        []string
	unitsGiven  int
	defaultWait time.Duration
}

func (c *runCommand) info() info {
	return info{
		name:    "run",
		args:    "<unit> [<unit> ...] <action-name> [<key>=<value> [<key>[.<key> ...]=<value>]]",
		purpose: "Run an action on a specified unit.",
		doc: `
Runs a charm action on the given unit(s) and waits for it (at most --wait,
default 1m) unless --background. Parameters are key=value pairs (values
parsed as YAML unless --string-args; dotted keys build maps) and/or a
--params YAML file. Units may be given as <application>/leader.

By default the action's results are printed as YAML, followed by its
stdout and stderr; --format yaml|json prints the full task record.`,
		examples: `
    juju-local run kratos-external-idp-integrator/0 get-redirect-uri
    juju-local run hydra/leader create-oauth-client redirect-uris='[https://x/cb]'
    juju-local run postgresql/0 backup --background`,
	}
}

func (c *runCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	c.out.AddFlags(f, "plain", map[string]jujucmd.Formatter{
		"yaml":  jujucmd.FormatYAML,
		"json":  jujucmd.FormatJSON,
		"plain": printPlainOutput,
	})
	f.BoolVar(&c.background, "background", false, "Run the task in the background")
	f.DurationVar(&c.wait, "wait", 0, "Maximum wait time for a task to complete")
	f.BoolVar(&c.noColor, "no-color", false, "Disable ANSI color codes in output")
	f.BoolVar(&c.color, "color", false, "Use ANSI color codes in output")
	f.BoolVar(&c.utc, "utc", false, "Show times in UTC")
	f.StringVar(&c.paramsFile, "params", "", "Path to yaml-formatted params file")
	f.BoolVar(&c.stringArgs, "string-args", false, "Use raw string values of CLI args")
}

func (c *runCommand) init(args []string) error {
	if c.background && c.wait > 0 {
		return errors.New("cannot specify both --wait and --background")
	}
	if !c.background && c.wait == 0 {
		c.wait = c.defaultWait
		if c.wait == 0 {
			c.wait = 60 * time.Second
		}
	}
	apps := map[string]bool{}
	action := ""
	for _, arg := range args {
		if m := validUnitOrLeader.FindStringSubmatch(arg); m != nil {
			apps[m[1]] = true
			c.unitsGiven++
		} else if actionNameRule.MatchString(arg) {
			action = arg
			break
		} else {
			return fmt.Errorf("invalid unit or action name %q", arg)
		}
	}
	if c.unitsGiven == 0 {
		return errors.New("no unit specified")
	}
	if action == "" {
		return errors.New("no action specified")
	}
	if len(apps) > 1 {
		return errors.New("all units must be of the same application")
	}
	for _, arg := range args[c.unitsGiven+1:] {
		key, _, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("argument %q must be of the form key.key.key...=value", arg)
		}
		for _, k := range strings.Split(key, ".") {
			if !actionNameRule.MatchString(k) {
				return fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", k)
			}
		}
	}
	c.args = args
	return nil
}

func (c *runCommand) run(ctx context.Context, a *app) error {
	var params string
	if c.paramsFile != "" {
		data, err := os.ReadFile(absPath(c.paramsFile))
		if err != nil {
			return err
		}
		params = string(data)
	}
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	op, err := b.Run(ctx, api.RunRequest{Model: model, Args: c.args, ParamsYAML: params, StringArgs: c.stringArgs})
	if err != nil {
		return err
	}
	if len(op.Tasks) != c.unitsGiven {
		return errors.New("illegal number of results returned")
	}
	var running []api.Task
	var enqueueErrs []string
	for _, t := range op.Tasks {
		if t.Error != "" {
			enqueueErrs = append(enqueueErrs, t.Error)
			continue
		}
		running = append(running, t)
	}
	n := len(running)
	if !c.background && n > 0 {
		plural := ""
		if n > 1 {
			plural = "s"
		}
		a.infof("Running operation %s with %d task%s", op.ID, n, plural)
	}
	info := map[string]any{}
	var lastID string
	for _, t := range running {
		lastID = t.ID
		if !c.background {
			a.infof("  - task %s on %s", t.ID, t.Receiver)
		}
		info[receiverID(t.Receiver)] = map[string]string{"id": t.ID}
	}
	if !c.background {
		a.infof("")
	}
	if n == 0 {
		a.infof("Operation %s failed to schedule any tasks:\n%s", op.ID, strings.Join(enqueueErrs, "\n"))
		return nil
	}
	if len(enqueueErrs) > 0 {
		a.infof("Some actions could not be scheduled:\n%s\n", strings.Join(enqueueErrs, "\n"))
		a.infof("")
	}
	if c.background {
		if n == 1 {
			a.infof("Scheduled operation %s with task %s", op.ID, lastID)
			a.infof("Check operation status with 'juju-local show-operation %s'", op.ID)
			a.infof("Check task status with 'juju-local show-task %s'", lastID)
		} else {
			a.infof("Scheduled operation %s with %d tasks", op.ID, n)
			_ = jujucmd.FormatYAML(a.stdout, info)
			a.infof("Check operation status with 'juju-local show-operation %s'", op.ID)
			a.infof("Check task status with 'juju-local show-task <id>'")
		}
		return nil
	}
	failed, err := c.waitForTasks(ctx, a, b, model, running, info)
	if err != nil {
		return err
	}
	if len(failed) == 0 {
		return nil
	}
	plural := ""
	if len(failed) > 1 {
		plural = "s"
	}
	var list []string
	for id, code := range failed {
		list = append(list, fmt.Sprintf(" - id %q with return code %d", id, code))
	}
	sort.Strings(list)
	return fmt.Errorf("the following task%s failed:\n%s\n\nuse 'juju-local show-task' to inspect the failure%s\n", plural, strings.Join(list, "\n"), plural)
}

// receiverID is a task receiver's id: "unit-hydra-0" → "hydra/0".
func receiverID(receiver string) string {
	tag, err := names.ParseTag(receiver)
	if err != nil {
		return receiver
	}
	return tag.Id()
}

func (c *runCommand) waitForTasks(ctx context.Context, a *app, b api.Backend, model string, tasks []api.Task, info map[string]any) (map[string]int, error) {
	// One deadline for all the tasks, as Juju's one timer; a negative
	// --wait waits indefinitely (Juju discards the timer's tick).
	deadline := time.Now().Add(c.wait)
	wait := func() time.Duration {
		if c.wait < 0 {
			return -1
		}
		return max(time.Until(deadline), 0) // 0: the state now
	}
	failed := map[string]int{}
	got := map[string]bool{}
	for i, t := range tasks {
		a.infof("Waiting for task %v...\n", t.ID)
		haveLogs := false
		var progress func(api.ActionMessage)
		if len(tasks) == 1 {
			// Juju follows the action's log only when it waits for one task.
			progress = func(m api.ActionMessage) {
				haveLogs = true
				a.infof("%s %s", actionTime(a, c.utc, m.Timestamp, watchTimestampFormat), m.Message)
			}
		}
		res, err := b.WaitTask(ctx, api.WaitTaskRequest{Model: model, ID: t.ID, Wait: wait()}, progress)
		if i == 0 && haveLogs {
			a.infof("\n")
		}
		if err != nil {
			return nil, err
		}
		if unfinished(res.Status) {
			var missing []string
			for _, t := range tasks {
				if !got[t.Receiver] {
					missing = append(missing, names.ReadableString(mustTag(t.Receiver)))
				}
			}
			sort.Strings(missing)
			return nil, fmt.Errorf("timed out waiting for results from: %s", strings.Join(missing, ", "))
		}
		got[t.Receiver] = true
		data, code := formatActionResult(a, c.utc, t.ID, res)
		data["id"] = t.ID
		info[receiverID(t.Receiver)] = data
		if code >= 1 {
			failed[t.ID] = code
		}
	}
	return failed, c.out.write(a, info)
}

func mustTag(s string) names.Tag {
	tag, err := names.ParseTag(s)
	if err != nil {
		return names.NewUnitTag("unknown/0")
	}
	return tag
}

// watchTimestampFormat is how Juju shows an action-log line while it
// waits for the task.
const watchTimestampFormat = "15:04:05"

// actionTime is common.go formatTimestamp: in UTC or local time, with
// layout, or as time.Time's String when layout is "".
func actionTime(a *app, utc bool, t time.Time, layout string) string {
	if utc {
		t = t.UTC()
	} else {
		t = t.In(a.loc)
	}
	if layout == "" {
		return t.String()
	}
	return t.Format(layout)
}

// formatActionResult is common.go formatActionResult: the task record
// --format yaml|json prints, and the return code.
func formatActionResult(a *app, utc bool, id string, r api.TaskResult) (map[string]any, int) {
	resp := map[string]any{"id": id, "status": r.Status}
	if r.Error != "" {
		resp["error"] = r.Error
	}
	if tag, err := names.ParseTag(r.Receiver); err == nil {
		resp[tag.Kind()] = tag.Id()
	}
	if r.Message != "" {
		resp["message"] = r.Message
	}
	out, code := convertActionOutput(r.Output)
	if len(r.Output) != 0 {
		resp["results"] = out
	}
	if len(r.Log) > 0 {
		var logs []string
		for _, m := range r.Log {
			logs = append(logs, actionTime(a, utc, m.Timestamp, "")+" "+m.Message)
		}
		resp["log"] = logs
	}
	if r.Enqueued.IsZero() && r.Started.IsZero() && r.Completed.IsZero() {
		return resp, code
	}
	timing := map[string]string{}
	for k, t := range map[string]time.Time{"enqueued": r.Enqueued, "started": r.Started, "completed": r.Completed} {
		if !t.IsZero() {
			timing[k] = actionTime(a, utc, t, "")
		}
	}
	resp["timing"] = timing
	return resp, code
}

// convertActionOutput is common.go's: stdout/stderr kept when not empty,
// return-code as an int; the code is -1 when there is none.
func convertActionOutput(output map[string]any) (map[string]any, int) {
	if output == nil {
		return nil, -1
	}
	values := output
	if s, ok := output["stdout"].(string); ok && s != "" {
		values["stdout"] = strings.ReplaceAll(s, "\r\n", "\n")
	} else {
		delete(values, "stdout")
	}
	if s, ok := output["stderr"].(string); ok && s != "" {
		values["stderr"] = strings.ReplaceAll(s, "\r\n", "\n")
	} else {
		delete(values, "stderr")
	}
	code := -1
	v, ok := output["return-code"]
	res := ""
	if ok && v != nil {
		res = fmt.Sprintf("%v", v)
	}
	if ok && res != "" {
		if n, err := strconv.Atoi(res); err == nil {
			code = n
			values["return-code"] = n
		}
	} else {
		delete(values, "return-code")
	}
	return values, code
}

var filteredOutputKeys = map[string]bool{"return-code": true, "stdout": true, "stderr": true, "stdout-encoding": true, "stderr-encoding": true}

// printPlainOutput is common.go printPlainOutput without colour: one
// task's results as YAML (then its stdout and stderr), several tasks as
// a YAML map of id/output/status.
func printPlainOutput(w io.Writer, value any) error {
	info, ok := value.(map[string]any)
	if !ok {
		return fmt.Errorf("expected value of type %T, got %T", info, value)
	}
	actionInfo := map[string]map[string]any{}
	var stdout, stderr string
	for k := range info {
		meta, ok := info[k].(map[string]any)
		if !ok {
			return fmt.Errorf("expected value of type %T, got %T", meta, info[k])
		}
		var out string
		if results, ok := meta["results"].(map[string]any); ok {
			cp := map[string]any{}
			for rk, v := range results {
				rk = strings.ToLower(rk)
				if rk == "stdout" && v != "" {
					stdout = fmt.Sprint(v)
				}
				if rk == "stderr" && v != "" {
					stderr = fmt.Sprint(v)
				}
				if !filteredOutputKeys[rk] {
					cp[rk] = v
				}
			}
			if len(cp) > 0 {
				data, err := yaml.Marshal(cp)
				if err == nil {
					out = string(data)
				} else {
					out = fmt.Sprintf("%v", cp)
				}
			}
		} else {
			status, ok := meta["status"].(string)
			if !ok {
				status = "has unknown status"
			}
			out = fmt.Sprintf("Task %v %v\n", meta["id"], status)
		}
		actionInfo[k] = map[string]any{"id": meta["id"], "output": out, "status": meta["status"]}
		if msg, ok := meta["message"]; ok {
			actionInfo[k]["message"] = msg
		}
	}
	if len(actionInfo) > 1 {
		return jujucmd.FormatYAML(w, actionInfo)
	}
	for _, in := range actionInfo {
		if in["status"] == "failed" {
			fmt.Fprintf(w, "Action id %v failed: %v\n", in["id"], in["message"])
		}
		fmt.Fprintf(w, "%v\n", in["output"])
	}
	if stdout != "" {
		fmt.Fprintln(w, strings.Trim(stdout, "\n"))
	}
	if stderr != "" {
		fmt.Fprintln(w, strings.Trim(stderr, "\n"))
	}
	return nil
}
