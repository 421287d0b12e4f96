package charmpack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// BuildOptions says which main package to compile and where to put it.
type BuildOptions struct {
	// Package is the main package, as given to `go build`, e.g.
	// "./charms/kratos-external-idp-integrator".
	Package string
	// Output is the path of the binary to write (usually <tmp>/dispatch).
	Output string
	// Dir is the working directory for the go command (the module root
	// when Package is relative). Empty means the current directory.
	Dir string
	// GOARCH is the target architecture; empty means amd64. The target OS
	// is always linux: that is where Juju runs the charm.
	GOARCH string
	// GoCommand is the go binary; empty means "go" from PATH.
	GoCommand string
}

// maxStderr bounds how much compiler output goes into an error; the tail
// holds the actual failure.
const maxStderr = 4 << 10

// Build compiles a charm's main package into a static, stripped Linux
// binary: CGO_ENABLED=0 go build -trimpath -ldflags="-s -w". Static
// linking matters because the charm container's base image is not the
// build host; -trimpath keeps builds reproducible across checkouts.
func Build(ctx context.Context, opts BuildOptions) error {
	if opts.Package == "" || opts.Output == "" {
		return fmt.Errorf("build: package and output are required")
	}
	goCmd := opts.GoCommand
	if goCmd == "" {
		goCmd = "go"
	}
	arch := opts.GOARCH
	if arch == "" {
		arch = "amd64"
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", opts.Output, opts.Package)
	cmd.Dir = opts.Dir
	// Later entries win in exec's environment handling, so these override
	// whatever the caller's shell exported.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		out := strings.TrimSpace(stderr.String())
		if len(out) > maxStderr {
			out = "…" + out[len(out)-maxStderr:]
		}
		if out != "" {
			return fmt.Errorf("go build %s: %w\n%s", opts.Package, err, out)
		}
		return fmt.Errorf("go build %s: %w", opts.Package, err)
	}
	return nil
}
