package jujuc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/juju/gnuflag"
)

// command is one hook tool. The life cycle is juju/cmd's: flags are
// declared, parsed (errors exit 2), positional arguments checked by init
// (errors exit 2), then run (errors exit 1).
type command interface {
	info() info
	setFlags(f *gnuflag.FlagSet)
	init(args []string) error
	run(rc *runContext) error
}

// info is the usage documentation of a tool.
type info struct {
	name    string
	args    string
	purpose string
}

// runContext is what a running tool reads and writes.
type runContext struct {
	root   string
	dir    string
	stdin  []byte
	stdout *bytes.Buffer
	stderr *bytes.Buffer
}

// path resolves p as juju/cmd's Context.AbsPath does: "~/" is the home
// directory, relative paths are relative to the hook's directory.
func (rc *runContext) path(p string) string {
	return rootPath(rc.root, resolvePath(rc.dir, p))
}

// FileRooter is implemented by a Context whose hook sees another
// filesystem than this process — a hook running in a container while the
// tools are served from the host. The files the tools read and write
// (--file, -o, key#file=) are then looked up under FileRoot(), such as
// /proc/<pid>/root of the calling tool process, so that the tools see
// the hook's files exactly as Juju's tools, which run beside the hook, do.
type FileRooter interface{ FileRoot() string }

func fileRoot(ctx Context) string {
	if r, ok := ctx.(FileRooter); ok {
		return r.FileRoot()
	}
	return ""
}

// rootPath puts an absolute path under root.
func rootPath(root, p string) string {
	if root == "" {
		return p
	}
	return filepath.Join(root, p)
}

func resolvePath(dir, p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

type creator func(Context) (command, error)

// tools maps tool names to constructors. It is immutable after init.
var tools = map[string]creator{
	"action-fail":             newActionFail,
	"action-get":              newActionGet,
	"action-log":              newActionLog,
	"action-set":              newActionSet,
	"application-version-set": newApplicationVersionSet,
	"close-port":              newClosePort,
	"config-get":              newConfigGet,
	"goal-state":              newGoalState,
	"is-leader":               newIsLeader,
	"juju-log":                newJujuLog,
	"network-get":             newNetworkGet,
	"open-port":               newOpenPort,
	"opened-ports":            newOpenedPorts,
	"relation-get":            newRelationGet,
	"relation-ids":            newRelationIDs,
	"relation-list":           newRelationList,
	"relation-set":            newRelationSet,
	"secret-add":              newSecretAdd,
	"secret-get":              newSecretGet,
	"secret-grant":            newSecretGrant,
	"secret-ids":              newSecretIDs,
	"secret-info-get":         newSecretInfoGet,
	"secret-remove":           newSecretRemove,
	"secret-revoke":           newSecretRevoke,
	"secret-set":              newSecretSet,
	"state-delete":            newStateDelete,
	"state-get":               newStateGet,
	"state-set":               newStateSet,
	"status-get":              newStatusGet,
	"status-set":              newStatusSet,
}

// Names lists the tools Run implements, sorted.
func Names() []string {
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ExitUnknownTool is the exit code for a tool this package does not
// implement: what a shell reports for a command that is not on PATH.
const ExitUnknownTool = 127

// Run runs one hook tool against ctx as Juju's jujuc server would and
// returns what the tool wrote and its exit code: 0 on success, 2 for
// flag and argument errors, 1 when the tool failed. Error messages are
// written to stderr as "ERROR <message>\n". stdin is what `--file -`
// reads; nil reads as empty.
func Run(ctx Context, tool string, args []string, stdin []byte) (stdout, stderr []byte, code int) {
	newCmd, ok := tools[tool]
	if !ok {
		return nil, []byte(fmt.Sprintf("ERROR unknown command: %s\n", tool)), ExitUnknownTool
	}
	c, err := newCmd(ctx)
	if err != nil {
		return nil, []byte(fmt.Sprintf("ERROR %s\n", err)), 1
	}
	rc := &runContext{root: fileRoot(ctx), dir: ctx.Dir(), stdin: stdin, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	code = runCommand(c, rc, args)
	return rc.stdout.Bytes(), rc.stderr.Bytes(), code
}

// helpFlag catches -h/--help. Declaring it ourselves keeps gnuflag from
// taking its own --help path, which rewrites a package variable and so
// is not safe for parallel use; the effect on the caller is the same:
// parsing stops, usage goes to stdout and the exit code is 0.
type helpFlag struct{ requested bool }

var errHelp = errors.New("help requested")

func (h *helpFlag) IsBoolFlag() bool { return true }
func (h *helpFlag) String() string   { return "false" }
func (h *helpFlag) Set(string) error {
	h.requested = true
	return errHelp
}

func runCommand(c command, rc *runContext, args []string) int {
	i := c.info()
	f := gnuflag.NewFlagSetWithFlagKnownAs(i.name, gnuflag.ContinueOnError, "option")
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	c.setFlags(f)
	help := &helpFlag{}
	f.Var(help, "h", "Show help on a command or other topic.")
	f.Var(help, "help", "")
	if err := f.Parse(true, args); err != nil {
		if help.requested {
			rc.stdout.Write(usage(i, f))
			return 0
		}
		writeError(rc.stderr, err)
		return 2
	}
	if err := c.init(f.Args()); err != nil {
		writeError(rc.stderr, err)
		return 2
	}
	if err := c.run(rc); err != nil {
		writeError(rc.stderr, err)
		return 1
	}
	return 0
}

func writeError(w io.Writer, err error) {
	fmt.Fprintf(w, "ERROR %s\n", err)
}

func usage(i info, f *gnuflag.FlagSet) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Usage: %s [options]", i.name)
	if i.args != "" {
		fmt.Fprintf(&b, " %s", i.args)
	}
	fmt.Fprintf(&b, "\n\nSummary:\n%s\n\nOptions:\n", i.purpose)
	f.SetOutput(&b)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
	return b.Bytes()
}

// checkEmpty is juju/cmd's CheckEmpty.
func checkEmpty(args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("unrecognized args: %q", args)
	}
	return nil
}
