package jujuc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/gnuflag"
)

// PortRange is a port, port range or ICMP, as Juju's core/network has it:
// ICMP is FromPort == ToPort == -1.
type PortRange struct {
	FromPort int
	ToPort   int
	Protocol string
}

// String renders the range as opened-ports prints it: "80/tcp",
// "1000-2000/udp", "icmp".
func (p PortRange) String() string {
	proto := strings.ToLower(p.Protocol)
	if proto == "icmp" {
		return proto
	}
	if p.FromPort == p.ToPort {
		return fmt.Sprintf("%d/%s", p.FromPort, proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.FromPort, p.ToPort, proto)
}

// Validate checks protocol and bounds with Juju's messages.
func (p PortRange) Validate() error {
	proto := strings.ToLower(p.Protocol)
	switch proto {
	case "tcp", "udp":
	case "icmp":
		if p.FromPort == -1 && p.ToPort == -1 {
			return nil
		}
		return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.FromPort)
	default:
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, proto)
	}
	if p.FromPort > p.ToPort {
		return fmt.Errorf("invalid port range %s", p)
	}
	if p.FromPort < 0 || p.FromPort > 65535 || p.ToPort < 0 || p.ToPort > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", p.FromPort, p.ToPort)
	}
	return nil
}

// ConflictsWith reports whether two ranges of the same protocol overlap.
func (p PortRange) ConflictsWith(other PortRange) bool {
	return p.Protocol == other.Protocol && p.ToPort >= other.FromPort && other.ToPort >= p.FromPort
}

// Less orders ranges by protocol, then bounds (Juju's SortPortRanges).
func (p PortRange) Less(other PortRange) bool {
	if p.Protocol != other.Protocol {
		return p.Protocol < other.Protocol
	}
	if p.FromPort != other.FromPort {
		return p.FromPort < other.FromPort
	}
	return p.ToPort < other.ToPort
}

// ParsePortRange parses "<port>[/<proto>]", "<from>-<to>[/<proto>]" or
// "icmp" (protocol defaults to tcp), then validates the result.
func ParsePortRange(s string) (PortRange, error) {
	proto := "tcp"
	if ports, p, ok := strings.Cut(s, "/"); ok {
		s, proto = ports, p
	}
	var r PortRange
	parts := strings.Split(s, "-")
	switch {
	case len(parts) > 2:
		return r, fmt.Errorf("invalid port range %q", s)
	case len(parts) == 1 && parts[0] == "icmp":
		r.FromPort, r.ToPort = -1, -1
	case len(parts) == 1:
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return r, fmt.Errorf("invalid port %q: %w", s, err)
		}
		r.FromPort, r.ToPort = n, n
	default:
		from, err := strconv.Atoi(parts[0])
		if err != nil {
			return r, fmt.Errorf("invalid port %q: %w", parts[0], err)
		}
		to, err := strconv.Atoi(parts[1])
		if err != nil {
			return r, fmt.Errorf("invalid port %q: %w", parts[1], err)
		}
		r.FromPort, r.ToPort = from, to
	}
	if r.FromPort == -1 {
		proto = "icmp"
	}
	r.Protocol = proto
	return r, r.Validate()
}

// GroupedPortRanges maps an endpoint ("" for all endpoints) to its ranges.
type GroupedPortRanges map[string][]PortRange

// Unique returns every distinct range, sorted.
func (g GroupedPortRanges) Unique() []PortRange {
	seen := map[PortRange]bool{}
	var out []PortRange
	for _, ranges := range g {
		for _, r := range ranges {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// portCommand is open-port and close-port.
type portCommand struct {
	name, purpose string
	op            func(endpoint string, r PortRange) error
	portRange     PortRange
	endpoints     string
	formatFlag    string // deprecated, accepted and warned about
}

func newOpenPort(ctx Context) (command, error) {
	return &portCommand{name: "open-port", purpose: "Register a request to open a port or port range.", op: ctx.OpenPortRange}, nil
}

func newClosePort(ctx Context) (command, error) {
	return &portCommand{name: "close-port", purpose: "Register a request to close a port or port range.", op: ctx.ClosePortRange}, nil
}

func (c *portCommand) info() info {
	return info{name: c.name, args: "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp", purpose: c.purpose}
}

func (c *portCommand) setFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.formatFlag, "format", "", "deprecated format flag")
	f.StringVar(&c.endpoints, "endpoints", "", "a comma-delimited list of application endpoints to target with this operation")
}

func (c *portCommand) init(args []string) error {
	if args == nil {
		return fmt.Errorf("no port or range specified")
	}
	r, err := ParsePortRange(strings.ToLower(args[0]))
	if err != nil {
		return err
	}
	c.portRange = r
	return checkEmpty(args[1:])
}

func (c *portCommand) run(rc *runContext) error {
	if c.formatFlag != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", c.name)
	}
	if c.endpoints == "" {
		return c.op("", c.portRange)
	}
	for _, ep := range strings.Split(c.endpoints, ",") {
		if err := c.op(strings.TrimSpace(ep), c.portRange); err != nil {
			return err
		}
	}
	return nil
}

// openedPortsCommand is opened-ports.
type openedPortsCommand struct {
	ctx           Context
	out           output
	showEndpoints bool
}

func newOpenedPorts(ctx Context) (command, error) { return &openedPortsCommand{ctx: ctx}, nil }

func (c *openedPortsCommand) info() info {
	return info{name: "opened-ports", purpose: "List all ports or port ranges opened by the unit."}
}

func (c *openedPortsCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.BoolVar(&c.showEndpoints, "endpoints", false, "display the list of target application endpoints for each port range")
}

func (c *openedPortsCommand) init(args []string) error { return checkEmpty(args) }

func (c *openedPortsCommand) run(rc *runContext) error {
	grouped, err := c.ctx.OpenedPortRanges()
	if err != nil {
		return err
	}
	ranges := grouped.Unique()
	results := make([]string, len(ranges))
	for i, r := range ranges {
		results[i] = r.String()
		if !c.showEndpoints {
			continue
		}
		var eps []string
		all := false
		for ep, rs := range grouped {
			for _, other := range rs {
				if other == r {
					all = all || ep == ""
					eps = append(eps, ep)
					break
				}
			}
		}
		descr := "*"
		if !all {
			sort.Strings(eps)
			descr = strings.Join(eps, ", ")
		}
		results[i] = fmt.Sprintf("%s (%s)", r, descr)
	}
	return c.out.write(rc, results)
}
