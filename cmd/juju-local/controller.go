package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/juju/gnuflag"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// bootstrapCommand starts the controller daemon in the background.
type bootstrapCommand struct {
	name     string
	stateDir string
	socket   string
	timeout  time.Duration
}

func (c *bootstrapCommand) info() info {
	return info{
		name:    "bootstrap",
		args:    "[<controller name>]",
		purpose: "Starts the local controller and its default model.",
		doc: `
Starts the controller daemon ("juju-local controller") in the background,
waits until it answers on its socket, and adds the "default" model.

It needs root: every unit runs in network and mount namespaces of its
own. Run it with sudo; the socket is then given to the invoking user
(SUDO_UID) as well, so the other commands work without sudo.

The daemon's state is kept in --state-dir (JUJU_LOCAL_STATE_DIR, default
` + defaultStateDir + `), its log in <state-dir>/controller.log.`,
		examples: `
    sudo juju-local bootstrap
    juju-local deploy ./bundle/bundle.yaml --trust`,
	}
}

func (c *bootstrapCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.stateDir, "state-dir", "", "Directory for the controller's state (default "+defaultStateDir+")")
	f.StringVar(&c.socket, "socket", "", "The controller's API socket (default "+defaultSocket+")")
	f.DurationVar(&c.timeout, "timeout", 30*time.Second, "How long to wait for the controller to answer")
}

func (c *bootstrapCommand) init(args []string) (err error) {
	c.name, err = controllerNameArg(args)
	return err
}

// controllerNameArg is the optional [<controller name>] argument of
// bootstrap and kill-controller ("local" when absent).
func controllerNameArg(args []string) (string, error) {
	switch len(args) {
	case 0:
		return controllerName, nil
	case 1:
		return args[0], nil
	default:
		return "", checkEmpty(args[1:])
	}
}

func (c *bootstrapCommand) run(ctx context.Context, a *app) error {
	if a.geteuid() != 0 {
		return errors.New("bootstrap needs root: the local runtime creates network and mount namespaces for every unit; run it as root (sudo juju-local bootstrap)")
	}
	stateDir := absPath(firstNonEmpty(c.stateDir, a.stateDir()))
	socket := absPath(firstNonEmpty(c.socket, a.socketPath()))
	client := api.Dial(socket)
	defer client.Close()
	if info, err := client.Info(ctx); err == nil {
		return fmt.Errorf("controller %q already exists (pid %d, socket %s)", info.Name, info.PID, socket)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	logFile := filepath.Join(stateDir, "controller.log")
	exe, err := a.executable()
	if err != nil {
		return fmt.Errorf("finding juju-local: %w", err)
	}
	args := []string{"controller", "--name", c.name, "--state-dir", stateDir, "--socket", socket}
	if uid := a.getenv("SUDO_UID"); uid != "" {
		args = append(args, "--owner-uid", uid)
	}
	a.infof("Creating Juju controller %q on local/localhost", c.name)
	pid, err := a.startDaemon(exe, args, logFile)
	if err != nil {
		return fmt.Errorf("starting the controller: %w", err)
	}
	a.infof("Controller daemon started (pid %d), logging to %s", pid, logFile)
	deadline := time.Now().Add(c.timeout)
	for {
		if _, err := client.Info(ctx); err == nil {
			break
		}
		if !a.processAlive(pid) {
			return fmt.Errorf("the controller exited during bootstrap; see %s", logFile)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the controller did not answer on %s within %s; see %s", socket, c.timeout, logFile)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	a.infof("Bootstrap complete, controller %q is now available", c.name)
	if _, err := client.AddModel(ctx, api.AddModelRequest{Name: defaultModel}); err != nil && !errors.Is(err, api.ErrAlreadyExists) {
		return fmt.Errorf("adding the %q model: %w", defaultModel, err)
	}
	a.infof("Initial model %q added", defaultModel)
	return nil
}

// startDaemon starts the daemon in a session of its own, so it outlives
// the terminal, with its output appended to logFile.
func startDaemon(exe string, args []string, logFile string) (int, error) {
	log, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	// Reap it if it dies while we wait, so processAlive sees it gone.
	go func() { _ = cmd.Wait() }()
	return pid, nil
}

func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return errors.Is(err, syscall.EPERM)
	}
	// A zombie is dead for our purposes.
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(data), ')'); i >= 0 && i+2 < len(data) {
		return data[i+2] != 'Z'
	}
	return true
}

// controllerCommand is the daemon: it serves the Backend on the socket
// until SIGTERM or SIGINT.
type controllerCommand struct {
	name     string
	stateDir string
	socket   string
	ownerUID int
}

func (c *controllerCommand) info() info {
	return info{
		name:    "controller",
		purpose: "Runs the controller daemon (started by bootstrap).",
		doc: `
Runs the local controller in the foreground: the API on --socket (0600 in
a 0700 directory), state in --state-dir. bootstrap starts it in the
background; kill-controller stops it (SIGTERM), which stops every unit.`,
	}
}

func (c *controllerCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.name, "name", controllerName, "Controller name")
	f.StringVar(&c.stateDir, "state-dir", "", "Directory for the controller's state (default "+defaultStateDir+")")
	f.StringVar(&c.socket, "socket", "", "The controller's API socket (default "+defaultSocket+")")
	f.IntVar(&c.ownerUID, "owner-uid", -1, "Also give the socket to this user")
}

func (c *controllerCommand) init(args []string) error { return checkEmpty(args) }

func (c *controllerCommand) run(ctx context.Context, a *app) error {
	stateDir := absPath(firstNonEmpty(c.stateDir, a.stateDir()))
	socket := absPath(firstNonEmpty(c.socket, a.socketPath()))
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	cfg := api.ControllerConfig{
		Name: c.name, StateDir: stateDir, SocketPath: socket,
		LogFile: filepath.Join(stateDir, "controller.log"),
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	backend, closer, err := a.newBackend(ctx, cfg)
	if err != nil {
		return fmt.Errorf("starting the controller: %w", err)
	}
	l, err := api.Listen(socket, c.ownerUID)
	if err != nil {
		closer.Close()
		return err
	}
	pidFile := filepath.Join(stateDir, "controller.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		l.Close()
		closer.Close()
		return fmt.Errorf("writing %s: %w", pidFile, err)
	}
	defer os.Remove(pidFile)
	srv := api.NewServer(backend, api.ControllerInfo{
		Name: c.name, PID: os.Getpid(), StateDir: stateDir, LogFile: cfg.LogFile, Version: jujuVersion,
	})
	a.infof("controller %q listening on %s", c.name, socket)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		a.infof("controller %q stopping", c.name)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
		err = <-served
	}
	if cerr := closer.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("stopping the controller: %w", cerr)
	}
	return err
}

// killControllerCommand stops the daemon (SIGTERM, then waits), and with
// --destroy-all removes its state.
type killControllerCommand struct {
	noPrompt   bool
	destroyAll bool
	timeout    time.Duration
	stateDir   string
	name       string
}

func (c *killControllerCommand) info() info {
	return info{
		name:    "kill-controller",
		args:    "[<controller name>]",
		purpose: "Forcibly terminate all machines and other associated resources for a Juju controller.",
		doc: `
Stops the controller daemon: every unit's pod is stopped first. The
models' state is kept for the next bootstrap unless --destroy-all.`,
		examples: `
    sudo juju-local kill-controller --no-prompt
    sudo juju-local kill-controller --no-prompt --destroy-all`,
	}
}

func (c *killControllerCommand) setFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.noPrompt, "no-prompt", false, "Do not ask for confirmation")
	f.BoolVar(&c.noPrompt, "y", false, "")
	f.BoolVar(&c.destroyAll, "destroy-all", false, "Also remove the controller's state (every model)")
	f.DurationVar(&c.timeout, "t", 5*time.Minute, "Timeout before direct destruction")
	f.DurationVar(&c.timeout, "timeout", 5*time.Minute, "")
	f.StringVar(&c.stateDir, "state-dir", "", "The controller's state directory, for --destroy-all when it is not running")
}

func (c *killControllerCommand) init(args []string) (err error) {
	c.name, err = controllerNameArg(args)
	return err
}

func (c *killControllerCommand) run(ctx context.Context, a *app) error {
	client := api.Dial(a.socketPath())
	defer client.Close()
	info, infoErr := client.Info(ctx)
	stateDir := firstNonEmpty(c.stateDir, info.StateDir, a.stateDir())
	if infoErr == nil && info.Name != "" && info.Name != c.name {
		return fmt.Errorf("controller %q not found (the running one is %q)", c.name, info.Name)
	}
	if !c.noPrompt {
		a.warningf("This command will destroy the %q controller and all its resources", c.name)
		if err := confirmName(a, c.name, "controller"); err != nil {
			return fmt.Errorf("controller destruction: %w", err)
		}
	}
	if infoErr == nil {
		a.infof("Destroying controller %q\nWaiting for resources to be reclaimed", c.name)
		if err := a.signal(info.PID, syscall.SIGTERM); err != nil {
			return fmt.Errorf("stopping the controller (pid %d): %w", info.PID, err)
		}
		deadline := time.Now().Add(c.timeout)
		for a.processAlive(info.PID) {
			if time.Now().After(deadline) {
				a.infof("Killing controller %q (pid %d)", c.name, info.PID)
				_ = a.signal(info.PID, syscall.SIGKILL)
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	} else if !c.destroyAll {
		return fmt.Errorf("controller %q is not running: %w", c.name, infoErr)
	}
	if c.destroyAll {
		if err := os.RemoveAll(stateDir); err != nil {
			return fmt.Errorf("removing %s: %w", stateDir, err)
		}
		a.infof("Removed the controller's state in %s", stateDir)
	}
	a.infof("Controller %q destroyed", c.name)
	return nil
}

func sendSignal(pid int, sig os.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(sig)
}
