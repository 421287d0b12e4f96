package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/canonical/pebble/client"
)

// ExecRequest is a command to run in the container.
type ExecRequest struct {
	// Command is the argv; Command[0] is looked up on the container's PATH.
	Command []string
	// Environment is added to Pebble's environment. Values may be secret:
	// they never appear in errors.
	Environment map[string]string
	WorkingDir  string
	User, Group string
	// Timeout kills the command when it runs longer; zero means no limit
	// other than ctx's deadline.
	Timeout time.Duration
	Stdin   []byte
}

// ExecResult is what a finished command produced.
type ExecResult struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// Exec runs the command and waits for it. A non-zero exit is reported in
// ExitCode, not as an error; the error is for commands that could not be
// started (missing executable, unknown user), timed out, or whose outcome
// was lost. Errors name only the executable, since arguments may be
// secret.
func (c *Container) Exec(ctx context.Context, req ExecRequest) (ExecResult, error) {
	if err := c.check(ctx); err != nil {
		return ExecResult{}, err
	}
	if len(req.Command) == 0 {
		return ExecResult{}, c.wrap("exec", errors.New("empty command"))
	}
	op := fmt.Sprintf("exec %q", req.Command[0])
	timeout := req.Timeout
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left <= 0 {
			return ExecResult{}, c.wrap(op, context.DeadlineExceeded)
		}
		if timeout == 0 || left < timeout {
			// Pebble kills the command at the deadline; Wait cannot be
			// interrupted otherwise.
			timeout = left
		}
	}
	var stdout, stderr bytes.Buffer
	proc, err := c.api.Exec(&client.ExecOptions{
		Command:     req.Command,
		Environment: req.Environment,
		WorkingDir:  req.WorkingDir,
		User:        req.User,
		Group:       req.Group,
		Timeout:     timeout,
		Stdin:       bytes.NewReader(req.Stdin),
		Stdout:      &stdout,
		Stderr:      &stderr,
	})
	if err != nil {
		return ExecResult{}, c.wrap(op, err)
	}
	code, err := proc.Wait()
	if err != nil {
		return ExecResult{}, c.wrap(op, err)
	}
	return ExecResult{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), ExitCode: code}, nil
}
