package pod

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// CharmContainer is the name of the container that runs the charm's hooks,
// as in Juju's Kubernetes pods.
const CharmContainer = "charm"

// PodSpec describes one unit's pod.
type PodSpec struct {
	// Model, Application and Unit name the unit: the pod is
	// "<Application>-<Unit>" in Model.
	Model       string
	Application string
	Unit        int
	// CharmDir is the host directory holding the unpacked charm, bound
	// read-only at CharmPath() in the charm container. Empty: not mounted.
	CharmDir string
	// ToolsDir is the host directory holding the hook tools, bound
	// read-only at ToolsPath() in the charm container and put first on
	// the PATH of processes Exec runs there. Empty: not mounted.
	ToolsDir string
	// RunDir is a host directory bound read-write at RunPath() in the
	// charm container, for the unit agent's sockets (in Juju the charm
	// container shares /var/lib/juju with its agent). Empty: not mounted.
	RunDir string
	// Charm adds to the charm container: image files, users, environment
	// and storage mounts. Its Name is ignored.
	Charm ContainerSpec
	// Containers are the workload containers of the charm's metadata; each
	// runs a Pebble daemon.
	Containers []ContainerSpec
}

// ContainerSpec is one container: its image (files, users, environment)
// and where pod storage is mounted.
type ContainerSpec struct {
	Name string
	// Files are the image's content, each bound read-only at its Path.
	Files []File
	// Users are accounts the image needs; those missing from the
	// container's /etc/passwd (a private copy of the host's) are added.
	Users []string
	// Env is the image's environment: Pebble's and the base of every
	// Exec in the container.
	Env map[string]string
	// Mounts put pod storage into the container.
	Mounts []Mount
}

// File is one file or directory of a container image.
type File struct {
	Path   string // absolute path in the container
	Source string // path on the host
}

// Mount places a pod's storage volume in a container. Storage with the
// same name is the same directory in every container of the pod.
type Mount struct {
	Storage  string // the storage name from the charm's metadata
	Location string // absolute path in the container
}

// Name is the pod's (and Kubernetes hostname's) name: "<app>-<unit>".
func (s PodSpec) Name() string { return fmt.Sprintf("%s-%d", s.Application, s.Unit) }

// AgentPath is the unit agent's directory in the charm container, where
// Juju keeps the unit's state.
func (s PodSpec) AgentPath() string { return "/var/lib/juju/agents/unit-" + s.Name() }

// CharmPath is where the charm is unpacked in the charm container
// (JUJU_CHARM_DIR).
func (s PodSpec) CharmPath() string { return s.AgentPath() + "/charm" }

// RunPath is where RunDir is in the charm container.
func (s PodSpec) RunPath() string { return s.AgentPath() + "/run" }

// ToolsPath is the directory of the hook tools in the charm container.
func (s PodSpec) ToolsPath() string { return "/var/lib/juju/tools/unit-" + s.Name() }

// PodFQDN is a unit's pod name in Kubernetes DNS:
// <app>-<n>.<app>-endpoints.<model>.svc.cluster.local.
func PodFQDN(model, app string, unit int) string {
	return fmt.Sprintf("%s-%d.%s-endpoints.%s.svc.cluster.local", app, unit, app, model)
}

// ServiceFQDN is an application's service name: <app>.<model>.svc.cluster.local.
func ServiceFQDN(model, app string) string {
	return app + "." + model + ".svc.cluster.local"
}

// EndpointsFQDN is an application's headless service name:
// <app>-endpoints.<model>.svc.cluster.local.
func EndpointsFQDN(model, app string) string {
	return app + "-endpoints." + model + ".svc.cluster.local"
}

var (
	// dnsLabel is a Kubernetes DNS label; model, container and storage
	// names are used in paths and host names, so they are held to it.
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	// appName is Juju's application name rule.
	appName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`)
	// userName is a conservative POSIX account name.
	userName = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// reservedTargets are container paths the runtime owns: image files and
// storage may not be placed on or under them.
var reservedTargets = []string{"/proc", "/sys", "/dev", "/charm", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}

// systemDirs are the host directories every container sees read-only
// (where they exist on the host: symlinks such as /bin -> usr/bin are
// reproduced as symlinks).
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

func (s PodSpec) validate() error {
	if !dnsLabel.MatchString(s.Model) {
		return fmt.Errorf("model name %q is not a DNS label", s.Model)
	}
	if !appName.MatchString(s.Application) || len(s.Application) > 40 {
		return fmt.Errorf("application name %q is not a valid Juju application name", s.Application)
	}
	if s.Unit < 0 {
		return fmt.Errorf("unit number %d is negative", s.Unit)
	}
	for _, dir := range []struct{ what, path string }{{"CharmDir", s.CharmDir}, {"ToolsDir", s.ToolsDir}} {
		if dir.path != "" && !path.IsAbs(dir.path) {
			return fmt.Errorf("%s %q is not absolute", dir.what, dir.path)
		}
	}
	charm := s.Charm
	charm.Name = CharmContainer
	if err := charm.validate(); err != nil {
		return err
	}
	seen := map[string]bool{CharmContainer: true}
	for _, c := range s.Containers {
		if seen[c.Name] {
			return fmt.Errorf("container %q: name used twice (%q is the charm container)", c.Name, CharmContainer)
		}
		seen[c.Name] = true
		if err := c.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c ContainerSpec) validate() error {
	if !dnsLabel.MatchString(c.Name) {
		return fmt.Errorf("container name %q is not a DNS label", c.Name)
	}
	wrap := func(err error) error { return fmt.Errorf("container %q: %w", c.Name, err) }
	targets := map[string]bool{}
	for _, f := range c.Files {
		if err := checkTarget(f.Path); err != nil {
			return wrap(fmt.Errorf("file: %w", err))
		}
		if !path.IsAbs(f.Source) {
			return wrap(fmt.Errorf("file %s: source %q is not absolute", f.Path, f.Source))
		}
		if targets[f.Path] {
			return wrap(fmt.Errorf("%s is mounted twice", f.Path))
		}
		targets[f.Path] = true
	}
	for _, m := range c.Mounts {
		if !dnsLabel.MatchString(m.Storage) {
			return wrap(fmt.Errorf("storage name %q is not a DNS label", m.Storage))
		}
		if err := checkTarget(m.Location); err != nil {
			return wrap(fmt.Errorf("storage %s: %w", m.Storage, err))
		}
		if targets[m.Location] {
			return wrap(fmt.Errorf("%s is mounted twice", m.Location))
		}
		targets[m.Location] = true
	}
	for _, u := range c.Users {
		if !userName.MatchString(u) {
			return wrap(fmt.Errorf("user name %q is not valid", u))
		}
	}
	for k := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return wrap(fmt.Errorf("environment variable name %q is not valid", k))
		}
	}
	return nil
}

// checkTarget accepts an absolute, clean container path that is not the
// root, a system directory or a path the runtime owns.
func checkTarget(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("path %q must be absolute, clean and not /", p)
	}
	if strings.ContainsAny(p, ",:\x00") {
		return fmt.Errorf("path %q contains a comma, colon or NUL", p)
	}
	for _, r := range reservedTargets {
		if p == r || strings.HasPrefix(p, r+"/") {
			return fmt.Errorf("path %q is managed by the runtime (%s)", p, r)
		}
	}
	for _, d := range append([]string{"/etc"}, systemDirs...) {
		if p == d {
			return fmt.Errorf("path %q would hide the system directory", p)
		}
	}
	return nil
}

// storageNames lists the storage the pod mounts, sorted.
func (s PodSpec) storageNames() []string {
	set := map[string]bool{}
	for _, c := range append([]ContainerSpec{s.Charm}, s.Containers...) {
		for _, m := range c.Mounts {
			set[m.Storage] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// container returns the spec of the named container.
func (s PodSpec) container(name string) (ContainerSpec, error) {
	if name == CharmContainer {
		c := s.Charm
		c.Name = CharmContainer
		return c, nil
	}
	for _, c := range s.Containers {
		if c.Name == name {
			return c, nil
		}
	}
	return ContainerSpec{}, errors.New("no container " + name)
}

// clone copies the spec so the caller may reuse its slices and maps.
func (s PodSpec) clone() PodSpec {
	out := s
	out.Charm = s.Charm.clone()
	out.Containers = make([]ContainerSpec, len(s.Containers))
	for i, c := range s.Containers {
		out.Containers[i] = c.clone()
	}
	return out
}

func (c ContainerSpec) clone() ContainerSpec {
	out := c
	out.Files = append([]File(nil), c.Files...)
	out.Users = append([]string(nil), c.Users...)
	out.Mounts = append([]Mount(nil), c.Mounts...)
	out.Env = make(map[string]string, len(c.Env))
	for k, v := range c.Env {
		out.Env[k] = v
	}
	return out
}
