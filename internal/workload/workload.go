// Package workload is the charm's view of one workload container: its
// Pebble, reached over the socket Juju mounts into the charm container.
//
// Container wraps the few Pebble calls a charm needs so that every call
// takes a context, waits for the changes it starts, and reports errors
// with the container's name — but never file content, command arguments
// beyond the executable, or environment values, which may hold secrets.
package workload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/canonical/pebble/client"
)

// SocketPath is where Juju 3.6 mounts a workload container's Pebble socket
// inside the charm container.
func SocketPath(container string) string {
	return "/charm/containers/" + container + "/pebble.socket"
}

// Connector returns the Pebble API of the named container. The real one
// dials SocketPath(container); tests hand in a fake or a temp-dir daemon.
type Connector func(container string) (API, error)

// API is the subset of *client.Client (github.com/canonical/pebble/client
// v1.19) that Container uses, with the same signatures so that the Pebble
// client documentation applies — except Exec, which returns a Process
// because *client.ExecProcess cannot be built outside the client package.
// Dial adapts a real client; charmtest implements a fake.
type API interface {
	SysInfo() (*client.SysInfo, error)
	AddLayer(opts *client.AddLayerOptions) error
	PlanBytes(opts *client.PlanOptions) ([]byte, error)
	Push(opts *client.PushOptions) error
	Pull(opts *client.PullOptions) error
	Replan(opts *client.ServiceOptions) (changeID string, err error)
	Start(opts *client.ServiceOptions) (changeID string, err error)
	Stop(opts *client.ServiceOptions) (changeID string, err error)
	Restart(opts *client.ServiceOptions) (changeID string, err error)
	WaitChange(id string, opts *client.WaitChangeOptions) (*client.Change, error)
	Services(opts *client.ServicesOptions) ([]*client.ServiceInfo, error)
	Checks(opts *client.ChecksOptions) ([]*client.CheckInfo, error)
	// Exec starts a command; its output goes to opts.Stdout/opts.Stderr.
	Exec(opts *client.ExecOptions) (Process, error)
}

// Process is a command started by API.Exec.
type Process interface {
	// Wait waits for the command to finish and returns its exit code. The
	// error is non-nil only when the outcome is unknown (timeout, lost
	// connection); a non-zero exit is not an error.
	Wait() (exitCode int, err error)
}

// Dial is the Connector used under Juju: it connects to the container's
// socket at SocketPath. Like client.New it fails only on bad
// configuration; whether Pebble answers is known at the first call.
func Dial(container string) (API, error) {
	return DialSocket(SocketPath(container))
}

// DialSocket connects to the Pebble socket at path (tests use it with a
// daemon in a temporary directory).
func DialSocket(path string) (API, error) {
	c, err := client.New(&client.Config{Socket: path})
	if err != nil {
		return nil, fmt.Errorf("pebble client for socket %s: %w", path, err)
	}
	return &pebbleClient{Client: c, socket: path}, nil
}

// probeTimeout bounds SysInfo on a real socket. The client retries a
// failing GET for 5 s; a connectivity probe must answer sooner.
const probeTimeout = time.Second

// pebbleClient adapts *client.Client to API.
type pebbleClient struct {
	*client.Client
	socket string
}

// SysInfo probes the daemon once (bounded by probeTimeout) instead of
// letting the client retry for 5 s, so that CanConnect is quick when the
// workload's Pebble is not up.
func (p *pebbleClient) SysInfo() (*client.SysInfo, error) {
	if _, err := os.Stat(p.socket); err != nil {
		return nil, &client.SocketNotFoundError{Err: err, Path: p.socket}
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	resp, err := p.Requester().Do(ctx, &client.RequestOptions{
		Type:   client.SyncRequest,
		Method: "GET",
		Path:   "/v1/system-info",
	})
	if err != nil {
		return nil, err
	}
	var info client.SysInfo
	if err := resp.DecodeResult(&info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Pull works around client v1.19, which answers a missing file with an
// untyped multipart-parsing error: on failure it asks the daemon about the
// path itself and returns that typed error (kind not-found,
// permission-denied…) instead.
func (p *pebbleClient) Pull(opts *client.PullOptions) error {
	err := p.Client.Pull(opts)
	var typed *client.Error
	if err == nil || errors.As(err, &typed) {
		return err
	}
	if _, statErr := p.ListFiles(&client.ListFilesOptions{Path: opts.Path, Itself: true}); errors.As(statErr, &typed) {
		return typed
	}
	return err
}

func (p *pebbleClient) Exec(opts *client.ExecOptions) (Process, error) {
	proc, err := p.Client.Exec(opts)
	if err != nil {
		return nil, err
	}
	return execProcess{proc}, nil
}

type execProcess struct{ p *client.ExecProcess }

func (e execProcess) Wait() (int, error) {
	err := e.p.Wait()
	var exit *client.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}

// Container is one workload container. Its methods are safe to call when
// Pebble is unreachable: they return an error (CanConnect returns false).
type Container struct {
	name string
	api  API
	err  error
}

// New wraps api for container name; err (from a Connector) is reported by
// every call.
func New(name string, api API, err error) *Container {
	if err == nil && api == nil {
		err = errors.New("no Pebble client")
	}
	return &Container{name: name, api: api, err: err}
}

// Name is the container name from the charm's metadata.
func (c *Container) Name() string { return c.name }

// CanConnect reports whether the container's Pebble answers a request now.
// Charms check it before configuring the workload and wait for
// pebble-ready otherwise.
func (c *Container) CanConnect(ctx context.Context) bool {
	if c.check(ctx) != nil {
		return false
	}
	_, err := c.api.SysInfo()
	return err == nil
}

// check returns the error every call must fail with before reaching
// Pebble: a Connector failure or a finished context.
func (c *Container) check(ctx context.Context) error {
	if c.err != nil {
		return c.wrap("connect", c.err)
	}
	if err := ctx.Err(); err != nil {
		return c.wrap("connect", err)
	}
	return nil
}

func (c *Container) wrap(op string, err error) error {
	return fmt.Errorf("container %q: %s: %w", c.name, op, err)
}
