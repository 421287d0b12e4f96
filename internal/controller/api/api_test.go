package api_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/api/apitest"
)

// serve starts a server for b on a fresh socket and returns a client.
func serve(t *testing.T, b api.Backend) (*api.Client, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "ctl", "api.sock")
	l, err := api.Listen(sock, -1)
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(b, api.ControllerInfo{Name: "local", PID: 42})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	c := api.Dial(sock)
	t.Cleanup(func() {
		c.Close()
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return c, sock
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	since := time.Date(2025, 10, 15, 12, 0, 0, 0, time.UTC)
	wantStatus := api.Status{
		Model: api.ModelStatus{Name: "default", Type: "caas", Controller: "local", Cloud: "local", Version: "3.6.11",
			Status: api.DetailedStatus{Status: "available", Since: since}},
		ControllerTimestamp: since,
		Applications: map[string]api.ApplicationStatus{
			"hydra": {Charm: "local:hydra-0", Scale: 1, Base: api.Base{Name: "ubuntu", Channel: "22.04"},
				Relations: map[string][]string{"pg-database": {"postgresql"}},
				Units: map[string]api.UnitStatus{"hydra/0": {
					AgentStatus:    api.DetailedStatus{Status: "idle", Since: since},
					WorkloadStatus: api.DetailedStatus{Status: "active", Since: since},
					Leader:         true, Address: "10.1.0.5", OpenedPorts: []string{"4444/tcp"},
				}},
				Status: api.DetailedStatus{Status: "active"}},
		},
		Relations: []api.RelationStatus{{ID: 1, Key: "hydra:pg-database postgresql:database", Interface: "postgresql_client",
			Scope: "global", Endpoints: []api.EndpointStatus{{ApplicationName: "hydra", Name: "pg-database", Role: "requirer"}},
			Status: api.DetailedStatus{Status: "joined"}}},
	}
	f := &apitest.Fake{
		StatusFunc: func(_ context.Context, req api.StatusRequest) (api.Status, error) {
			if req.Model != "default" {
				return api.Status{}, api.Errorf(api.CodeNotFoundModel, "model %q not found", req.Model)
			}
			return wantStatus, nil
		},
		DeployFunc: func(_ context.Context, req api.DeployRequest, progress func(string)) (api.DeployResult, error) {
			progress(`Located local charm "hydra", revision 0`)
			progress("Executing changes:")
			return api.DeployResult{Applications: []string{"hydra"}}, nil
		},
		WaitTaskFunc: func(_ context.Context, req api.WaitTaskRequest, progress func(api.ActionMessage)) (api.TaskResult, error) {
			progress(api.ActionMessage{Timestamp: since, Message: "working"})
			return api.TaskResult{ID: req.ID, Status: "completed", Output: map[string]any{"return-code": 0.0, "uri": "x"}}, nil
		},
		SetConfigFunc: func(context.Context, api.SetConfigRequest) error {
			return errors.New(`parsing settings for application: unknown option "nope"`)
		},
	}
	c, _ := serve(t, f)
	ctx := context.Background()

	got, err := c.Status(ctx, api.StatusRequest{Model: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantStatus) {
		t.Errorf("Status over the wire:\n got %+v\nwant %+v", got, wantStatus)
	}

	_, err = c.Status(ctx, api.StatusRequest{Model: "nope"})
	if !errors.Is(err, api.ErrModelNotFound) || err.Error() != `model "nope" not found` {
		t.Errorf("Status(nope) error = %v (code kept: %v)", err, errors.Is(err, api.ErrModelNotFound))
	}

	var lines []string
	res, err := c.Deploy(ctx, api.DeployRequest{Model: "default", Path: "/x/bundle.yaml"}, func(l string) { lines = append(lines, l) })
	if err != nil || !reflect.DeepEqual(res.Applications, []string{"hydra"}) {
		t.Fatalf("Deploy = %v, %v", res, err)
	}
	if want := []string{`Located local charm "hydra", revision 0`, "Executing changes:"}; !reflect.DeepEqual(lines, want) {
		t.Errorf("progress = %q, want %q", lines, want)
	}

	var msgs []api.ActionMessage
	tr, err := c.WaitTask(ctx, api.WaitTaskRequest{Model: "default", ID: "2", Wait: time.Minute}, func(m api.ActionMessage) { msgs = append(msgs, m) })
	if err != nil || tr.Status != "completed" || tr.Output["uri"] != "x" || len(msgs) != 1 || !msgs[0].Timestamp.Equal(since) {
		t.Errorf("WaitTask = %+v, %v, messages %+v", tr, err, msgs)
	}

	err = c.SetConfig(ctx, api.SetConfigRequest{Model: "default", Application: "hydra", Args: []string{"nope=1"}})
	if err == nil || err.Error() != `parsing settings for application: unknown option "nope"` {
		t.Errorf("SetConfig error = %v", err)
	}

	// Unset methods fail as the placeholder controller does.
	_, err = c.Models(ctx)
	if !errors.Is(err, api.ErrUnimplemented) || err.Error() != "controller not implemented yet" {
		t.Errorf("Models error = %v", err)
	}

	info, err := c.Info(ctx)
	if err != nil || info.Name != "local" || info.PID != 42 {
		t.Errorf("Info = %+v, %v", info, err)
	}

	calls := f.Calls()
	if len(calls) != 6 || calls[0].Method != "Status" || calls[2].Method != "Deploy" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestDebugLogStreamsUntilCancelled(t *testing.T) {
	t.Parallel()
	stopped := make(chan struct{})
	f := &apitest.Fake{
		DebugLogFunc: func(ctx context.Context, req api.DebugLogRequest, emit func(api.LogRecord) error) error {
			defer close(stopped)
			for i := 0; ; i++ {
				if err := emit(api.LogRecord{Entity: "unit-hydra-0", Severity: "INFO", Module: "juju.worker.uniter", Message: "tick"}); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
		},
	}
	c, _ := serve(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := c.DebugLog(ctx, api.DebugLogRequest{Model: "default"}, func(r api.LogRecord) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Errorf("DebugLog after cancel = %v, want nil", err)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("server-side DebugLog did not stop when the client went away")
	}
}

func TestSocketIsPrivate(t *testing.T) {
	t.Parallel()
	_, sock := serve(t, &apitest.Fake{})
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v, want socket 0600", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(sock))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode = %v, want 0700", di.Mode().Perm())
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("socket owner = %d, want %d", st.Uid, os.Geteuid())
	}

	// A second controller on the same socket is refused.
	if _, err := api.Listen(sock, -1); err == nil {
		t.Error("Listen on a live socket succeeded")
	}
}

func TestListenRefusesSharedDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := api.Listen(filepath.Join(dir, "api.sock"), -1)
	if err == nil {
		t.Fatal("Listen in a 0755 directory succeeded")
	}
}

func TestListenRemovesStaleSocket(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "ctl", "api.sock")
	l, err := api.Listen(sock, -1)
	if err != nil {
		t.Fatal(err)
	}
	// A crashed daemon leaves its socket file behind.
	if ul, ok := l.(interface{ SetUnlinkOnClose(bool) }); ok {
		ul.SetUnlinkOnClose(false)
	}
	l.Close()
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	l, err = api.Listen(sock, -1)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	l.Close()
}

func TestListenChownsToOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	sock := filepath.Join(t.TempDir(), "ctl", "api.sock")
	l, err := api.Listen(sock, 12345)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, p := range []string{sock, filepath.Dir(sock)} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 12345 {
			t.Errorf("%s owner = %d, want 12345", p, st.Uid)
		}
	}
}

func TestClientNotRunning(t *testing.T) {
	t.Parallel()
	c := api.Dial(filepath.Join(t.TempDir(), "none.sock"))
	_, err := c.Status(context.Background(), api.StatusRequest{Model: "default"})
	var nr *api.NotRunningError
	if !errors.As(err, &nr) {
		t.Fatalf("error = %v, want NotRunningError", err)
	}
}

func TestDebugLogKeep(t *testing.T) {
	t.Parallel()
	rec := api.LogRecord{Entity: "unit-hydra-0", Severity: "INFO", Module: "juju.worker.uniter.operation"}
	for _, tc := range []struct {
		name string
		req  api.DebugLogRequest
		want bool
	}{
		{"no filter", api.DebugLogRequest{}, true},
		{"include unit", api.DebugLogRequest{IncludeEntity: []string{"unit-hydra-0"}}, true},
		{"include app glob", api.DebugLogRequest{IncludeEntity: []string{"unit-hydra-*"}}, true},
		{"include other", api.DebugLogRequest{IncludeEntity: []string{"unit-kratos-*"}}, false},
		{"exclude wins", api.DebugLogRequest{IncludeEntity: []string{"unit-hydra-*"}, ExcludeEntity: []string{"unit-hydra-0"}}, false},
		{"module prefix", api.DebugLogRequest{IncludeModule: []string{"juju.worker"}}, true},
		{"module not a dotted prefix", api.DebugLogRequest{IncludeModule: []string{"juju.work"}}, false},
		{"level below", api.DebugLogRequest{Level: "WARNING"}, false},
		{"level at", api.DebugLogRequest{Level: "info"}, true},
	} {
		if got := tc.req.Keep(rec); got != tc.want {
			t.Errorf("%s: Keep = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestModelConfigRoundTrip(t *testing.T) {
	t.Parallel()
	var got api.SetModelConfigRequest
	f := &apitest.Fake{
		ModelConfigFunc: func(_ context.Context, req api.ModelConfigRequest) (api.ModelConfig, error) {
			return api.ModelConfig{"update-status-hook-interval": {Value: "5m", Source: "default"}}, nil
		},
		SetModelConfigFunc: func(_ context.Context, req api.SetModelConfigRequest) error {
			got = req
			if _, ok := req.Set["agent-version"]; ok {
				return api.Errorf(api.CodeNotValid, `"agent-version" must be set via "upgrade-model"`)
			}
			return nil
		},
	}
	c, _ := serve(t, f)
	ctx := context.Background()

	cfg, err := c.ModelConfig(ctx, api.ModelConfigRequest{Model: "default"})
	want := api.ModelConfig{"update-status-hook-interval": {Value: "5m", Source: "default"}}
	if err != nil || !reflect.DeepEqual(cfg, want) {
		t.Errorf("ModelConfig = %+v, %v", cfg, err)
	}
	req := api.SetModelConfigRequest{Model: "default", Set: map[string]any{"update-status-hook-interval": "1m"}, Reset: []string{"x"}}
	if err := c.SetModelConfig(ctx, req); err != nil || !reflect.DeepEqual(got, req) {
		t.Errorf("SetModelConfig = %v, server saw %+v", err, got)
	}
	err = c.SetModelConfig(ctx, api.SetModelConfigRequest{Model: "default", Set: map[string]any{"agent-version": "4.0.0"}})
	if !errors.Is(err, api.ErrNotValid) || err.Error() != `"agent-version" must be set via "upgrade-model"` {
		t.Errorf("SetModelConfig(agent-version) = %v", err)
	}
}
