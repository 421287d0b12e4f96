package unitctx

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/identity-platform-go/charms/internal/jujuc"
)

// portChanges buffers open-port/close-port the way Juju's
// portRangeChangeRecorder does for a Kubernetes unit.
type portChanges struct {
	open, close jujuc.GroupedPortRanges
}

// errK8sPortRange is what Juju answers a sidecar charm opening a range.
var errK8sPortRange = errors.New("port ranges are not supported for k8s applications, please specify a single port")

// Range is p as Juju's port range (icmp is -1 to -1).
func (p Port) Range() jujuc.PortRange {
	if p.Protocol == "icmp" {
		return jujuc.PortRange{FromPort: -1, ToPort: -1, Protocol: "icmp"}
	}
	to := p.To
	if to == 0 {
		to = p.From
	}
	return jujuc.PortRange{FromPort: p.From, ToPort: to, Protocol: p.Protocol}
}

func fromRange(r jujuc.PortRange, endpoints []string) Port {
	if r.Protocol == "icmp" {
		return Port{Protocol: "icmp", Endpoints: endpoints}
	}
	return Port{Protocol: r.Protocol, From: r.FromPort, To: r.ToPort, Endpoints: endpoints}
}

// committedPorts groups the State's opened ports by endpoint.
func (h *hookContext) committedPorts() jujuc.GroupedPortRanges {
	g := jujuc.GroupedPortRanges{}
	for _, p := range h.st.OpenedPorts {
		r := p.Range()
		if len(p.Endpoints) == 0 {
			g[""] = appendUnique(g[""], r)
			continue
		}
		for _, ep := range p.Endpoints {
			g[ep] = appendUnique(g[ep], r)
		}
	}
	return g
}

func appendUnique(rs []jujuc.PortRange, r jujuc.PortRange) []jujuc.PortRange {
	if slices.Contains(rs, r) {
		return rs
	}
	return append(rs, r)
}

func removeRange(rs []jujuc.PortRange, r jujuc.PortRange) ([]jujuc.PortRange, bool) {
	i := slices.Index(rs, r)
	if i < 0 {
		return rs, false
	}
	return slices.Delete(rs, i, i+1), true
}

// conflict checks a request against this hook's earlier requests of the
// same kind: the same range on the same endpoint is a no-op (nil, true);
// an overlapping different range is an error.
func (h *hookContext) conflict(pending jujuc.GroupedPortRanges, endpoint string, r jujuc.PortRange) (error, bool) {
	for ep, rs := range pending {
		for _, other := range rs {
			if !r.ConflictsWith(other) {
				continue
			}
			if r == other {
				if ep != endpoint {
					continue
				}
				return nil, true
			}
			return fmt.Errorf("port range conflicts with %v (unit %q) requested earlier", other, h.unit), false
		}
	}
	return nil, false
}

func (h *hookContext) OpenPortRange(endpoint string, r jujuc.PortRange) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.FromPort != r.ToPort {
		return errK8sPortRange
	}
	if rs, ok := removeRange(h.ports.close[endpoint], r); ok {
		h.ports.close[endpoint] = rs
	}
	if err, noop := h.conflict(h.ports.open, endpoint, r); err != nil {
		return fmt.Errorf("cannot open %v (unit %q): %w", r, h.unit, err)
	} else if noop {
		return nil
	}
	if slices.Contains(h.committedPorts()[endpoint], r) {
		return nil
	}
	h.ports.open[endpoint] = append(h.ports.open[endpoint], r)
	return nil
}

func (h *hookContext) ClosePortRange(endpoint string, r jujuc.PortRange) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.FromPort != r.ToPort {
		return errK8sPortRange
	}
	if rs, ok := removeRange(h.ports.open[endpoint], r); ok {
		h.ports.open[endpoint] = rs
	}
	if err, noop := h.conflict(h.ports.close, endpoint, r); err != nil {
		return fmt.Errorf("cannot close %v (unit %q): %w", r, h.unit, err)
	} else if noop {
		return nil
	}
	// Nothing open anywhere: nothing to close (Juju records nothing).
	if len(h.st.OpenedPorts) == 0 {
		return nil
	}
	h.ports.close[endpoint] = append(h.ports.close[endpoint], r)
	return nil
}

// OpenedPortRanges is the committed ports with this hook's requests
// applied, as opened-ports shows them.
func (h *hookContext) OpenedPortRanges() (jujuc.GroupedPortRanges, error) {
	g := h.committedPorts()
	for ep, rs := range h.ports.open {
		for _, r := range rs {
			g[ep] = appendUnique(g[ep], r)
		}
	}
	for ep, rs := range h.ports.close {
		for _, r := range rs {
			if left, ok := removeRange(g[ep], r); ok {
				if len(left) == 0 {
					delete(g, ep)
				} else {
					g[ep] = left
				}
			}
		}
	}
	return g, nil
}

// portsOut renders grouped ranges as State ports: one entry per range for
// "all endpoints" and one listing the specific endpoints, sorted.
func portsOut(g jujuc.GroupedPortRanges) []Port {
	var out []Port
	for _, r := range g.Unique() {
		var eps []string
		all := false
		for ep, rs := range g {
			if slices.Contains(rs, r) {
				if ep == "" {
					all = true
				} else {
					eps = append(eps, ep)
				}
			}
		}
		if all {
			out = append(out, fromRange(r, nil))
		}
		if len(eps) > 0 {
			sort.Strings(eps)
			out = append(out, fromRange(r, eps))
		}
	}
	return out
}

// pending reports whether the hook asked for any port change.
func (p *portChanges) pending() bool {
	for _, g := range []jujuc.GroupedPortRanges{p.open, p.close} {
		for _, rs := range g {
			if len(rs) > 0 {
				return true
			}
		}
	}
	return false
}

// sameRanges compares two groupings as sets.
func sameRanges(a, b jujuc.GroupedPortRanges) bool {
	count := func(g jujuc.GroupedPortRanges) int {
		n := 0
		for _, rs := range g {
			n += len(rs)
		}
		return n
	}
	if count(a) != count(b) {
		return false
	}
	for ep, rs := range a {
		for _, r := range rs {
			if !slices.Contains(b[ep], r) {
				return false
			}
		}
	}
	return true
}
