// Package pod runs Kubernetes-like pods on one Linux machine, with no
// container engine: the local model runtime's stand-in for the pods Juju
// creates on Kubernetes. It exists for development, demos and tests. It is
// not a security boundary and never meant for production: containers run
// as root with every capability, share the host's kernel, /usr and
// (a copy of) its /etc.
//
// # Model
//
// A pod is a unit ("<app>-<n>" of a model). It has:
//
//   - a network namespace ("<bridge>-<index>" in `ip netns`), with its own
//     loopback and one veth pair (host end "<bridge>-<index>", pod end
//     eth0) plugged into the runtime's host bridge;
//   - a cgroup (cgroup v2, "<cgroup2 mount>/<bridge>/<index>"; on hybrid
//     hosts the mount is /sys/fs/cgroup/unified) that every process of the
//     pod is cloned into, and that Stop empties with cgroup.kill: no
//     process escapes, not even one that daemonizes or changes session.
//     Without a writable cgroup2 hierarchy the PID namespaces below still
//     contain everything;
//   - containers: the charm container ("charm") and one per workload
//     container of the charm's metadata.
//
// A container is a mount namespace, a PID namespace (its first process is
// PID 1 and killing it kills the rest) and a UTS namespace (hostname
// "<app>-<n>"), in the pod's network namespace. All containers of a pod
// share the pod's network namespace, so "localhost" is the pod's.
//
// # Filesystems
//
// Each container's root is a fresh tmpfs, built on every start (as a
// Kubernetes container's writable layer) and pivoted into:
//
//   - /usr, /bin, /sbin, /lib* are the host's, read-only (overlays over the
//     host's directories, whose upper layer only receives the mount points
//     of image files, then remounted read-only; symlinks such as
//     /bin -> usr/bin are reproduced);
//   - /etc is private and writable: an overlay whose lower layer is the
//     host's /etc (copy-on-write: users such as postgres, CA certificates
//     and nsswitch work as on the host), or a copy without overlayfs; the
//     image's Users missing from /etc/passwd are added; /etc/hosts (see
//     below), /etc/hostname and an /etc/resolv.conf without name servers
//     are the pod's;
//   - /tmp, /var, /run, /opt, /srv, /root, /home are empty directories of
//     the root tmpfs; /proc is the container's, /sys is read-only, /dev is
//     minimal (null, zero, full, random, urandom, tty, a private devpts,
//     /dev/shm);
//   - the image's files (ContainerSpec.Files: container path → host path)
//     are bound read-only at their paths;
//   - storage (ContainerSpec.Mounts: storage name → location) is bound
//     read-write from "<StateDir>/pods/<model>/<app>-<n>/storage/<name>".
//     Storage persists across Stop, Restart, Destroy and runtime restarts,
//     like a StatefulSet's persistent volume claim, until
//     Runtime.DestroyStorage (the model removed the unit).
//
// Juju's paths:
//
//   - every container has the pebble binary (Config.Pebble) at
//     /charm/bin/pebble;
//   - a workload container's PID 1 is `/charm/bin/pebble run --create-dirs
//     --hold` with PEBBLE=/var/lib/pebble/default and
//     PEBBLE_SOCKET=/charm/container/pebble.socket; the socket is at
//     /charm/containers/<name>/pebble.socket in the charm container and at
//     Pod.PebbleSocket(name) on the host;
//   - the charm container has the unpacked charm (PodSpec.CharmDir) at
//     /var/lib/juju/agents/unit-<app>-<n>/charm, read-only, and the hook
//     tools (PodSpec.ToolsDir) at /var/lib/juju/tools/unit-<app>-<n>, first
//     on the PATH of every process Exec starts there. Its PID 1 only reaps
//     orphans.
//
// Pod.Exec runs a process in a container through nsenter(1) (a Go program
// cannot enter a mount namespace itself once it has threads), with handles
// on the container's namespaces opened when it started, so a recycled PID
// can never mislead it. Container init processes are this same binary,
// re-executed from /proc/self/exe under a special argv[0] that the
// package's init function recognises before main runs: any binary that
// imports this package (test binaries, the controller) can run pods
// without a helper binary.
//
// # Network
//
// The runtime owns one IPv4 subnet, Config.Subnet, by default
// 10.213.0.0/16 (DefaultSubnet): the bridge (Config.Bridge, default
// "ipgc0") has its first address (10.213.0.1), pods get the following
// ones. It is the only non-loopback range the pods use: they have no
// default route, the bridge does not forward (its IPv4 forwarding is off
// and no NAT rule exists), and IPv6 link-local addresses are not
// generated. Pods reach each other, and the host reaches them, by address;
// pods reach the host at Runtime.BridgeAddress. Open refuses a subnet
// that overlaps an address of another interface.
//
// A pod's index, hence its address, link and namespace names, is recorded
// in "<StateDir>/pods/<model>/<app>-<n>/pod.json" when the pod is created,
// and reused whenever a pod is created for that unit again — after Stop,
// Restart, a runtime restart or a killed runtime — until Destroy releases
// it.
//
// # Names
//
// Every pod's /etc/hosts resolves the names Kubernetes gives, for every
// pod of its model:
//
//	<app>-<n>.<app>-endpoints.<model>.svc.cluster.local  and  <app>-<n>   the unit's pod
//	<app>.<model>.svc.cluster.local                                        the application's service
//	<app>-endpoints.<model>.svc.cluster.local                              its headless service
//
// A service name has one line per unit, lowest unit first. glibc (2.26 and
// later, including Debian 12's 2.36, verified by the tests) returns every
// line's address, in file order, from gethostbyname and getaddrinfo alike
// (`getent hosts` and `getent ahosts` list both units), and Go's resolver
// does the same: a client that takes the first address reaches the
// lowest-numbered unit; there is no virtual IP and no load balancing.
// Create and Destroy rewrite the hosts files of the model's pods, and so
// does Runtime.UpdateHosts; the file is bound from the runtime's copy,
// rewritten in place, so running containers see changes at once. Only
// /etc/hosts names resolve: pods have no DNS server.
//
// # Lifecycle and leftovers
//
// Open needs root, iproute2 and util-linux (nsenter, setpriv). It locks
// the state directory and the bridge name, then removes what a killed
// runtime with the same configuration left: cgroups under its directory,
// processes in its network namespaces, namespaces and links named
// "<bridge>-<index>", and the run directory (Config.RunDir, default
// /run/<bridge>: hosts files, Pebble sockets, logs). Container mounts
// live only in the containers' mount namespaces and vanish with them.
// Close stops every pod and removes all of that, keeping pod records and
// storage for the next Open. Two runtimes on one host need different
// state directories, bridges and subnets.
package pod
