// Command dispatch is the postgresql-k8s charm: Juju runs it for every
// hook and action of a unit.
package main

import "github.com/identity-platform-go/charms/internal/charm"

func main() { charm.Main(newCharm()) }
