package hooktool

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
)

// ExecRunner runs hook tools as processes found on PATH, which is how Juju
// provides them (symlinks to jujud in the agent's tools directory).
type ExecRunner struct {
	// Env, when non-nil, replaces the child's environment.
	Env []string
}

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	if r.Env != nil {
		cmd.Env = r.Env
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// A cancelled context kills the tool; report the cancellation rather
	// than the resulting "signal: killed" so callers can errors.Is it.
	if err != nil && ctx.Err() != nil {
		return nil, &Error{Tool: tool, Code: -1, Stderr: stderr.String(), Err: ctx.Err()}
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), nil
	case errors.As(err, &exitErr):
		return stdout.Bytes(), &Error{Tool: tool, Code: exitErr.ExitCode(), Stderr: stderr.String()}
	default:
		// Start failures (not on PATH, NUL byte in an argument) carry
		// the binary path but never the arguments.
		return nil, &Error{Tool: tool, Code: -1, Err: err}
	}
}
