package charmtest

import (
	"fmt"
	"testing"

	"github.com/identity-platform-go/charms/internal/workload"
)

// pebbleSet is the harness's Pebble for one run: an in-memory fake per
// container, or a real daemon where Container.Socket is set.
// TODO(workload helper): implement.
type pebbleSet struct {
	containers []Container
}

// newPebbleSet builds the Pebbles for the containers of one run's input
// state (already deep-copied by the caller).
func newPebbleSet(t testing.TB, containers []Container) *pebbleSet {
	return &pebbleSet{containers: containers}
}

// Connector is handed to charm.Runtime.Pebble.
func (p *pebbleSet) Connector() workload.Connector {
	return func(name string) (workload.API, error) {
		return nil, fmt.Errorf("container %q: fake Pebble not implemented", name)
	}
}

// Containers returns the containers as the run left them (state out).
func (p *pebbleSet) Containers() []Container { return p.containers }
