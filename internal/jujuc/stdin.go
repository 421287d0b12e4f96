package jujuc

import (
	"io"

	"github.com/juju/gnuflag"
)

// stdinReader is implemented by the tools whose --file flag accepts "-"
// for standard input (juju/cmd's FileVar with SetStdin): relation-set
// and state-set. secret-add/secret-set read --file from disk only.
type stdinReader interface {
	stdinFile() *fileFlag
}

func (c *relationSetCommand) stdinFile() *fileFlag { return &c.file }
func (c *stateSetCommand) stdinFile() *fileFlag    { return &c.file }

// NeedsStdin reports whether running tool with args against ctx would
// read standard input. Juju's jujuc server finds out by running the tool
// without stdin and answering ErrNoStdin when it tries to read; a
// transport that must ask its client for stdin before running (see
// internal/jujuc/rpc) asks here instead. The answer is computed the way
// Run gets there: the flags are parsed and the positional arguments
// checked, so a call that fails before reading (bad flag, no relation
// id) needs no stdin. Only reads of ctx happen.
func NeedsStdin(ctx Context, tool string, args []string) bool {
	newCmd, ok := tools[tool]
	if !ok {
		return false
	}
	c, err := newCmd(ctx)
	if err != nil {
		return false
	}
	sr, ok := c.(stdinReader)
	if !ok {
		return false
	}
	f := gnuflag.NewFlagSetWithFlagKnownAs(c.info().name, gnuflag.ContinueOnError, "option")
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	c.setFlags(f)
	help := &helpFlag{}
	f.Var(help, "h", "")
	f.Var(help, "help", "")
	if err := f.Parse(true, args); err != nil {
		return false
	}
	if err := c.init(f.Args()); err != nil {
		return false
	}
	return sr.stdinFile().path == "-"
}
