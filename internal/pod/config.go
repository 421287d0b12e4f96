package pod

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Prefix starts the name of every bridge, network namespace, veth link and
// cgroup the runtime creates, so that they are recognisable (and are never
// confused with the host's own).
const Prefix = "ipgc"

// DefaultSubnet is the address range reserved for the runtime's pods.
// 10.213.0.0/16 is not used by Docker (172.17/16, 172.18+/16), LXD
// (10.x random /24s under lxdbr0), libvirt (192.168.122/24), Kubernetes
// defaults (10.96/12, 10.244/16, 10.42/16) or Multipass (10.x /24s).
var DefaultSubnet = netip.MustParsePrefix("10.213.0.0/16")

// DefaultBridge is the host bridge of a runtime with the default Config.
const DefaultBridge = Prefix + "0"

// Config configures a Runtime. Two runtimes on one host must differ in
// StateDir, Bridge and Subnet (tests open one per package this way).
type Config struct {
	// StateDir keeps what survives the runtime: address allocations and
	// storage volumes. Required.
	StateDir string
	// RunDir holds what lives only while the runtime runs: hosts files,
	// Pebble sockets, logs, mount points. Default /run/<Bridge>. Keep it
	// short: Pebble socket paths under it are limited to 107 bytes.
	RunDir string
	// Pebble is the host path of the pebble binary, bound at
	// /charm/bin/pebble in every container. Required.
	Pebble string
	// Bridge is the name of the host bridge; every netns and veth of the
	// runtime is named "<Bridge>-<index>". It must start with Prefix and
	// have at most 9 characters (Linux interface names have at most 15).
	// Default DefaultBridge.
	Bridge string
	// Subnet is the pods' IPv4 range, between /16 and /28: the bridge takes
	// the first address, pods the following ones. Default DefaultSubnet.
	Subnet netip.Prefix
	// StartTimeout bounds Pod.Start when its context has no deadline.
	// Default 30s.
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before killing a
	// pod's processes. Default 10s.
	StopGrace time.Duration
	// Logf receives diagnostics (leftovers cleaned, degraded features).
	// Default: discarded.
	Logf func(format string, args ...any)
}

var bridgeName = regexp.MustCompile(`^` + Prefix + `[a-z0-9]{0,5}$`)

// withDefaults validates the configuration and fills in the defaults,
// making directories absolute and free of symlinks (the container setup
// refers to host paths from inside a pivoted root, where host symlinks
// would resolve wrongly).
func (c Config) withDefaults() (Config, error) {
	if c.StateDir == "" {
		return c, errors.New("config: StateDir is required")
	}
	if c.Pebble == "" {
		return c, errors.New("config: Pebble (the host path of the pebble binary) is required")
	}
	if c.Bridge == "" {
		c.Bridge = DefaultBridge
	}
	if !bridgeName.MatchString(c.Bridge) {
		return c, fmt.Errorf("config: bridge name %q must be %q followed by up to 5 lowercase letters or digits", c.Bridge, Prefix)
	}
	if !c.Subnet.IsValid() {
		c.Subnet = DefaultSubnet
	}
	c.Subnet = c.Subnet.Masked()
	if !c.Subnet.Addr().Is4() || c.Subnet.Bits() < 16 || c.Subnet.Bits() > 28 {
		return c, fmt.Errorf("config: subnet %s must be IPv4 and between /16 and /28", c.Subnet)
	}
	if c.RunDir == "" {
		c.RunDir = filepath.Join("/run", c.Bridge)
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.StopGrace <= 0 {
		c.StopGrace = 10 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	var err error
	if c.Pebble, err = realPath(c.Pebble); err != nil {
		return c, fmt.Errorf("config: pebble binary: %w", err)
	}
	if fi, err := os.Stat(c.Pebble); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return c, fmt.Errorf("config: pebble binary %s is not an executable file", c.Pebble)
	}
	for _, dir := range []*string{&c.StateDir, &c.RunDir} {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		if *dir, err = realPath(*dir); err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
	}
	return c, nil
}

// realPath is the absolute path of p with every symlink resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// maxIndex is the highest pod index of the subnet (its last address is
// the broadcast address).
func (c Config) maxIndex() int {
	return 1<<(32-c.Subnet.Bits()) - 2
}

// bridgeAddr is the host's address on the bridge: the subnet's first.
func (c Config) bridgeAddr() netip.Addr { return c.addr(1) }

// addr is the address of pod index i (i >= 2).
func (c Config) addr(i int) netip.Addr {
	a := c.Subnet.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// linkName is the name of pod index i's network namespace and host-side
// veth: "<bridge>-<index>", at most 15 characters.
func (c Config) linkName(i int) string { return fmt.Sprintf("%s-%d", c.Bridge, i) }
