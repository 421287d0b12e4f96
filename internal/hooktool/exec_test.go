package hooktool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorFormatting(t *testing.T) {
	t.Parallel()
	cause := errors.New(`exec: "config-get": executable file not found in $PATH`)
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"juju error line", &Error{Tool: "relation-get", Code: 1, Stderr: "ERROR permission denied\n"}, "relation-get: permission denied"},
		{"usage error", &Error{Tool: "status-set", Code: 2, Stderr: "ERROR invalid status \"x\", expected one of [maintenance blocked waiting active]\n"}, `status-set: invalid status "x", expected one of [maintenance blocked waiting active]`},
		{"no stderr", &Error{Tool: "is-leader", Code: 3}, "is-leader: exit status 3"},
		{"could not run", &Error{Tool: "config-get", Code: -1, Err: cause}, "config-get: " + cause.Error()},
		{"stderr wins over cause", &Error{Tool: "x", Code: -1, Stderr: "partial", Err: context.Canceled}, "x: partial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			if tc.err.Err != nil && !errors.Is(tc.err, tc.err.Err) {
				t.Errorf("errors.Is does not reach Err")
			}
		})
	}
}

// fakeTool writes a shell script standing in for a hook tool: it echoes
// its arguments and stdin, and fails with Juju-style stderr when its first
// argument is "fail".
func fakeTool(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-tool")
	script := `#!/bin/sh
if [ "$1" = "fail" ]; then
  echo "ERROR it broke" >&2
  exit 3
fi
printf '%s|' "$@"
printf 'env=%s|' "$HOOKTOOL_TEST"
cat
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExecRunner(t *testing.T) {
	t.Parallel()
	tool := fakeTool(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		runner   ExecRunner
		tool     string
		args     []string
		stdin    []byte
		want     string
		wantCode int
		wantErr  string
		wantIs   error
	}{
		{name: "stdout, args and stdin", ctx: context.Background(), runner: ExecRunner{Env: []string{"HOOKTOOL_TEST=yes"}},
			tool: tool, args: []string{"--format=json", "--", "-a b"}, stdin: []byte("in"), want: "--format=json|--|-a b|env=yes|in"},
		{name: "no stdin", ctx: context.Background(), tool: tool, args: []string{"x"}, want: "x|env=|"},
		{name: "exit code and stderr", ctx: context.Background(), tool: tool, args: []string{"fail", "s3cret"}, wantCode: 3, wantErr: "fake-tool: it broke"},
		{name: "missing tool", ctx: context.Background(), tool: filepath.Join(t.TempDir(), "nope"), args: []string{"s3cret"}, wantCode: -1, wantErr: "no such file"},
		{name: "cancelled context", ctx: canceled, tool: tool, args: []string{"s3cret"}, wantCode: -1, wantIs: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := tc.runner.Run(tc.ctx, tc.tool, tc.args, tc.stdin)
			if tc.wantErr == "" && tc.wantIs == nil {
				if err != nil || string(out) != tc.want {
					t.Fatalf("Run = %q, %v; want %q", out, err, tc.want)
				}
				return
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			if te.Code != tc.wantCode || te.Tool != tc.tool {
				t.Errorf("Error = %+v, want code %d", te, tc.wantCode)
			}
			if tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Error() = %q, want %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantIs)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("argument leaked into error: %q", err)
			}
		})
	}
}
