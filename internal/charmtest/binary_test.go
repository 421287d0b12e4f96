package charmtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	binarycharm "github.com/identity-platform-go/charms/internal/charmtest/testdata/binarycharm/writer"
)

// buildDispatch builds the testdata charm's dispatch into dir.
func buildDispatch(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "dispatch")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/binarycharm")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// withoutSecretIDs blanks what differs between two runs by chance: the
// IDs the model gives new secrets.
func withoutSecretIDs(out Output) Output {
	out.State.Secrets = slices.Clone(out.State.Secrets)
	for i := range out.State.Secrets {
		out.State.Secrets[i].ID = ""
	}
	return out
}

// TestRunBinary runs the same charm in-process (Run) and as a compiled
// dispatch binary (RunBinary): the outputs must match, apart from what
// only a real process does.
func TestRunBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds binaries")
	}
	// Subtests share the binary; the parent's TempDir outlives them.
	dispatch := buildDispatch(t, t.TempDir())
	ctx := &Context{Charm: binarycharm.Charm{}, Meta: testMeta()}

	t.Run("hooks", func(t *testing.T) {
		t.Parallel()
		for _, dev := range []bool{false, true} {
			in := testState()
			in.Config = map[string]any{"dev": dev}
			ev := RelationEvent(charm.RelationChanged, in.Relations[0], 10)
			want := ctx.Run(t, ev, in)
			got := ctx.RunBinary(t, dispatch, ev, in)

			if !dev {
				if got.Err != nil {
					t.Fatalf("RunBinary: %v", got.Err)
				}
				st := got.State
				if st.Relations[0].LocalUnitData["big"] != binarycharm.Big || st.Stored["cert"] != binarycharm.PEM || len(st.Secrets) != 1 {
					t.Errorf("buffered changes (sent on stdin) not committed")
				}
			} else {
				var exit *ExitError
				if !errors.As(got.Err, &exit) || exit.Code != 1 || got.Err.Error() != "dispatch exited with status 1: boom" {
					t.Fatalf("Err = %v, want exit status 1 with boom", got.Err)
				}
				if want.Err == nil {
					t.Fatal("Run did not fail")
				}
				// charm.Main logs the error before exiting (juju-log
				// prefixes the hook's relation); in-process Dispatch just
				// returns it.
				want.Logs = append(want.Logs, "ERROR db:1: boom")
				if got.State.Stored != nil || got.State.Secrets != nil || got.State.Relations[0].LocalUnitData["url"] != "" {
					t.Errorf("buffered changes committed by a failed dispatch: %+v", got.State)
				}
			}
			got.Err, want.Err = nil, nil
			if g, w := withoutSecretIDs(got), withoutSecretIDs(want); !reflect.DeepEqual(g, w) {
				t.Errorf("dev=%v: RunBinary and Run differ:\n got %+v\nwant %+v", dev, g, w)
			}
		}
	})

	t.Run("actions", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name       string
			wantFailed bool
			wantMsg    string
			wantErr    string
		}{
			{name: "alice"},
			{name: "refused", wantFailed: true, wantMsg: "refused by policy"},
			{name: "crash", wantFailed: true, wantMsg: "exit status 1", wantErr: "dispatch exited with status 1: crashed"},
		} {
			params := map[string]any{"name": tc.name}
			want := ctx.RunAction(t, "create-client", params, testState())
			got := ctx.RunBinaryAction(t, dispatch, "create-client", params, testState())
			if (got.Err == nil) != (tc.wantErr == "") || (got.Err != nil && got.Err.Error() != tc.wantErr) {
				t.Errorf("%s: Err = %v, want %q", tc.name, got.Err, tc.wantErr)
			}
			if got.ActionFailed != tc.wantFailed || got.ActionMessage != tc.wantMsg {
				t.Errorf("%s: failed=%v message=%q, want %v %q", tc.name, got.ActionFailed, got.ActionMessage, tc.wantFailed, tc.wantMsg)
			}
			if tc.wantErr != "" {
				want.Logs = append(want.Logs, "ERROR crashed")
			}
			got.Err, want.Err = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: RunBinaryAction and RunAction differ:\n got %+v\nwant %+v", tc.name, got, want)
			}
		}
	})

	t.Run("refused action does not run", func(t *testing.T) {
		t.Parallel()
		out := ctx.RunBinaryAction(t, dispatch, "no-such-action", nil, testState())
		if out.Err == nil || !strings.Contains(out.Err.Error(), "no-such-action") {
			t.Errorf("Err = %v", out.Err)
		}
	})
}

func TestRunBinaryRefusesWhatItCannotRun(t *testing.T) {
	t.Parallel()
	ctx := &Context{Charm: binarycharm.Charm{}, Meta: testMeta()}
	withContainer := testState()
	withContainer.Containers = []Container{{Name: "hydra", CanConnect: true}}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  func(tb testing.TB)
		want string
	}{
		{"containers", func(tb testing.TB) { ctx.RunBinary(tb, self, Hook(charm.ConfigChanged), withContainer) }, "does not support containers"},
		{"action as a hook", func(tb testing.TB) {
			ctx.RunBinary(tb, self, charm.Event{Kind: charm.Action, ActionName: "create-client"}, testState())
		}, "use RunBinaryAction"},
		{"no binary", func(tb testing.TB) { ctx.RunBinary(tb, t.TempDir(), Hook(charm.ConfigChanged), testState()) }, "is not an executable dispatch binary"},
	} {
		if msg := fatalOf(t, tc.run); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: fatal %q, want it to mention %q", tc.name, msg, tc.want)
		}
	}
}

func TestExitErrorMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stderr, want string
	}{
		{"", "dispatch exited with status 3"},
		{"panic: oops\n", "dispatch exited with status 3"},
		{"ERROR first\nnoise\nERROR last\n", "dispatch exited with status 3: last"},
	} {
		if got := (&ExitError{Code: 3, Stderr: tc.stderr}).Error(); got != tc.want {
			t.Errorf("stderr %q: %q, want %q", tc.stderr, got, tc.want)
		}
	}
}
