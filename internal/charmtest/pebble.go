package charmtest

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/canonical/pebble/client"
	"github.com/canonical/pebble/internals/plan"
	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/workload"
)

// pebbleSet is the harness's Pebble for one run: per container, a real
// daemon where Container.Socket is set, an API that fails like a missing
// socket where CanConnect is false, and otherwise an in-memory fake that
// reads and writes the Container.
type pebbleSet struct {
	containers []Container
	// fakes is keyed by container name; one fake serves every Connector
	// call of the run so that the charm sees its own earlier changes.
	fakes map[string]*fakePebble
}

// newPebbleSet builds the Pebbles for the containers of one run's input
// state (already deep-copied by the caller; the fakes write into it).
// An input layer that Pebble would reject fails the test.
func newPebbleSet(t testing.TB, containers []Container) *pebbleSet {
	t.Helper()
	p := &pebbleSet{containers: containers, fakes: map[string]*fakePebble{}}
	for i := range p.containers {
		c := &p.containers[i]
		if _, dup := p.fakes[c.Name]; dup {
			t.Fatalf("charmtest: container %q appears twice in the state", c.Name)
		}
		f, err := newFakePebble(c)
		if err != nil {
			t.Fatalf("charmtest: container %q: %v", c.Name, err)
		}
		p.fakes[c.Name] = f
	}
	return p
}

// Connector is handed to charm.Runtime.Pebble.
func (p *pebbleSet) Connector() workload.Connector {
	return func(name string) (workload.API, error) {
		f, ok := p.fakes[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("container %q is not in the test state", name)
		case f.c.Socket != "":
			return workload.DialSocket(f.c.Socket)
		case !f.c.CanConnect:
			return unreachable{socket: workload.SocketPath(name)}, nil
		}
		return f, nil
	}
}

// Containers returns the containers as the run left them (state out).
// Containers backed by a real daemon (Socket) are returned as they came
// in: inspect the daemon itself.
func (p *pebbleSet) Containers() []Container {
	for _, f := range p.fakes {
		f.mu.Lock()
		defer f.mu.Unlock()
	}
	return p.containers
}

// unreachable fails every call the way the client does when the
// container's Pebble socket is not there yet.
type unreachable struct{ socket string }

func (u unreachable) err() error {
	return fmt.Errorf("cannot communicate with server: %w", &client.SocketNotFoundError{
		Err:  &fs.PathError{Op: "stat", Path: u.socket, Err: syscall.ENOENT},
		Path: u.socket,
	})
}

func (u unreachable) SysInfo() (*client.SysInfo, error)              { return nil, u.err() }
func (u unreachable) AddLayer(*client.AddLayerOptions) error         { return u.err() }
func (u unreachable) PlanBytes(*client.PlanOptions) ([]byte, error)  { return nil, u.err() }
func (u unreachable) Push(*client.PushOptions) error                 { return u.err() }
func (u unreachable) Pull(*client.PullOptions) error                 { return u.err() }
func (u unreachable) Replan(*client.ServiceOptions) (string, error)  { return "", u.err() }
func (u unreachable) Start(*client.ServiceOptions) (string, error)   { return "", u.err() }
func (u unreachable) Stop(*client.ServiceOptions) (string, error)    { return "", u.err() }
func (u unreachable) Restart(*client.ServiceOptions) (string, error) { return "", u.err() }
func (u unreachable) Services(*client.ServicesOptions) ([]*client.ServiceInfo, error) {
	return nil, u.err()
}
func (u unreachable) Checks(*client.ChecksOptions) ([]*client.CheckInfo, error) { return nil, u.err() }
func (u unreachable) Exec(*client.ExecOptions) (workload.Process, error)        { return nil, u.err() }
func (u unreachable) WaitChange(string, *client.WaitChangeOptions) (*client.Change, error) {
	return nil, u.err()
}

// fakePebble is an in-memory Pebble over one Container. Layers are parsed,
// combined and validated by Pebble's own plan package; service changes
// complete immediately and never fail once Pebble accepted them.
type fakePebble struct {
	mu     sync.Mutex
	c      *Container
	layers []*plan.Layer // in plan order
	// running holds the configuration each started service runs with,
	// so that Replan restarts exactly the services whose config changed.
	running map[string]*plan.Service
	changes map[string]*client.Change
}

func newFakePebble(c *Container) (*fakePebble, error) {
	f := &fakePebble{c: c, running: map[string]*plan.Service{}, changes: map[string]*client.Change{}}
	if c.Socket != "" {
		return f, nil
	}
	for i, label := range layerLabels(c) {
		data, ok := c.Layers[label]
		if !ok {
			return nil, fmt.Errorf("LayerOrder names layer %q, which is not in Layers", label)
		}
		l, err := plan.ParseLayer((i+1)*1000, label, []byte(data))
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", label, err)
		}
		f.layers = append(f.layers, l)
	}
	p, err := combine(f.layers)
	if err != nil {
		return nil, fmt.Errorf("input layers: %w", err)
	}
	// Services the state says are running run with the input plan.
	for name, svc := range p.Services {
		switch c.Services[name] {
		case string(client.StatusActive), string(client.StatusBackoff), string(client.StatusError):
			f.running[name] = svc.Copy()
		}
	}
	return f, nil
}

// layerLabels is LayerOrder followed by any other labels in Layers,
// sorted, so that a test may leave LayerOrder empty.
func layerLabels(c *Container) []string {
	labels := slices.Clone(c.LayerOrder)
	var rest []string
	for label := range c.Layers {
		if !slices.Contains(labels, label) {
			rest = append(rest, label)
		}
	}
	sort.Strings(rest)
	return append(labels, rest...)
}

// combine computes and validates the plan of layers, as Pebble's plan
// manager does on every layer change.
func combine(layers []*plan.Layer) (*plan.Plan, error) {
	combined, err := plan.CombineLayers(layers...)
	if err != nil {
		return nil, err
	}
	p := &plan.Plan{
		Layers:     layers,
		Services:   combined.Services,
		Checks:     combined.Checks,
		LogTargets: combined.LogTargets,
		Sections:   combined.Sections,
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// badRequest is how the client surfaces a 400 from the daemon.
func badRequest(format string, args ...any) error {
	return &client.Error{Message: fmt.Sprintf(format, args...), StatusCode: 400}
}

func (f *fakePebble) plan() *plan.Plan {
	p, err := combine(f.layers)
	if err != nil {
		// Every layer list was validated when it was stored.
		panic(fmt.Sprintf("charmtest: stored layers no longer combine: %v", err))
	}
	return p
}

func (f *fakePebble) SysInfo() (*client.SysInfo, error) {
	return &client.SysInfo{Version: "v1.19.2"}, nil
}

func (f *fakePebble) AddLayer(opts *client.AddLayerOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if opts.Label == "" {
		return badRequest("label must be set")
	}
	layer, err := plan.ParseLayer(0, opts.Label, opts.LayerData)
	if err != nil {
		return badRequest("cannot parse layer YAML: %v", err)
	}
	layers := slices.Clone(f.layers)
	idx := slices.IndexFunc(layers, func(l *plan.Layer) bool { return l.Label == opts.Label })
	switch {
	case idx >= 0 && !opts.Combine:
		return badRequest("layer %q already exists", opts.Label)
	case idx >= 0:
		merged, err := plan.CombineLayers(layers[idx], layer)
		if err != nil {
			return badRequest("%v", err)
		}
		merged.Order, merged.Label = layers[idx].Order, layers[idx].Label
		layers[idx] = merged
		layer = merged
	default:
		layer.Order = (len(layers) + 1) * 1000
		layers = append(layers, layer)
	}
	if _, err := combine(layers); err != nil {
		return badRequest("%v", err)
	}
	data, err := yaml.Marshal(layer)
	if err != nil {
		return fmt.Errorf("charmtest: marshal layer %q: %w", opts.Label, err)
	}
	f.layers = layers
	if f.c.Layers == nil {
		f.c.Layers = map[string]string{}
	}
	if _, ok := f.c.Layers[opts.Label]; !ok && !slices.Contains(f.c.LayerOrder, opts.Label) {
		f.c.LayerOrder = append(f.c.LayerOrder, opts.Label)
	}
	f.c.Layers[opts.Label] = string(data)
	return nil
}

func (f *fakePebble) PlanBytes(*client.PlanOptions) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return yaml.Marshal(f.plan())
}

func (f *fakePebble) Push(opts *client.PushOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !path.IsAbs(opts.Path) {
		return badRequest("paths must be absolute, got %q", opts.Path)
	}
	content, err := io.ReadAll(opts.Source)
	if err != nil {
		return fmt.Errorf("cannot read push source: %w", err)
	}
	perm := opts.Permissions
	if perm == 0 {
		perm = 0o644
	}
	if f.c.Files == nil {
		f.c.Files = map[string]File{}
	}
	f.c.Files[opts.Path] = File{Content: content, Permissions: uint32(perm.Perm()), User: opts.User, Group: opts.Group}
	return nil
}

func (f *fakePebble) Pull(opts *client.PullOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !path.IsAbs(opts.Path) {
		return badRequest("paths must be absolute, got %q", opts.Path)
	}
	file, ok := f.c.Files[opts.Path]
	if !ok {
		return &client.Error{
			Kind:       client.ErrorKindNotFound,
			Message:    fmt.Sprintf("stat %s: no such file or directory", opts.Path),
			StatusCode: 200,
		}
	}
	_, err := opts.Target.Write(file.Content)
	return err
}

// newChange records a finished change and returns its ID.
func (f *fakePebble) newChange(kind string) string {
	id := strconv.Itoa(len(f.changes) + 1)
	f.changes[id] = &client.Change{ID: id, Kind: kind, Status: "Done", Ready: true}
	return id
}

func (f *fakePebble) WaitChange(id string, _ *client.WaitChangeOptions) (*client.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, ok := f.changes[id]
	if !ok {
		return nil, &client.Error{Kind: client.ErrorKindNotFound, Message: fmt.Sprintf("cannot find change with id %q", id), StatusCode: 404}
	}
	cp := *ch
	return &cp, nil
}

func (f *fakePebble) setStatus(name, status string) {
	if f.c.Services == nil {
		f.c.Services = map[string]string{}
	}
	f.c.Services[name] = status
}

func (f *fakePebble) start(p *plan.Plan, names []string) {
	for _, name := range names {
		f.running[name] = p.Services[name].Copy()
		f.setStatus(name, string(client.StatusActive))
	}
}

func (f *fakePebble) stop(names []string) {
	for _, name := range names {
		delete(f.running, name)
		f.setStatus(name, string(client.StatusInactive))
	}
}

// Replan follows Pebble's service manager: services running with a
// configuration that differs from the plan's are restarted, services
// with startup enabled are started.
func (f *fakePebble) Replan(*client.ServiceOptions) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.plan()
	restart := map[string]bool{}
	for name, cfg := range f.running {
		if want, ok := p.Services[name]; !ok || !want.Equal(cfg) {
			restart[name] = true
		}
	}
	var start []string
	for name, cfg := range p.Services {
		if restart[name] || cfg.Startup == plan.StartupEnabled {
			start = append(start, name)
		}
	}
	lanes, err := p.StartOrder(start)
	if err != nil {
		return "", badRequest("cannot replan services: %v", err)
	}
	for name := range restart {
		if _, ok := p.Services[name]; !ok {
			f.stop([]string{name})
		}
	}
	f.start(p, flatten(lanes))
	return f.newChange("replan"), nil
}

func flatten(lanes [][]string) []string {
	var out []string
	for _, lane := range lanes {
		out = append(out, lane...)
	}
	return out
}

func (f *fakePebble) serviceAction(action string, names []string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(names) == 0 {
		return "", badRequest("must specify services for %s action", action)
	}
	p := f.plan()
	order := p.StartOrder
	if action == "stop" {
		order = p.StopOrder
	}
	lanes, err := order(names)
	if err != nil {
		return "", badRequest("cannot %s services: %v", action, err)
	}
	if action == "stop" {
		f.stop(flatten(lanes))
	} else {
		// start and restart both leave the services (and those they
		// require) running with the current plan.
		f.start(p, flatten(lanes))
	}
	return f.newChange(action), nil
}

func (f *fakePebble) Start(opts *client.ServiceOptions) (string, error) {
	return f.serviceAction("start", opts.Names)
}

func (f *fakePebble) Stop(opts *client.ServiceOptions) (string, error) {
	return f.serviceAction("stop", opts.Names)
}

func (f *fakePebble) Restart(opts *client.ServiceOptions) (string, error) {
	return f.serviceAction("restart", opts.Names)
}

// Services reports the plan's services with their Container.Services
// status (inactive when absent). Services the test put in
// Container.Services without a layer are reported too, startup disabled,
// so that tests need not write layers for services they only observe.
func (f *fakePebble) Services(opts *client.ServicesOptions) ([]*client.ServiceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.plan()
	infos := map[string]*client.ServiceInfo{}
	for name, svc := range p.Services {
		info := &client.ServiceInfo{Name: name, Startup: client.StartupDisabled, Current: client.StatusInactive}
		if svc.Startup == plan.StartupEnabled {
			info.Startup = client.StartupEnabled
		}
		infos[name] = info
	}
	for name, status := range f.c.Services {
		info, ok := infos[name]
		if !ok {
			info = &client.ServiceInfo{Name: name, Startup: client.StartupDisabled}
			infos[name] = info
		}
		info.Current = client.ServiceStatus(status)
	}
	var out []*client.ServiceInfo
	for name, info := range infos {
		if len(opts.Names) == 0 || slices.Contains(opts.Names, name) {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Checks reports Container.Checks, and the plan's other checks as up.
func (f *fakePebble) Checks(opts *client.ChecksOptions) ([]*client.CheckInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.plan()
	infos := map[string]*client.CheckInfo{}
	for name, chk := range p.Checks {
		infos[name] = &client.CheckInfo{
			Name:      name,
			Level:     client.CheckLevel(chk.Level),
			Startup:   client.CheckStartupEnabled,
			Status:    client.CheckStatusUp,
			Threshold: chk.Threshold,
		}
		if chk.Startup == plan.CheckStartupDisabled {
			infos[name].Startup = client.CheckStartupDisabled
		}
	}
	for name, chk := range f.c.Checks {
		info, ok := infos[name]
		if !ok {
			info = &client.CheckInfo{Name: name, Startup: client.CheckStartupEnabled}
			infos[name] = info
		}
		if chk.Level != "" {
			info.Level = client.CheckLevel(chk.Level)
		}
		info.Status = client.CheckStatus(chk.Status)
		info.Failures = chk.Failures
		if chk.Threshold != 0 {
			info.Threshold = chk.Threshold
		}
	}
	var out []*client.CheckInfo
	for name, info := range infos {
		if len(opts.Names) > 0 && !slices.Contains(opts.Names, name) {
			continue
		}
		if opts.Level != client.UnsetLevel && info.Level != opts.Level {
			continue
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Exec answers from Container.Execs (first entry whose Command is a
// prefix of the command line) and records every command line tried in
// ExecLog. An unmatched command fails as a missing executable does.
func (f *fakePebble) Exec(opts *client.ExecOptions) (workload.Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(opts.Command) == 0 {
		return nil, badRequest("must specify command")
	}
	f.c.ExecLog = append(f.c.ExecLog, slices.Clone(opts.Command))
	i := slices.IndexFunc(f.c.Execs, func(e Exec) bool {
		return len(e.Command) <= len(opts.Command) && slices.Equal(e.Command, opts.Command[:len(e.Command)])
	})
	if i < 0 {
		return nil, badRequest("cannot find executable %q", opts.Command[0])
	}
	e := f.c.Execs[i]
	if opts.Stdin != nil {
		if _, err := io.Copy(io.Discard, opts.Stdin); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	}
	stderr := opts.Stderr
	if stderr == nil {
		stderr = opts.Stdout // Pebble merges stderr into stdout then
	}
	for _, out := range []struct {
		w    io.Writer
		data string
	}{{opts.Stdout, e.Stdout}, {stderr, e.Stderr}} {
		if out.w != nil {
			if _, err := io.Copy(out.w, bytes.NewReader([]byte(out.data))); err != nil {
				return nil, fmt.Errorf("write output: %w", err)
			}
		}
	}
	return exited(e.ExitCode), nil
}

// exited is a fake command that has already finished.
type exited int

func (e exited) Wait() (int, error) { return int(e), nil }
