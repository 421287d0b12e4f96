// Command dispatch is the hydra charm: Juju runs it for every hook and
// action of a unit.
package main

import "github.com/identity-platform-go/charms/internal/charm"

func main() { charm.Main(newHydra()) }
