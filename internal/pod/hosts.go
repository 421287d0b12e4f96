package pod

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// hostEntry is one pod of a model as its /etc/hosts lists it.
type hostEntry struct {
	app  string
	unit int
	addr netip.Addr
}

// renderHosts is the /etc/hosts of pod self in model: loopback, every
// pod's name, and every application's two service names with one line per
// unit, lowest unit first. glibc's files backend (2.26 and later) returns
// every matching line, in file order, to gethostbyname and getaddrinfo
// alike; a client that uses the first address reaches the lowest unit.
func renderHosts(model, self string, pods []hostEntry) []byte {
	pods = slices.Clone(pods)
	slices.SortFunc(pods, func(a, b hostEntry) int {
		return cmp.Or(cmp.Compare(a.app, b.app), cmp.Compare(a.unit, b.unit))
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "# /etc/hosts of pod %s in model %s, written by the local pod runtime.\n", self, model)
	b.WriteString("# Rewritten when units come and go; edits are lost.\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	if len(pods) == 0 {
		return b.Bytes()
	}
	b.WriteString("\n# pods: <app>-<n>.<app>-endpoints.<model>.svc.cluster.local\n")
	for _, p := range pods {
		fmt.Fprintf(&b, "%s\t%s %s-%d\n", p.addr, PodFQDN(model, p.app, p.unit), p.app, p.unit)
	}
	b.WriteString("\n# services: one line per unit, lowest unit first\n")
	for _, p := range pods {
		fmt.Fprintf(&b, "%s\t%s %s\n", p.addr, ServiceFQDN(model, p.app), EndpointsFQDN(model, p.app))
	}
	return b.Bytes()
}
