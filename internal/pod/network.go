package pod

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// netnsDir is where iproute2 keeps named network namespaces.
const netnsDir = "/run/netns"

// network drives iproute2 for one runtime: its bridge and one namespace
// plus veth pair per pod. Commands are batched (`ip -batch -`) to keep a
// pod's setup to two processes.
type network struct {
	ip     string // path of the ip binary
	bridge string
	subnet netip.Prefix
	gw     netip.Addr // the bridge's address
	ipv6   bool       // the kernel has IPv6: link-local addresses must be turned off
}

func (n network) run(netns string, script string) error {
	args := []string{"-batch", "-"}
	if netns != "" {
		args = append([]string{"-n", netns}, args...)
	}
	cmd := exec.Command(n.ip, args...)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s (script:\n%s)", strings.Join(args, " "), err, bytes.TrimSpace(out), script)
	}
	return nil
}

// noLinkLocal turns off IPv6 address generation on a link before it is
// brought up, so that the bridge subnet stays the only non-loopback range.
func (n network) noLinkLocal(dev string) string {
	if !n.ipv6 {
		return ""
	}
	return "link set dev " + dev + " addrgenmode none\n"
}

// bridgeMAC is a fixed, locally administered MAC for the bridge: a bridge
// without one takes the lowest MAC of its ports, which changes as pods
// come and go and leaves stale ARP entries for the host's address.
func (n network) bridgeMAC() string {
	sum := sha256.Sum256([]byte(n.bridge))
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", sum[0], sum[1], sum[2], sum[3], sum[4])
}

// createBridge (re)creates the bridge with the gateway address. Forwarding
// is off for packets arriving on it: nothing from a pod is routed beyond
// the subnet, whatever the host's ip_forward says.
func (n network) createBridge() error {
	if err := n.deleteLink(n.bridge); err != nil {
		return err
	}
	script := fmt.Sprintf("link add name %s address %s type bridge\n", n.bridge, n.bridgeMAC()) +
		n.noLinkLocal(n.bridge) +
		fmt.Sprintf("addr add %s/%d dev %s\n", n.gw, n.subnet.Bits(), n.bridge) +
		fmt.Sprintf("link set dev %s up\n", n.bridge)
	if err := n.run("", script); err != nil {
		return fmt.Errorf("create bridge %s: %w", n.bridge, err)
	}
	fwd := filepath.Join("/proc/sys/net/ipv4/conf", n.bridge, "forwarding")
	if err := os.WriteFile(fwd, []byte("0\n"), 0o644); err != nil {
		return fmt.Errorf("turn off forwarding on %s: %w", n.bridge, err)
	}
	return nil
}

// addPod creates the pod's network namespace, named name, with loopback
// and eth0 at addr, its peer plugged into the bridge. Only the subnet's
// connected route exists: there is no default route.
func (n network) addPod(name string, addr netip.Addr) error {
	host := fmt.Sprintf("netns add %s\n", name) +
		fmt.Sprintf("link add %s type veth peer name eth0 netns %s\n", name, name) +
		n.noLinkLocal(name) +
		fmt.Sprintf("link set dev %s master %s up\n", name, n.bridge)
	if err := n.run("", host); err != nil {
		return fmt.Errorf("create netns %s: %w", name, err)
	}
	inside := n.noLinkLocal("eth0") +
		fmt.Sprintf("addr add %s/%d dev eth0\n", addr, n.subnet.Bits()) +
		"link set dev eth0 up\n" +
		"link set dev lo up\n"
	if err := n.run(name, inside); err != nil {
		return fmt.Errorf("configure netns %s: %w", name, err)
	}
	return nil
}

// removePod deletes the pod's veth pair (at once: a namespace's links
// otherwise vanish only when the kernel gets round to freeing it) and
// then the namespace.
func (n network) removePod(name string) error {
	if err := n.deleteLink(name); err != nil {
		return err
	}
	return n.deleteNetns(name)
}

func (n network) deleteLink(name string) error {
	if _, err := net.InterfaceByName(name); err != nil {
		return nil // absent
	}
	if err := n.run("", "link del dev "+name+"\n"); err != nil {
		return fmt.Errorf("delete link %s: %w", name, err)
	}
	return nil
}

func (n network) deleteNetns(name string) error {
	if _, err := os.Lstat(filepath.Join(netnsDir, name)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := n.run("", "netns del "+name+"\n"); err != nil {
		return fmt.Errorf("delete netns %s: %w", name, err)
	}
	return nil
}

// ownedName reports whether a netns or link name is one of this
// runtime's pods: "<bridge>-<digits>".
func (n network) ownedName(name string) bool {
	rest, ok := strings.CutPrefix(name, n.bridge+"-")
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// leftovers lists the pod namespaces and links of this runtime that exist
// on the host.
func (n network) leftovers() (netns, links []string, err error) {
	entries, err := os.ReadDir(netnsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range entries {
		if n.ownedName(e.Name()) {
			netns = append(netns, e.Name())
		}
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, nil, fmt.Errorf("list links: %w", err)
	}
	for _, i := range ifaces {
		if n.ownedName(i.Name) {
			links = append(links, i.Name)
		}
	}
	return netns, links, nil
}

// checkSubnetFree refuses a subnet that overlaps an address of another
// interface: the runtime must not capture traffic meant for a real
// network.
func (n network) checkSubnetFree() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, i := range ifaces {
		if i.Name == n.bridge {
			continue
		}
		addrs, err := i.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			p, err := netip.ParsePrefix(ipnet.String())
			if err != nil || !p.Addr().Is4() {
				continue
			}
			if p.Overlaps(n.subnet) {
				return fmt.Errorf("subnet %s overlaps %s on interface %s; choose another Config.Subnet", n.subnet, p, i.Name)
			}
		}
	}
	return nil
}
