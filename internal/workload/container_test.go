package workload

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/canonical/pebble/client"
)

// stubAPI answers every call with err, and WaitChange with change.
type stubAPI struct {
	API    // nil: calls not overridden below panic, which flags unexpected calls
	err    error
	change *client.Change
	calls  []string
}

func (s *stubAPI) SysInfo() (*client.SysInfo, error) {
	s.calls = append(s.calls, "SysInfo")
	return &client.SysInfo{}, s.err
}

func (s *stubAPI) Replan(*client.ServiceOptions) (string, error) {
	s.calls = append(s.calls, "Replan")
	return "1", s.err
}

func (s *stubAPI) Start(*client.ServiceOptions) (string, error) {
	s.calls = append(s.calls, "Start")
	return "1", s.err
}

func (s *stubAPI) WaitChange(string, *client.WaitChangeOptions) (*client.Change, error) {
	s.calls = append(s.calls, "WaitChange")
	return s.change, nil
}

func (s *stubAPI) Pull(*client.PullOptions) error {
	s.calls = append(s.calls, "Pull")
	return s.err
}

func (s *stubAPI) Push(*client.PushOptions) error {
	s.calls = append(s.calls, "Push")
	return nil
}

func TestContainerErrors(t *testing.T) {
	t.Parallel()
	done := &client.Change{ID: "1", Status: "Done", Ready: true}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name      string
		api       *stubAPI
		dialErr   error
		ctx       context.Context
		call      func(context.Context, *Container) error
		wantErr   string // "" means success
		wantIs    error
		wantCalls string
	}{
		{
			name:    "connector error reaches every call",
			dialErr: errors.New("boom"),
			call:    func(ctx context.Context, c *Container) error { return c.Replan(ctx) },
			wantErr: `container "web": connect: boom`,
		},
		{
			name:    "nil API without error",
			call:    func(ctx context.Context, c *Container) error { return c.Replan(ctx) },
			wantErr: "no Pebble client",
		},
		{
			name:    "cancelled context: no call",
			api:     &stubAPI{},
			ctx:     cancelled,
			call:    func(ctx context.Context, c *Container) error { return c.Replan(ctx) },
			wantIs:  context.Canceled,
			wantErr: "connect",
		},
		{
			name: "change error is reported",
			api: &stubAPI{change: &client.Change{ID: "1", Status: "Error", Ready: true,
				Err: "cannot perform the following tasks:\n- Start service \"srv\" (exited quickly)"}},
			call:      func(ctx context.Context, c *Container) error { return c.Replan(ctx) },
			wantErr:   `container "web": replan: change 1: cannot perform`,
			wantCalls: "Replan WaitChange",
		},
		{
			name:      "change not ready",
			api:       &stubAPI{change: &client.Change{ID: "1", Status: "Doing"}},
			call:      func(ctx context.Context, c *Container) error { return c.Replan(ctx) },
			wantErr:   "not ready",
			wantCalls: "Replan WaitChange",
		},
		{
			name:      "start waits for its change",
			api:       &stubAPI{change: done},
			call:      func(ctx context.Context, c *Container) error { return c.Start(ctx, "a", "b") },
			wantCalls: "Start WaitChange",
		},
		{
			name: "start of nothing is a no-op",
			api:  &stubAPI{},
			call: func(ctx context.Context, c *Container) error { return c.Start(ctx) },
		},
		{
			name:      "start error names the services",
			api:       &stubAPI{err: &client.Error{Message: `cannot start services: service "a" does not exist`}},
			call:      func(ctx context.Context, c *Container) error { return c.Start(ctx, "a") },
			wantErr:   `container "web": start a: cannot start services`,
			wantCalls: "Start",
		},
		{
			name:      "pull of a missing file wraps ErrNotFound",
			api:       &stubAPI{err: &client.Error{Kind: client.ErrorKindNotFound, Message: "stat /x: no such file or directory"}},
			call:      func(ctx context.Context, c *Container) error { _, err := c.Pull(ctx, "/x"); return err },
			wantIs:    ErrNotFound,
			wantErr:   `container "web": pull /x: file not found`,
			wantCalls: "Pull",
		},
		{
			name: "push-if-changed pushes a missing file",
			api:  &stubAPI{err: &client.Error{Kind: client.ErrorKindNotFound, Message: "stat /x: no such file or directory"}},
			call: func(ctx context.Context, c *Container) error {
				changed, err := c.PushIfChanged(ctx, "/x", []byte("secret-value"), PushOptions{})
				if err == nil && !changed {
					return errors.New("changed = false")
				}
				return err
			},
			wantCalls: "Pull Push",
		},
		{
			name: "push-if-changed stops on other pull errors",
			api:  &stubAPI{err: &client.Error{Kind: client.ErrorKindPermissionDenied, Message: "open /x: permission denied"}},
			call: func(ctx context.Context, c *Container) error {
				_, err := c.PushIfChanged(ctx, "/x", []byte("secret-value"), PushOptions{})
				return err
			},
			wantErr:   "permission denied",
			wantCalls: "Pull",
		},
		{
			name:    "exec of nothing",
			api:     &stubAPI{},
			call:    func(ctx context.Context, c *Container) error { _, err := c.Exec(ctx, ExecRequest{}); return err },
			wantErr: "empty command",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var api API
			if tt.api != nil {
				api = tt.api
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			err := tt.call(ctx, New("web", api, tt.dialErr))
			switch {
			case tt.wantErr == "" && tt.wantIs == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Fatalf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if err != nil && strings.Contains(err.Error(), "secret-value") {
				t.Errorf("error leaks content: %v", err)
			}
			if tt.api != nil {
				if got := strings.Join(tt.api.calls, " "); got != tt.wantCalls {
					t.Errorf("calls = %q, want %q", got, tt.wantCalls)
				}
			}
		})
	}
}

func TestCanConnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		api     API
		dialErr error
		want    bool
	}{
		{"answers", &stubAPI{}, nil, true},
		{"fails", &stubAPI{err: errors.New("refused")}, nil, false},
		{"no connector", nil, errors.New("no socket"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := New("web", tt.api, tt.dialErr).CanConnect(context.Background()); got != tt.want {
				t.Errorf("CanConnect = %v, want %v", got, tt.want)
			}
		})
	}
}
