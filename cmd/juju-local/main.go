// Command juju-local is the local, Juju-faithful controller's CLI: the
// verbs of Juju 3.6 (deploy, integrate, config, run, status, show-unit,
// debug-log, …) with Juju's options and output, against a controller
// daemon that runs this repository's charms in local pods
// (internal/pod). For development, demos and tests; production runs on
// Juju and Kubernetes.
//
//	sudo juju-local bootstrap
//	juju-local deploy ./bundle/bundle.yaml --trust
//	juju-local status --relations
//
// The CLI talks to the daemon over a private unix socket
// (internal/controller/api); the daemon's Backend comes from newBackend
// below.
package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/identity-platform-go/charms/internal/controller"
	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/launch"
)

// newBackend builds the controller the daemon serves.
var newBackend api.NewBackend = controller.NewBackend

func main() {
	// The daemon links this binary into every unit's tools directory under
	// each hook tool's name, as Juju links jujud: called so, it is the
	// hook-tool client.
	switch name := filepath.Base(os.Args[0]); {
	case name == "jujuc" || slices.Contains(jujuc.Names(), name):
		os.Exit(rpc.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	case name == "containeragent":
		// In a unit's charm container: it starts the unit's hooks
		// (internal/launch).
		os.Exit(launch.Main(os.Args, os.Environ(), os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	a := &app{
		stdin:        os.Stdin,
		stdout:       os.Stdout,
		stderr:       os.Stderr,
		getenv:       os.Getenv,
		now:          time.Now,
		loc:          time.Local,
		pollInterval: time.Second,
		newBackend:   newBackend,
		geteuid:      os.Geteuid,
		executable:   os.Executable,
		startDaemon:  startDaemon,
		signal:       sendSignal,
		processAlive: processAlive,
	}
	code := a.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
