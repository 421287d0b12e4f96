package controller

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/controller/model"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc/rpcserver"
	"github.com/identity-platform-go/charms/internal/launch"
	"github.com/identity-platform-go/charms/internal/pod"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// hookRunner runs a unit's hooks and actions in its pod's charm
// container: the charm's dispatch, with Juju's environment, and the hook
// tools answered by a jujuc server whose socket sits in the unit's tools
// directory (which the charm container mounts).
type hookRunner struct {
	mr       *modelRuntime
	tag      string
	spec     pod.PodSpec
	pod      *pod.Pod
	srv      *rpcserver.Server
	hostDir  string // the tools directory on the host
	logLevel string
	agent    *containerAgent
}

// hookOSEnv is what Juju's runner adds to a hook's environment besides
// the JUJU_* variables (runner/context: OSDependentEnvVars on Ubuntu).
var hookOSEnv = map[string]string{
	"APT_LISTCHANGES_FRONTEND": "none",
	"DEBIAN_FRONTEND":          "noninteractive",
	"LANG":                     "C.UTF-8",
	"TERM":                     "tmux-256color",
}

// setup creates and starts the unit's pod and its hook-tool server.
func (a *agent) setup(ctx context.Context) error {
	mr, c := a.mr, a.mr.c
	mr.mu.Lock()
	app, u, err := mr.m.Unit(a.unit)
	if err != nil {
		mr.mu.Unlock()
		return err
	}
	spec, err := c.podSpec(mr.name, app, u, mr.metas[a.app])
	mr.mu.Unlock()
	if err != nil {
		return err
	}
	hostDir := filepath.Join(c.cfg.RunDir, "tools", mr.name, a.tag)
	if err := installTools(hostDir, c.cfg.ToolBinary); err != nil {
		return fmt.Errorf("installing hook tools: %w", err)
	}
	spec.ToolsDir = hostDir
	// The agent's sockets in the charm container (the containeragent's).
	spec.RunDir = filepath.Join(c.cfg.RunDir, "agents", mr.name, a.tag)
	if err := os.RemoveAll(spec.RunDir); err != nil {
		return err
	}
	if err := os.MkdirAll(spec.RunDir, 0o700); err != nil {
		return err
	}
	if old := c.rt.Pod(mr.name, spec.Name()); old != nil {
		_ = old.Destroy(ctx)
	}
	p, err := c.rt.Create(spec)
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	srv, err := rpcserver.New(hostDir)
	if err != nil {
		return err
	}
	agent := newContainerAgent(ctx, p, spec, func(line string) { a.logf("DEBUG", "%s", line) })
	agent.start()
	agent.awaitSocket(time.Second)
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if _, u, err := mr.m.Unit(a.unit); err == nil {
		u.Address = p.Address().String()
	}
	a.pod = p
	a.runner = &hookRunner{mr: mr, tag: a.tag, spec: spec, pod: p, srv: srv, hostDir: hostDir, agent: agent}
	mr.save()
	return nil
}

// installTools lays out a unit's tools directory: the tool binary as
// "jujuc" and every hook tool a relative symlink to it, as Juju links its
// tools to jujud.
func installTools(dir, binary string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, "jujuc")
	if err := os.Link(binary, dst); err != nil {
		if err := copyFile(binary, dst); err != nil {
			return err
		}
	}
	for _, name := range append(jujuc.Names(), containerAgentName) {
		if err := os.Symlink("jujuc", filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// podSpec is the pod of a unit: the charm container, and one container
// per workload container of the charm with its image's files (from the
// deploy's --resource, else the resource's upstream-source) and its
// storage mounts.
func (c *Controller) podSpec(modelName string, app *model.Application, u *model.Unit, meta *charmcraft.Charm) (pod.PodSpec, error) {
	spec := pod.PodSpec{
		Model: modelName, Application: app.Name, Unit: u.Number,
		CharmDir: app.CharmDir,
		Charm:    pod.ContainerSpec{Name: pod.CharmContainer},
	}
	for _, name := range slices.Sorted(maps.Keys(meta.Containers)) {
		ct := meta.Containers[name]
		cs := pod.ContainerSpec{Name: name}
		if ct.Resource != "" {
			image := app.Resources[ct.Resource]
			if image == "" {
				image = meta.Resources[ct.Resource].UpstreamSource
			}
			if image == "" {
				return spec, fmt.Errorf("container %q: resource %q has no image: deploy with --resource %s=<image>", name, ct.Resource, ct.Resource)
			}
			img, err := c.catalog.Resolve(image, c.cfg.WorkloadsDir)
			if err != nil {
				return spec, fmt.Errorf("container %q: %w", name, err)
			}
			for _, f := range img.Files {
				cs.Files = append(cs.Files, pod.File{Path: f.Path, Source: f.Source})
			}
			cs.Users = img.Users
			cs.Env = img.Env
		}
		for _, m := range ct.Mounts {
			// Kubernetes takes a mountPath with a trailing slash (the
			// reference Traefik charm mounts "/opt/traefik/"); the pod
			// runtime wants clean paths.
			cs.Mounts = append(cs.Mounts, pod.Mount{Storage: m.Storage, Location: path.Clean(m.Location)})
		}
		spec.Containers = append(spec.Containers, cs)
	}
	return spec, nil
}

// exitError is a dispatch that exited non-zero.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e exitError) ExitCode() int { return e.code }

// dispatchResult is what one dispatch produced.
type dispatchResult struct {
	unitctx.Output
	// Code is dispatch's exit status; Stdout and Stderr its output, kept
	// for actions (Juju reports them in the action's results).
	Code           int
	Stdout, Stderr string
}

// run dispatches one hook or action and ends it: what the hook buffered
// is committed into out.State only when dispatch exited 0.
func (r *hookRunner) run(ctx context.Context, p unitctx.Params) (dispatchResult, error) {
	p.Env.ContextID = fmt.Sprintf("%s-%s-%d", p.Env.UnitName, eventName(p.Event), rand.Int64())
	hook, err := unitctx.Begin(p)
	if err != nil {
		return dispatchResult{}, err
	}
	session, err := r.srv.Register(p.Env.ContextID, hook.Context())
	if err != nil {
		return dispatchResult{Output: hook.End(err), Code: -1}, err
	}
	vars := maps.Clone(hookOSEnv)
	maps.Copy(vars, p.Env.Environ())
	maps.Copy(vars, p.Event.Environ())
	maps.Copy(vars, session.Environ())
	// The socket is in the tools directory, which the charm container
	// sees at its Juju path.
	if rel, err := filepath.Rel(r.hostDir, session.Environ()[rpc.EnvSocketAddress]); err == nil && !strings.HasPrefix(rel, "..") {
		vars[rpc.EnvSocketAddress] = r.spec.ToolsPath() + "/" + rel
	}
	vars["PATH"] = r.spec.ToolsPath() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

	logs := &lineLogger{emit: func(line string) {
		r.mr.logf(r.tag, "DEBUG", "unit."+p.Env.UnitName+"."+eventName(p.Event), "%s", line)
	}}
	var stdout, stderr io.Writer = logs, logs
	var outBuf, errBuf strings.Builder
	if p.Event.Kind == charm.Action {
		// Juju logs an action's output and also returns it.
		stdout, stderr = io.MultiWriter(logs, &outBuf), io.MultiWriter(logs, &errBuf)
	}
	dispatch := []string{r.spec.CharmPath() + "/dispatch"}
	code, execErr := r.agent.run(ctx, launch.Command{Args: dispatch, Env: vars, Dir: r.spec.CharmPath(), Stdout: stdout, Stderr: stderr})
	if errors.Is(execErr, launch.ErrUnavailable) {
		// Not started yet, or gone with a container restart: nsenter
		// does the same, only slower.
		r.agent.logf("containeragent unavailable, running %s through nsenter: %v", eventName(p.Event), execErr)
		r.agent.start()
		code, execErr = r.pod.Exec(ctx, pod.CharmContainer, pod.ExecSpec{Args: dispatch, Env: vars, Dir: r.spec.CharmPath(), Stdout: stdout, Stderr: stderr})
	}
	logs.flush()
	session.Close()
	var hookErr error
	switch {
	case execErr != nil:
		hookErr = execErr
	case code != 0:
		hookErr = exitError{code}
	}
	return dispatchResult{Output: hook.End(hookErr), Code: code, Stdout: outBuf.String(), Stderr: errBuf.String()}, nil
}

func (r *hookRunner) close() {
	r.agent.stop()
	_ = r.srv.Close()
}

func eventName(e charm.Event) string {
	if e.Kind == charm.Action {
		return e.ActionName
	}
	return e.Name
}

// lineLogger turns a hook's output into log lines.
type lineLogger struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			break
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		sc := bufio.NewScanner(strings.NewReader(string(l.buf)))
		for sc.Scan() {
			l.emit(sc.Text())
		}
		l.buf = nil
	}
}
