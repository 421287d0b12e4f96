package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Pod is a unit's pod: a network namespace with its own address, and one
// container per entry of the spec plus the charm container. Its methods
// are safe for concurrent use; Exec runs concurrently with other Execs.
type Pod struct {
	rt    *Runtime
	spec  PodSpec
	key   podKey
	index int
	addr  netip.Addr
	netns string // the netns and host veth name

	// mu guards the fields below. Exec holds it for reading while it
	// starts a process, so that Stop cannot close the namespace files the
	// process is being handed.
	mu         sync.RWMutex
	state      podState
	containers map[string]*container
	cgroup     *os.File
}

type podState int

const (
	created podState = iota
	running
	stopped
	gone // destroyed, or torn down by Runtime.Close
)

// container is a running container: its init process (PID 1 of its PID
// namespace: Pebble, or the charm container's reaper) and open handles on
// its namespaces, which Exec enters with nsenter. Holding the handles
// (rather than naming /proc/<pid>) makes Exec immune to PID reuse.
type container struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once the init process is reaped
	ns   []*os.File    // mnt, uts, net, pid namespaces and the root directory
	env  map[string]string
}

// Name is the pod's name, "<app>-<n>".
func (p *Pod) Name() string { return p.key.name }

// Model is the pod's model.
func (p *Pod) Model() string { return p.key.model }

// Spec returns a copy of the pod's spec.
func (p *Pod) Spec() PodSpec { return p.spec.clone() }

// Address is the pod's address on the bridge; it is stable for the pod's
// life (recorded in the state directory, kept across Restart and
// runtime restarts, released by Destroy).
func (p *Pod) Address() netip.Addr { return p.addr }

// Netns is the name of the pod's network namespace (`ip netns`), also the
// name of the host end of its veth pair.
func (p *Pod) Netns() string { return p.netns }

// PebbleSocket is the host path of the named workload container's Pebble
// socket (inside the container: /charm/container/pebble.socket; in the
// charm container: /charm/containers/<name>/pebble.socket).
func (p *Pod) PebbleSocket(container string) string {
	return filepath.Join(p.runDir(), "sockets", container, "pebble.socket")
}

// LogPath is the host file collecting the output of the container's init
// process (Pebble's log in workload containers), across restarts.
func (p *Pod) LogPath(container string) string {
	return filepath.Join(p.runDir(), "logs", container+".log")
}

// StorageDir is the host directory of the pod's storage name.
func (p *Pod) StorageDir(name string) string {
	return storageDir(p.rt.cfg.StateDir, p.key, name)
}

// Running reports whether the pod has been started and not stopped.
func (p *Pod) Running() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.state == running
}

// Run directory layout (removed by Destroy and by the next Open):
//
//	<RunDir>/<index>/hosts                             the pod's /etc/hosts
//	<RunDir>/<index>/sockets/<container>/pebble.socket bound at /charm/container
//	<RunDir>/<index>/roots/<container>                 mount point of the container's root (empty on the host)
//	<RunDir>/<index>/logs/<container>.log              init/Pebble output
func (p *Pod) runDir() string    { return filepath.Join(p.rt.cfg.RunDir, strconv.Itoa(p.index)) }
func (p *Pod) hostsPath() string { return filepath.Join(p.runDir(), "hosts") }

// Start starts the pod's containers on fresh filesystems and returns once
// every workload container's Pebble answers. A pod that runs is left
// alone. Without a deadline in ctx, Config.StartTimeout applies. On error
// nothing of the attempt is left running.
func (p *Pod) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked(ctx)
}

func (p *Pod) startLocked(ctx context.Context) error {
	switch p.state {
	case running:
		return nil
	case gone:
		return fmt.Errorf("start pod %s: %w", p.key, errGone)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.rt.cfg.StartTimeout)
		defer cancel()
	}
	if err := p.start(ctx); err != nil {
		stopErr := p.stopLocked(context.Background(), 0)
		return errors.Join(fmt.Errorf("start pod %s: %w", p.key, err), stopErr)
	}
	p.state = running
	return nil
}

var errGone = errors.New("pod destroyed or runtime closed")

func (p *Pod) start(ctx context.Context) error {
	for _, sub := range []string{"sockets", "roots"} {
		if err := os.RemoveAll(filepath.Join(p.runDir(), sub)); err != nil {
			return err
		}
	}
	names := []string{CharmContainer}
	for _, c := range p.spec.Containers {
		names = append(names, c.Name)
		if err := os.MkdirAll(filepath.Dir(p.PebbleSocket(c.Name)), 0o755); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(p.runDir(), "roots", n), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(p.runDir(), "logs"), 0o755); err != nil {
		return err
	}
	// The hosts file exists since Create; write it again in case the run
	// directory was cleaned under us.
	if err := p.rt.UpdateHosts(p.key.model); err != nil {
		return err
	}
	cg, err := p.rt.cg.create(p.index)
	if err != nil {
		return err
	}
	p.cgroup = cg

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	p.containers = map[string]*container{}
	for _, name := range names {
		wg.Go(func() {
			c, err := p.launch(ctx, name)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("container %s: %w", name, err))
				return
			}
			p.containers[name] = c
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, c := range p.spec.Containers {
		wg.Go(func() {
			if err := p.waitPebble(ctx, p.containers[c.Name]); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("container %s: %w", c.Name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// initConfig is the setup the named container's init performs.
func (p *Pod) initConfig(name string) (initConfig, map[string]string, error) {
	spec, err := p.spec.container(name)
	if err != nil {
		return initConfig{}, nil, err
	}
	cfg := initConfig{
		Netns:     filepath.Join(netnsDir, p.netns),
		Root:      filepath.Join(p.runDir(), "roots", name),
		Hostname:  p.key.name,
		Pebble:    name != CharmContainer,
		Users:     spec.Users,
		HostsFile: p.hostsPath(),
	}
	env := map[string]string{"PATH": defaultPath, "HOME": "/root"}
	for k, v := range spec.Env {
		env[k] = v
	}
	mounts := []initMount{{Source: p.rt.cfg.Pebble, Target: pebbleInContainer, ReadOnly: true}}
	if cfg.Pebble {
		env["PEBBLE"] = PebbleDir
		env["PEBBLE_SOCKET"] = PebbleSocketInContainer
		mounts = append(mounts, initMount{Source: filepath.Dir(p.PebbleSocket(name)), Target: filepath.Dir(PebbleSocketInContainer)})
	} else {
		for _, w := range p.spec.Containers {
			mounts = append(mounts, initMount{Source: filepath.Dir(p.PebbleSocket(w.Name)), Target: "/charm/containers/" + w.Name})
		}
		if p.spec.CharmDir != "" {
			src, err := realPath(p.spec.CharmDir)
			if err != nil {
				return cfg, nil, fmt.Errorf("charm directory: %w", err)
			}
			mounts = append(mounts, initMount{Source: src, Target: p.spec.CharmPath(), ReadOnly: true})
		}
		if p.spec.ToolsDir != "" {
			src, err := realPath(p.spec.ToolsDir)
			if err != nil {
				return cfg, nil, fmt.Errorf("tools directory: %w", err)
			}
			mounts = append(mounts, initMount{Source: src, Target: p.spec.ToolsPath(), ReadOnly: true})
		}
		if p.spec.RunDir != "" {
			src, err := realPath(p.spec.RunDir)
			if err != nil {
				return cfg, nil, fmt.Errorf("run directory: %w", err)
			}
			mounts = append(mounts, initMount{Source: src, Target: p.spec.RunPath()})
		}
	}
	// Image files and storage, parents before children.
	var image []initMount
	for _, f := range spec.Files {
		src, err := realPath(f.Source)
		if err != nil {
			return cfg, nil, fmt.Errorf("image file %s: %w", f.Path, err)
		}
		image = append(image, initMount{Source: src, Target: f.Path, ReadOnly: true})
	}
	for _, m := range spec.Mounts {
		image = append(image, initMount{Source: p.StorageDir(m.Storage), Target: m.Location})
	}
	sort.SliceStable(image, func(i, j int) bool {
		di, dj := strings.Count(image[i].Target, "/"), strings.Count(image[j].Target, "/")
		if di != dj {
			return di < dj
		}
		return image[i].Target < image[j].Target
	})
	cfg.Mounts = append(mounts, image...)
	if name == CharmContainer {
		env["PATH"] = prependPath(p.spec.ToolsPath(), env["PATH"])
	}
	cfg.Env = environ(env)
	return cfg, env, nil
}

// prependPath puts dir first on a PATH value.
func prependPath(dir, path string) string {
	parts := slices.DeleteFunc(strings.Split(path, ":"), func(s string) bool { return s == dir || s == "" })
	return strings.Join(append([]string{dir}, parts...), ":")
}

// environ renders env sorted, as KEY=value strings.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// launch starts the named container's init (this binary re-executed as
// initArg0) in new mount, PID and UTS namespaces and the pod's cgroup,
// sends it its configuration, and waits for it to report the root ready.
func (p *Pod) launch(ctx context.Context, name string) (*container, error) {
	cfg, env, err := p.initConfig(name)
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(p.LogPath(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- %s: starting container %s of pod %s\n", time.Now().Format(time.RFC3339Nano), name, p.key)
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer cfgW.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		_ = cfgR.Close()
		return nil, err
	}
	defer statusR.Close()
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{initArg0},
		Env:        []string{"PATH=" + defaultPath},
		Stdout:     logf,
		Stderr:     logf,
		ExtraFiles: []*os.File{cfgR, statusW},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS,
			// Its own session: a terminal's ^C to the runtime does not
			// reach the pods; Stop does.
			Setsid: true,
		},
	}
	if p.cgroup != nil {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(p.cgroup.Fd())
	}
	err = cmd.Start()
	_ = cfgR.Close()
	_ = statusW.Close()
	if err != nil {
		return nil, fmt.Errorf("start init: %w", err)
	}
	c := &container{name: name, cmd: cmd, done: make(chan struct{}), env: env}
	fail := func(err error) (*container, error) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%w%s", err, logTail(p.LogPath(name)))
	}
	if err := json.NewEncoder(cfgW).Encode(cfg); err != nil {
		return fail(fmt.Errorf("send init config: %w", err))
	}
	_ = cfgW.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = statusR.SetReadDeadline(deadline)
	}
	status, err := io.ReadAll(statusR)
	if err != nil {
		return fail(fmt.Errorf("waiting for the container's root: %w", err))
	}
	if s := strings.TrimSpace(string(status)); s != "ok" {
		if s == "" {
			s = "init exited without a word"
		}
		return fail(fmt.Errorf("set up: %s", s))
	}
	// The init is our unreaped child: its /proc entry is its own until
	// Wait below, so these handles are the container's.
	pid := strconv.Itoa(cmd.Process.Pid)
	for _, ns := range []string{"ns/mnt", "ns/uts", "ns/net", "ns/pid", "root"} {
		f, err := os.Open("/proc/" + pid + "/" + ns)
		if err != nil {
			c.closeHandles()
			return fail(fmt.Errorf("open %s of the init: %w", ns, err))
		}
		c.ns = append(c.ns, f)
	}
	go func() {
		_ = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *container) closeHandles() {
	for _, f := range c.ns {
		_ = f.Close()
	}
	c.ns = nil
}

// logTail is the end of a container's log, for error messages.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\nlog " + path + ":\n" + strings.Join(lines, "\n")
}

// waitPebble polls the container's Pebble until it answers GET
// /v1/system-info.
func (p *Pod) waitPebble(ctx context.Context, c *container) error {
	socket := p.PebbleSocket(c.name)
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://pebble/v1/system-info", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.done:
			return fmt.Errorf("pebble exited: %v%s", c.cmd.ProcessState, logTail(p.LogPath(c.name)))
		case <-ctx.Done():
			return fmt.Errorf("pebble not answering on %s: %w%s", socket, ctx.Err(), logTail(p.LogPath(c.name)))
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Stop stops the pod's containers: SIGTERM to every container's PID 1,
// SIGKILL to everything left in the pod after Config.StopGrace (or when
// ctx ends). Their filesystems go with them; storage, address and network
// namespace stay. A pod that does not run is left alone.
func (p *Pod) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != running {
		return nil
	}
	err := p.stopLocked(ctx, p.rt.cfg.StopGrace)
	p.state = stopped
	if err != nil {
		return fmt.Errorf("stop pod %s: %w", p.key, err)
	}
	return nil
}

// stopLocked ends every process of the pod and releases its handles.
func (p *Pod) stopLocked(ctx context.Context, grace time.Duration) error {
	if grace > 0 {
		for _, c := range p.containers {
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
		}
		timer := time.NewTimer(grace)
		defer timer.Stop()
	graceful:
		for _, c := range p.containers {
			select {
			case <-c.done:
			case <-timer.C:
				break graceful
			case <-ctx.Done():
				break graceful
			}
		}
	}
	var errs []error
	// Killing a container's PID 1 kills its PID namespace; the cgroup
	// also catches processes Exec started, even mid-nsenter.
	for _, c := range p.containers {
		_ = c.cmd.Process.Kill()
	}
	if dir := p.rt.cg.podDir(p.index); dir != "" {
		if err := removeCgroup(dir); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range p.containers {
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			errs = append(errs, fmt.Errorf("container %s: init %d not reaped after SIGKILL", c.name, c.cmd.Process.Pid))
		}
		c.closeHandles()
	}
	p.containers = nil
	if p.cgroup != nil {
		_ = p.cgroup.Close()
		p.cgroup = nil
	}
	for _, sub := range []string{"sockets", "roots"} {
		if err := os.RemoveAll(filepath.Join(p.runDir(), sub)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Restart is a pod churn, as when Kubernetes recreates a StatefulSet's
// pod: Stop, then Start on fresh filesystems, with the same storage and
// address.
func (p *Pod) Restart(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == gone {
		return fmt.Errorf("restart pod %s: %w", p.key, errGone)
	}
	if p.state == running {
		if err := p.stopLocked(ctx, p.rt.cfg.StopGrace); err != nil {
			p.state = stopped
			return fmt.Errorf("restart pod %s: %w", p.key, err)
		}
		p.state = stopped
	}
	return p.startLocked(ctx)
}

// Destroy stops the pod and removes everything of it but its storage:
// processes, mounts, cgroup, network namespace, veth pair, run directory
// and address record. The model's other pods get new hosts files.
func (p *Pod) Destroy(ctx context.Context) error {
	return p.teardown(ctx, true)
}

// teardown stops the pod and removes its network and run directory;
// destroy also forgets its record (Destroy), otherwise the record stays
// for the next runtime (Close).
func (p *Pod) teardown(ctx context.Context, destroy bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == gone {
		return nil
	}
	var errs []error
	if p.state == running {
		errs = append(errs, p.stopLocked(ctx, p.rt.cfg.StopGrace))
	}
	p.state = gone
	errs = append(errs, p.rt.net.removePod(p.netns))
	if err := os.RemoveAll(p.runDir()); err != nil {
		errs = append(errs, err)
	}
	if destroy {
		errs = append(errs, p.rt.forget(p))
	} else {
		p.rt.drop(p)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("destroy pod %s: %w", p.key, err)
	}
	return nil
}
