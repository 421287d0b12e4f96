// Command jujuc is the hook-tool client: one binary that every hook tool
// name (config-get, relation-set, …) is a symlink to. It forwards the
// call to the agent over JUJU_AGENT_SOCKET_ADDRESS, as Juju's jujud does
// when invoked under a tool's name, and exits with the tool's code.
//
// It can also be run as "jujuc <tool> [arguments...]", and, called
// "containeragent", it is the unit's containeragent (internal/launch).
package main

import (
	"os"
	"path/filepath"

	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/launch"
)

func main() {
	if filepath.Base(os.Args[0]) == "containeragent" {
		os.Exit(launch.Main(os.Args, os.Environ(), os.Stderr))
	}
	os.Exit(rpc.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
