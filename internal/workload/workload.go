// Package workload is the charm's view of one workload container: its
// Pebble, reached over the socket Juju mounts into the charm container.
package workload

// SocketPath is where Juju 3.6 mounts a workload container's Pebble socket
// inside the charm container.
func SocketPath(container string) string {
	return "/charm/containers/" + container + "/pebble.socket"
}

// Connector returns the Pebble API of the named container. The real one
// dials SocketPath(container); tests hand in a fake or a temp-dir daemon.
type Connector func(container string) (API, error)

// API is the subset of github.com/canonical/pebble/client that charms use.
// TODO(workload helper): method set.
type API interface{}

// Container is one workload container.
type Container struct {
	name string
	api  API
	err  error
}

// New wraps api for container name; err (from a Connector) is reported by
// every call.
func New(name string, api API, err error) *Container {
	return &Container{name: name, api: api, err: err}
}

// Name is the container name from the charm's metadata.
func (c *Container) Name() string { return c.name }

// Dial is the Connector used under Juju: it connects to the container's
// socket at SocketPath.
// TODO(workload helper): return a pebble client.
func Dial(container string) (API, error) { return nil, nil }
