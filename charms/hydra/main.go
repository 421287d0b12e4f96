// Command dispatch is the hydra charm: Juju runs it for every hook and
// action of a unit.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/workload"
)

// main is charm.Main with the hook tools behind memoTools, which spares
// the repeated reads of the interface helpers.
func main() {
	runner := hooktool.DefaultRunner(os.Getenv)
	rt := charm.Runtime{
		Getenv: os.Getenv,
		Tools:  newMemoTools(runner),
		Pebble: workload.Dial,
	}
	if err := charm.Dispatch(context.Background(), rt, newHydra()); err != nil {
		// As charm.Main: the message reaches the unit's log and
		// debug-log (handlers never wrap secret content into errors).
		_ = hooktool.New(runner).Log(context.Background(), hooktool.LevelError, err.Error())
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
}
