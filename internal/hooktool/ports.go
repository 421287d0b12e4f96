package hooktool

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Port is one port, port range or ICMP, as open-port/close-port take it
// and opened-ports prints it.
type Port struct {
	// Protocol is tcp, udp or icmp; String treats "" as tcp.
	Protocol string
	// From and To bound the range; To == From for a single port (String
	// also accepts To == 0). Both are 0 for icmp.
	From, To int
	// Endpoints limits the port to these application endpoints; empty
	// means all endpoints.
	Endpoints []string
}

// TCPPort returns a single TCP port.
func TCPPort(n int) Port { return Port{Protocol: "tcp", From: n, To: n} }

// UDPPort returns a single UDP port.
func UDPPort(n int) Port { return Port{Protocol: "udp", From: n, To: n} }

// ICMPPort returns ICMP, which has no port numbers.
func ICMPPort() Port { return Port{Protocol: "icmp"} }

func (p Port) protocol() string {
	if p.Protocol == "" {
		return "tcp"
	}
	return strings.ToLower(p.Protocol)
}

func (p Port) to() int {
	if p.To == 0 {
		return p.From
	}
	return p.To
}

// String formats p the way jujuc prints it: "8080/tcp", "1000-2000/udp"
// or "icmp". Endpoints are not included.
func (p Port) String() string {
	proto := p.protocol()
	switch {
	case proto == "icmp":
		return "icmp"
	case p.From == p.to():
		return fmt.Sprintf("%d/%s", p.From, proto)
	default:
		return fmt.Sprintf("%d-%d/%s", p.From, p.to(), proto)
	}
}

// Validate applies Juju's rules (core/network.PortRange.Validate): tcp,
// udp or icmp; bounds within 0-65535 and ordered; no numbers for icmp.
func (p Port) Validate() error {
	proto := p.protocol()
	switch proto {
	case "icmp":
		if p.From != 0 || p.To != 0 {
			return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.From)
		}
		return nil
	case "tcp", "udp":
	default:
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, proto)
	}
	from, to := p.From, p.to()
	if from < 0 || from > 65535 || to < 0 || to > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", from, to)
	}
	if from > to {
		return fmt.Errorf("invalid port range %s", p)
	}
	return nil
}

// ParsePort parses "<port>[/<protocol>]", "<from>-<to>[/<protocol>]" or
// "icmp" like jujuc's open-port: case-insensitive, tcp by default, and any
// protocol given with "icmp" is ignored. The result has Protocol set and
// To == From for single ports.
func ParsePort(s string) (Port, error) {
	s = strings.ToLower(s)
	proto := "tcp"
	if before, after, ok := strings.Cut(s, "/"); ok {
		s, proto = before, after
	}
	var p Port
	switch parts := strings.Split(s, "-"); {
	case len(parts) > 2:
		return Port{}, fmt.Errorf("invalid port range %q", s)
	case len(parts) == 1 && parts[0] == "icmp":
		return ICMPPort(), nil
	case len(parts) == 1:
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return Port{}, fmt.Errorf("invalid port %q", s)
		}
		p.From, p.To = n, n
	default:
		from, err := strconv.Atoi(parts[0])
		if err != nil {
			return Port{}, fmt.Errorf("invalid port %q", parts[0])
		}
		to, err := strconv.Atoi(parts[1])
		if err != nil {
			return Port{}, fmt.Errorf("invalid port %q", parts[1])
		}
		if from > to {
			// Validate reads To == 0 as "single port", so a descending
			// range such as 10-0 must be refused before it gets there.
			return Port{}, fmt.Errorf("invalid port range %d-%d/%s", from, to, proto)
		}
		p.From, p.To = from, to
	}
	// Checked here rather than by Validate, which reads "" as tcp and
	// cannot tell "0/icmp" (rejected by Juju) from ICMPPort().
	switch proto {
	case "tcp", "udp":
	case "icmp":
		return Port{}, fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.From)
	default:
		return Port{}, fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, proto)
	}
	p.Protocol = proto
	if err := p.Validate(); err != nil {
		return Port{}, err
	}
	return p, nil
}

// parseOpenedPort parses one line of opened-ports --endpoints:
// "80/tcp (*)" (all endpoints) or "10-20/tcp (foo, bar)".
func parseOpenedPort(s string) (Port, error) {
	spec, rest, hasEndpoints := strings.Cut(s, " (")
	p, err := ParsePort(spec)
	if err != nil {
		return Port{}, err
	}
	if !hasEndpoints {
		return p, nil
	}
	list, ok := strings.CutSuffix(rest, ")")
	if !ok {
		return Port{}, fmt.Errorf("invalid endpoint list in %q", s)
	}
	if list == "*" {
		return p, nil
	}
	for _, ep := range strings.Split(list, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			p.Endpoints = append(p.Endpoints, ep)
		}
	}
	return p, nil
}

// OpenPort asks Juju to open p (on p.Endpoints, or all endpoints).
// Committed when the hook exits 0; effective once the app is exposed.
func (c *Client) OpenPort(ctx context.Context, p Port) error {
	return c.portCommand(ctx, "open-port", p)
}

// ClosePort asks Juju to close p (on p.Endpoints, or all endpoints).
// Committed when the hook exits 0.
func (c *Client) ClosePort(ctx context.Context, p Port) error {
	return c.portCommand(ctx, "close-port", p)
}

func (c *Client) portCommand(ctx context.Context, tool string, p Port) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	var flags []string
	if len(p.Endpoints) > 0 {
		flags = []string{"--endpoints", strings.Join(p.Endpoints, ",")}
	}
	_, err := c.run(ctx, tool, withPositional(flags, p.String()), nil)
	return err
}

// OpenedPorts lists the ports this unit has opened, with the endpoints
// each applies to (Endpoints empty = all). Ports opened in the current
// hook are not listed until it commits.
func (c *Client) OpenedPorts(ctx context.Context) ([]Port, error) {
	const tool = "opened-ports"
	out, err := c.run(ctx, tool, []string{formatJSON, "--endpoints"}, nil)
	if err != nil {
		return nil, err
	}
	return decodeOpenedPorts(out)
}

func decodeOpenedPorts(out []byte) ([]Port, error) {
	const tool = "opened-ports"
	var lines []string
	if err := decodeJSON(tool, out, &lines); err != nil {
		return nil, err
	}
	ports := make([]Port, 0, len(lines))
	for _, l := range lines {
		p, err := parseOpenedPort(l)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tool, err)
		}
		ports = append(ports, p)
	}
	return ports, nil
}
