// Package hooktool is a typed client for the Juju 3.6 hook tools
// (config-get, relation-set, secret-add, …). It execs the tools with
// --format=json and decodes their output; it never speaks Juju's private
// RPC. A Runner decides how a tool is run, so tests can answer in-process.
package hooktool

import (
	"context"
	"fmt"
	"strings"
)

// Runner runs one hook tool with its arguments and, when non-nil, stdin,
// and returns its standard output. A tool that exits non-zero yields an
// *Error.
type Runner interface {
	Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error)
}

// Error is a hook tool that exited non-zero. Stderr is what the tool
// printed (Juju prints "ERROR <message>"); the arguments are deliberately
// not kept because they may carry secret content.
type Error struct {
	Tool   string
	Code   int
	Stderr string
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	msg = strings.TrimPrefix(msg, "ERROR ")
	if msg == "" {
		return fmt.Sprintf("%s: exit status %d", e.Tool, e.Code)
	}
	return fmt.Sprintf("%s: %s", e.Tool, msg)
}

// Client calls hook tools through a Runner.
type Client struct {
	runner Runner
}

// New returns a Client that runs tools with r.
func New(r Runner) *Client { return &Client{runner: r} }
