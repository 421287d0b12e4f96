package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/juju/gnuflag"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// Defaults for where the controller lives. JUJU_LOCAL_SOCKET and
// JUJU_LOCAL_STATE_DIR override them for every command.
const (
	defaultSocket   = "/run/juju-local/api.sock"
	defaultStateDir = "/var/lib/juju-local"
	defaultModel    = "default"
	controllerName  = "local"
	jujuVersion     = "3.6.11"
)

// command is one verb. The life cycle is juju/cmd's: flags are parsed
// (errors exit 2), positional arguments checked by init (errors exit 2),
// then run (errors exit 1, printed as "ERROR <message>").
type command interface {
	info() info
	setFlags(f *gnuflag.FlagSet)
	init(args []string) error
	run(ctx context.Context, a *app) error
}

// info is a verb's help.
type info struct {
	name     string
	args     string
	purpose  string
	doc      string
	examples string
	aliases  []string
}

// errSilent ends a command with exit 1 and no further message: what
// went wrong was already printed (juju/cmd's ErrSilent).
var errSilent = errors.New("cmd: error out silently")

// app is the process's environment, injected so tests run commands
// in-process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// connect returns the controller; by default a client on the socket.
	connect func() (api.Backend, error)
	now     func() time.Time
	// loc is the time zone times are shown in (Juju: local time).
	loc *time.Location
	// pollInterval is how often wait-for and status --watch look again.
	pollInterval time.Duration

	// Daemon hooks (bootstrap, controller, kill-controller).
	newBackend api.NewBackend
	geteuid    func() int
	executable func() (string, error)
	// startDaemon starts `juju-local controller …` detached, its output in
	// logFile, and returns its PID.
	startDaemon func(exe string, args []string, logFile string) (int, error)
	// signal sends sig to pid (kill-controller).
	signal func(pid int, sig os.Signal) error
	// processAlive reports whether pid still exists.
	processAlive func(pid int) bool
}

func (a *app) socketPath() string {
	if s := a.getenv("JUJU_LOCAL_SOCKET"); s != "" {
		return s
	}
	return defaultSocket
}

func (a *app) stateDir() string {
	if s := a.getenv("JUJU_LOCAL_STATE_DIR"); s != "" {
		return s
	}
	return defaultStateDir
}

func (a *app) backend() (api.Backend, error) {
	if a.connect != nil {
		return a.connect()
	}
	return api.Dial(a.socketPath()), nil
}

// infof prints a progress line on stderr, as juju/cmd's ctx.Infof.
func (a *app) infof(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	io.WriteString(a.stderr, msg)
}

// warningf prints as Juju's logger prints warnings on the terminal.
func (a *app) warningf(format string, args ...any) {
	a.infof("WARNING "+format, args...)
}

// commands lists every verb, in help order.
func commands() []func() command {
	return []func() command{
		func() command { return &addModelCommand{} },
		func() command { return &addSecretCommand{} },
		func() command { return &addUnitCommand{} },
		func() command { return &bootstrapCommand{} },
		func() command { return &configCommand{} },
		func() command { return &controllerCommand{} },
		func() command { return &debugLogCommand{} },
		func() command { return &deployCommand{} },
		func() command { return &destroyModelCommand{} },
		func() command { return &grantSecretCommand{} },
		func() command { return &integrateCommand{} },
		func() command { return &killControllerCommand{} },
		func() command { return &modelConfigCommand{} },
		func() command { return &modelsCommand{} },
		func() command { return &refreshCommand{} },
		func() command { return &removeApplicationCommand{} },
		func() command { return &removeRelationCommand{} },
		func() command { return &removeUnitCommand{} },
		func() command { return &resolvedCommand{} },
		func() command { return &runCommand{} },
		func() command { return &secretsCommand{} },
		func() command { return &showTaskCommand{} },
		func() command { return &showUnitCommand{} },
		func() command { return &statusCommand{} },
		func() command { return &waitForCommand{} },
	}
}

// lookup finds a verb by name or alias.
func lookup(name string) (command, string, bool) {
	for _, mk := range commands() {
		c := mk()
		in := c.info()
		if in.name == name {
			return c, "", true
		}
		for _, al := range in.aliases {
			if al == name {
				return c, in.name, true
			}
		}
	}
	return nil, "", false
}

func newFlagSet(name string) *gnuflag.FlagSet {
	f := gnuflag.NewFlagSetWithFlagKnownAs(name, gnuflag.ContinueOnError, "option")
	f.SetOutput(io.Discard)
	return f
}

// Main runs one juju-local invocation and returns the exit code.
func (a *app) Main(ctx context.Context, args []string) int {
	if len(args) == 0 || (len(args) == 1 && (args[0] == "--help" || args[0] == "-h")) {
		a.printTopHelp()
		return 0
	}
	name := args[0]
	if name == "help" {
		return a.help(args[1:])
	}
	if name == "version" || name == "--version" {
		fmt.Fprintln(a.stdout, jujuVersion+"-local")
		return 0
	}
	c, _, ok := lookup(name)
	if !ok {
		writeError(a.stderr, unknownCommand(name))
		return 1
	}
	f := newFlagSet("juju-local " + name)
	c.setFlags(f)
	if err := f.Parse(true, args[1:]); err != nil {
		if errors.Is(err, gnuflag.ErrHelp) {
			a.stdout.Write(commandHelp(c, f))
			return 0
		}
		writeError(a.stderr, err)
		return 2
	}
	if err := c.init(f.Args()); err != nil {
		writeError(a.stderr, err)
		return 2
	}
	if err := c.run(ctx, a); err != nil {
		if !errors.Is(err, errSilent) {
			writeError(a.stderr, err)
		}
		return 1
	}
	return 0
}

// writeError prints err as juju/cmd's WriteError (without colour: the
// ANSI code only goes to terminals).
func writeError(w io.Writer, err error) {
	fmt.Fprintf(w, "ERROR %s\n", err)
}

// unknownCommand is Juju's answer to a verb it does not know: a
// suggestion when one is close (commands/main.go NotFoundCommand),
// otherwise juju/cmd's "unrecognized command".
func unknownCommand(name string) error {
	best, bestDist := "", 3
	for _, mk := range commands() {
		in := mk().info()
		for _, n := range append([]string{in.name}, in.aliases...) {
			if d := levenshtein(name, n); d < bestDist {
				best, bestDist = n, d
			}
		}
	}
	if best != "" {
		return fmt.Errorf("juju-local: %q is not a juju-local command. See \"juju-local --help\".\n\nDid you mean:\n\t%s", name, best)
	}
	return fmt.Errorf("unrecognized command: juju-local %s", name)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (a *app) help(args []string) int {
	if len(args) == 0 {
		a.printTopHelp()
		return 0
	}
	if len(args) > 1 {
		writeError(a.stderr, fmt.Errorf("extra arguments to command help: %q", args[1:]))
		return 2
	}
	c, _, ok := lookup(args[0])
	if !ok {
		writeError(a.stderr, fmt.Errorf("unknown command or topic for %s", args[0]))
		return 1
	}
	f := newFlagSet("juju-local " + args[0])
	c.setFlags(f)
	a.stdout.Write(commandHelp(c, f))
	return 0
}

// commandHelp renders a verb's help as juju/cmd's Info.Help does.
func commandHelp(c command, f *gnuflag.FlagSet) []byte {
	in := c.info()
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: juju-local %s", in.name)
	hasOptions := false
	f.VisitAll(func(*gnuflag.Flag) { hasOptions = true })
	if hasOptions {
		b.WriteString(" [options]")
	}
	if in.args != "" {
		fmt.Fprintf(&b, " %s", in.args)
	}
	b.WriteString("\n")
	if in.purpose != "" {
		fmt.Fprintf(&b, "\nSummary:\n%s\n", strings.TrimSpace(in.purpose))
	}
	if hasOptions {
		b.WriteString("\nOptions:\n")
		f.SetOutput(&b)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	if in.doc != "" {
		fmt.Fprintf(&b, "\nDetails:\n%s\n", strings.TrimSpace(in.doc))
	}
	if len(in.aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases: %s\n", strings.Join(in.aliases, ", "))
	}
	if in.examples != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", strings.Trim(in.examples, "\n"))
	}
	return []byte(b.String())
}

func (a *app) printTopHelp() {
	purposes := map[string]string{}
	for _, mk := range commands() {
		in := mk().info()
		purposes[in.name] = in.purpose
		for _, al := range in.aliases {
			purposes[al] = "Alias for '" + in.name + "'."
		}
	}
	purposes["help"] = "Show help on a command or other topic."
	names := make([]string, 0, len(purposes))
	longest := 0
	for n := range purposes {
		names = append(names, n)
		longest = max(longest, len(n))
	}
	sort.Strings(names)
	fmt.Fprint(a.stdout, `Usage: juju-local [options] <command> ...

Summary:
A local, Juju-faithful controller for this repository's charms.

Details:
juju-local runs charms in local pods (network, mount and cgroup namespaces
per unit, Pebble per container) under a controller daemon started by
"juju-local bootstrap" (as root). Its verbs take Juju 3.6's options and
print what Juju prints. For development, demos and tests only: production
runs on Juju and Kubernetes.

The controller's socket is `+defaultSocket+` (JUJU_LOCAL_SOCKET);
the model is "default" unless -m or JUJU_MODEL says otherwise.

Commands:
`)
	for _, n := range names {
		fmt.Fprintf(a.stdout, "    %-*s - %s\n", longest, n, strings.TrimSpace(purposes[n]))
	}
}

// modelFlag is -m/--model, on every command that works in a model.
type modelFlag struct {
	model string
}

func (m *modelFlag) setModelFlags(f *gnuflag.FlagSet) {
	f.StringVar(&m.model, "m", "", "Model to operate in. Accepts [<controller name>:]<model name>|<model UUID>")
	f.StringVar(&m.model, "model", "", "")
}

// modelName is the -m value without a controller prefix, else
// JUJU_MODEL, else "default".
func (m *modelFlag) modelName(a *app) string {
	name := m.model
	if name == "" {
		name = a.getenv("JUJU_MODEL")
	}
	if name == "" {
		return defaultModel
	}
	if _, model, ok := strings.Cut(name, ":"); ok {
		return model
	}
	return name
}

// checkEmpty is juju/cmd's CheckEmpty.
func checkEmpty(args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("unrecognized args: %q", args)
	}
	return nil
}
