package pod

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
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

// ErrNotRoot is returned by Open for an unprivileged caller.
var ErrNotRoot = errors.New("the local pod runtime needs root: it creates network namespaces, " +
	"veth links and a bridge, mounts filesystems in private mount namespaces and manages cgroups " +
	"(run the controller, or `go test` of packages that start pods, as root)")

// Runtime runs pods on this machine. Its methods are safe for concurrent
// use.
type Runtime struct {
	cfg   Config
	tools tools
	net   network
	cg    cgroupRoot
	locks []*os.File
	// bridgeLock is held while the runtime owns its bridge name.
	bridgeLock net.Listener

	mu      sync.Mutex // guards the fields below; never held while taking a Pod's lock
	closed  bool
	pods    map[podKey]*Pod
	records map[podKey]record
}

// tools are the host programs the runtime drives.
type tools struct {
	ip, nsenter string
	// setpriv and env switch user and directory inside containers, where
	// the host's /usr is visible at the same paths; "" when missing.
	setpriv, env string
	// wdns: nsenter sets the working directory inside the container
	// itself (--wdns, util-linux 2.38), sparing the exec of env.
	wdns bool
}

func findTools() (tools, error) {
	find := func(name string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
			if p := filepath.Join(dir, name); isExecutable(p) {
				return p
			}
		}
		return ""
	}
	t := tools{ip: find("ip"), nsenter: find("nsenter"), setpriv: find("setpriv"), env: find("env")}
	if t.ip == "" {
		return t, errors.New("the local pod runtime needs iproute2's `ip` (Debian package iproute2)")
	}
	if t.nsenter == "" {
		return t, errors.New("the local pod runtime needs `nsenter` (Debian package util-linux)")
	}
	help, _ := exec.Command(t.nsenter, "--help").Output()
	t.wdns = bytes.Contains(help, []byte("--wdns"))
	return t, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Open starts a runtime: it checks for root and the host tools, locks the
// state directory and the bridge name, removes whatever a runtime killed
// with the same configuration left behind (processes, mounts, network
// namespaces, links, cgroups, the run directory), creates the bridge and
// loads the pod records (addresses) of the state directory. Storage is
// kept.
func Open(cfg Config) (*Runtime, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := findTools()
	if err != nil {
		return nil, err
	}
	_, ipv6Err := os.Stat("/proc/sys/net/ipv6")
	rt := &Runtime{
		cfg:   cfg,
		tools: t,
		net: network{
			ip: t.ip, bridge: cfg.Bridge, subnet: cfg.Subnet, gw: cfg.bridgeAddr(),
			ipv6: ipv6Err == nil,
		},
		pods: map[podKey]*Pod{},
	}
	ok := false
	defer func() {
		if !ok {
			rt.unlock()
		}
	}()
	if err := rt.lock(filepath.Join(cfg.StateDir, "lock")); err != nil {
		return nil, err
	}
	// One runtime per bridge: an abstract unix socket, released by the
	// kernel when the process dies, and leaving no file behind.
	err = retryBusy(func() error {
		var err error
		rt.bridgeLock, err = net.Listen("unix", "@"+Prefix+"-runtime-"+cfg.Bridge)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bridge %s: another pod runtime uses it: %w", cfg.Bridge, err)
	}
	if err := rt.net.checkSubnetFree(); err != nil {
		return nil, err
	}
	if rt.cg, err = openCgroupRoot(cfg.Bridge); err != nil {
		cfg.Logf("pod runtime: no cgroup v2 (%v); pods are contained by their PID namespaces only", err)
	}
	defer func() { // the locks are ours: so are the bridge and cgroup
		if !ok {
			_ = rt.net.deleteLink(cfg.Bridge)
			_ = rt.cg.remove()
		}
	}()
	if err := rt.cleanLeftovers(); err != nil {
		return nil, fmt.Errorf("clean up after a previous runtime: %w", err)
	}
	if err := rt.net.createBridge(); err != nil {
		return nil, err
	}
	if rt.records, err = loadRecords(cfg.StateDir); err != nil {
		return nil, err
	}
	for _, r := range rt.records {
		if r.Index < 2 || r.Index > cfg.maxIndex() {
			return nil, fmt.Errorf("pod record %s: index %d does not fit subnet %s", r.key(), r.Index, cfg.Subnet)
		}
	}
	ok = true
	return rt, nil
}

// lock takes an exclusive flock on path: one runtime per state directory
// and per bridge. The kernel drops it when the process dies.
func (rt *Runtime) lock(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	if err := retryBusy(func() error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }); err != nil {
		_ = f.Close()
		return fmt.Errorf("lock %s: another pod runtime uses this state directory or bridge: %w", path, err)
	}
	rt.locks = append(rt.locks, f)
	return nil
}

// lockWait is how long Open waits for a busy lock. A runtime that has
// just closed may still be named by a descriptor: a process forked by its
// program (say, a container init of another runtime) shares the lock's
// open file until it reaches exec.
const lockWait = time.Second

// retryBusy calls lock until it succeeds or lockWait has passed.
func retryBusy(lock func() error) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := lock()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (rt *Runtime) unlock() {
	for _, f := range rt.locks {
		_ = f.Close()
	}
	rt.locks = nil
	if rt.bridgeLock != nil {
		_ = rt.bridgeLock.Close()
		rt.bridgeLock = nil
	}
}

// cleanLeftovers removes what a killed runtime with this configuration
// left: it finds its objects by name (bridge prefix) and directory.
func (rt *Runtime) cleanLeftovers() error {
	for _, dir := range rt.cg.children() {
		rt.cfg.Logf("pod runtime: removing leftover cgroup %s", dir)
		if err := removeCgroup(dir); err != nil {
			return err
		}
	}
	netns, links, err := rt.net.leftovers()
	if err != nil {
		return err
	}
	var nsPaths []string
	for _, n := range netns {
		nsPaths = append(nsPaths, filepath.Join(netnsDir, n))
	}
	// Without cgroups (or if one was escaped), a pod's processes are
	// still recognisable by their network namespace.
	if err := killInNetns(nsPaths); err != nil {
		return err
	}
	if err := unmountUnder(rt.cfg.RunDir); err != nil {
		return err
	}
	for _, l := range links {
		rt.cfg.Logf("pod runtime: removing leftover link %s", l)
		if err := rt.net.deleteLink(l); err != nil {
			return err
		}
	}
	for _, n := range netns {
		rt.cfg.Logf("pod runtime: removing leftover netns %s", n)
		if err := rt.net.deleteNetns(n); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(rt.cfg.RunDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(rt.cfg.RunDir, e.Name())); err != nil {
			return fmt.Errorf("clean run directory: %w", err)
		}
	}
	return nil
}

// killInNetns SIGKILLs every process whose network namespace is one of
// the given netns files, until none is left.
func killInNetns(paths []string) error {
	type nsID struct{ dev, ino uint64 }
	targets := map[nsID]bool{}
	for _, p := range paths {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err == nil {
			targets[nsID{st.Dev, st.Ino}] = true
		}
	}
	if len(targets) == 0 {
		return nil
	}
	for range 500 {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return err
		}
		found := false
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			var st syscall.Stat_t
			if syscall.Stat("/proc/"+e.Name()+"/ns/net", &st) != nil || !targets[nsID{st.Dev, st.Ino}] {
				continue
			}
			found = true
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if !found {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("processes in the pods' network namespaces survive SIGKILL")
}

// unmountUnder detaches every host mount below dir. The runtime mounts
// nothing in the host's namespace, so this only undoes accidents.
func unmountUnder(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var points []string
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		if f := strings.Fields(s.Text()); len(f) >= 5 {
			if mp := unescapeMountPath(f[4]); strings.HasPrefix(mp, dir+"/") {
				points = append(points, mp)
			}
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, mp := range points {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("unmount %s: %w", mp, err)
		}
	}
	return nil
}

// Close stops and tears down every pod of the runtime (processes, mounts,
// namespaces, links), removes the bridge, the cgroups and the run
// directory, and releases the locks. Pod records and storage stay in the
// state directory for the next Open.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	pods := make([]*Pod, 0, len(rt.pods))
	for _, p := range rt.pods {
		pods = append(pods, p)
	}
	rt.mu.Unlock()

	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), rt.cfg.StopGrace+30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var errMu sync.Mutex
	for _, p := range pods {
		wg.Go(func() {
			if err := p.teardown(ctx, false); err != nil {
				errMu.Lock()
				errs = append(errs, err)
				errMu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := rt.net.deleteLink(rt.cfg.Bridge); err != nil {
		errs = append(errs, err)
	}
	if err := rt.cg.remove(); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(rt.cfg.RunDir); err != nil {
		errs = append(errs, err)
	}
	rt.unlock()
	return errors.Join(errs...)
}

// Config is the runtime's configuration with its defaults filled in.
func (rt *Runtime) Config() Config { return rt.cfg }

// BridgeAddress is the host's address on the pods' network: pods reach
// services the host (the controller) offers on it.
func (rt *Runtime) BridgeAddress() netip.Addr { return rt.cfg.bridgeAddr() }

// Create prepares a unit's pod without starting it: its network namespace
// with its address (the one recorded for the unit, or the lowest free
// one, then recorded) and its storage directories. It rewrites the hosts
// files of the model's pods, which now list the new one.
func (rt *Runtime) Create(spec PodSpec) (*Pod, error) {
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("create pod: %w", err)
	}
	spec = spec.clone()
	key := podKey{spec.Model, spec.Name()}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil, errClosed
	}
	if _, ok := rt.pods[key]; ok {
		return nil, fmt.Errorf("create pod %s: it exists", key)
	}
	rec, ok := rt.records[key]
	if !ok {
		index, err := rt.freeIndex()
		if err != nil {
			return nil, fmt.Errorf("create pod %s: %w", key, err)
		}
		rec = record{Model: spec.Model, Application: spec.Application, Unit: spec.Unit, Index: index}
		if err := writeRecord(rt.cfg.StateDir, rec); err != nil {
			return nil, fmt.Errorf("create pod %s: %w", key, err)
		}
		rt.records[key] = rec
	}
	p := &Pod{
		rt: rt, spec: spec, key: key, index: rec.Index,
		addr: rt.cfg.addr(rec.Index), netns: rt.cfg.linkName(rec.Index),
	}
	if err := rt.createPodDirs(p); err != nil {
		return nil, fmt.Errorf("create pod %s: %w", key, err)
	}
	if err := rt.net.addPod(p.netns, p.addr); err != nil {
		_ = rt.net.removePod(p.netns)
		_ = os.RemoveAll(p.runDir())
		return nil, fmt.Errorf("create pod %s: %w", key, err)
	}
	rt.pods[key] = p
	if err := rt.writeHostsLocked(spec.Model); err != nil {
		return p, fmt.Errorf("create pod %s: %w", key, err)
	}
	return p, nil
}

var errClosed = errors.New("pod runtime is closed")

func (rt *Runtime) createPodDirs(p *Pod) error {
	if err := os.MkdirAll(p.runDir(), 0o755); err != nil {
		return err
	}
	for _, s := range p.spec.storageNames() {
		if err := os.MkdirAll(p.StorageDir(s), 0o755); err != nil {
			return fmt.Errorf("storage %s: %w", s, err)
		}
	}
	// Pebble socket paths are bound by sun_path's 108 bytes.
	for _, c := range p.spec.Containers {
		if s := p.PebbleSocket(c.Name); len(s) > 107 {
			return fmt.Errorf("pebble socket path %s is longer than 107 bytes: use a shorter Config.RunDir", s)
		}
	}
	return nil
}

// freeIndex is the lowest pod index no record holds.
func (rt *Runtime) freeIndex() (int, error) {
	used := map[int]bool{}
	for _, r := range rt.records {
		used[r.Index] = true
	}
	for i := 2; i <= rt.cfg.maxIndex(); i++ {
		if !used[i] {
			return i, nil
		}
	}
	return 0, fmt.Errorf("subnet %s is full", rt.cfg.Subnet)
}

// Pod returns the runtime's pod of unit name ("<app>-<n>") in model, or
// nil.
func (rt *Runtime) Pod(model, name string) *Pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.pods[podKey{model, name}]
}

// Pods returns the runtime's pods of model, by application then unit.
func (rt *Runtime) Pods(model string) []*Pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.modelPodsLocked(model)
}

func (rt *Runtime) modelPodsLocked(model string) []*Pod {
	var pods []*Pod
	for k, p := range rt.pods {
		if k.model == model {
			pods = append(pods, p)
		}
	}
	slices.SortFunc(pods, func(a, b *Pod) int {
		return cmp.Or(cmp.Compare(a.spec.Application, b.spec.Application), cmp.Compare(a.spec.Unit, b.spec.Unit))
	})
	return pods
}

// Known lists the units of model ("<app>-<n>") that the state directory
// remembers — with an address record or storage — whether or not a pod of
// this runtime exists for them: after a restart, the controller re-creates
// the pods of its units and calls DestroyStorage for the others.
func (rt *Runtime) Known(model string) []string {
	entries, _ := os.ReadDir(filepath.Join(rt.cfg.StateDir, "pods", model))
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// UpdateHosts rewrites the /etc/hosts of every pod of model so that it
// lists every pod of the model and every application's service names.
// Create and Destroy call it; a running container sees the new file at
// once (it is bound from the runtime's copy, rewritten in place).
func (rt *Runtime) UpdateHosts(model string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.writeHostsLocked(model)
}

func (rt *Runtime) writeHostsLocked(model string) error {
	pods := rt.modelPodsLocked(model)
	entries := make([]hostEntry, len(pods))
	for i, p := range pods {
		entries[i] = hostEntry{app: p.spec.Application, unit: p.spec.Unit, addr: p.addr}
	}
	var errs []error
	for _, p := range pods {
		if err := writeInPlace(p.hostsPath(), renderHosts(model, p.spec.Name(), entries)); err != nil {
			errs = append(errs, fmt.Errorf("hosts file of %s: %w", p.key, err))
		}
	}
	return errors.Join(errs...)
}

// writeInPlace replaces the content of path without replacing the file: a
// bind mount of it (the containers' /etc/hosts) keeps showing it. A reader
// may see a partial file for the instant of the write.
func writeInPlace(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return nil
	}
	return os.WriteFile(path, content, 0o644)
}

// DestroyStorage removes the storage of unit name ("<app>-<n>") of model,
// and the unit's address record if it has no pod: call it when the model
// removes the unit for good. Pod storage otherwise outlives Destroy, like
// a StatefulSet's persistent volume claims. The unit must have no pod.
func (rt *Runtime) DestroyStorage(model, name string) error {
	key := podKey{model, name}
	if !dnsLabel.MatchString(model) || !dnsLabel.MatchString(name) {
		return fmt.Errorf("destroy storage of %s: invalid name", key)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, ok := rt.pods[key]; ok {
		return fmt.Errorf("destroy storage of %s: the pod exists; destroy it first", key)
	}
	if err := os.RemoveAll(filepath.Join(podStateDir(rt.cfg.StateDir, key), "storage")); err != nil {
		return fmt.Errorf("destroy storage of %s: %w", key, err)
	}
	delete(rt.records, key)
	return removeRecord(rt.cfg.StateDir, key)
}

// forget drops a destroyed pod from the runtime and its record, and
// rewrites the model's hosts files.
func (rt *Runtime) forget(p *Pod) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.pods, p.key)
	delete(rt.records, p.key)
	err := removeRecord(rt.cfg.StateDir, p.key)
	return errors.Join(err, rt.writeHostsLocked(p.key.model))
}

// drop removes a pod torn down by Close from the runtime's map.
func (rt *Runtime) drop(p *Pod) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.pods, p.key)
}
