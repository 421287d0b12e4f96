package hooktool

import (
	"context"
	"fmt"
)

// Network is network-get's answer for one binding.
type Network struct {
	BindAddresses    []BindAddress `json:"bind-addresses"`
	EgressSubnets    []string      `json:"egress-subnets"`
	IngressAddresses []string      `json:"ingress-addresses"`
}

// BindAddress is one network interface of the binding's space.
type BindAddress struct {
	MACAddress    string             `json:"mac-address"`
	InterfaceName string             `json:"interface-name"`
	Addresses     []InterfaceAddress `json:"addresses"`
}

// InterfaceAddress is one address on a BindAddress.
type InterfaceAddress struct {
	Hostname string `json:"hostname"`
	Value    string `json:"value"`
	CIDR     string `json:"cidr"`
}

// BindAddress is the address the unit should listen on: the first
// address of the first interface, as network-get --bind-address picks it.
func (n Network) BindAddress() string {
	if len(n.BindAddresses) == 0 || len(n.BindAddresses[0].Addresses) == 0 {
		return ""
	}
	return n.BindAddresses[0].Addresses[0].Value
}

// IngressAddress is the address others should use to reach the unit:
// the first ingress address, else the bind address, as network-get
// --ingress-address picks it.
func (n Network) IngressAddress() string {
	if len(n.IngressAddresses) > 0 {
		return n.IngressAddresses[0]
	}
	return n.BindAddress()
}

// NetworkGet returns the network configuration of binding (an endpoint or
// extra-binding name), as seen over relation relID (-1: none).
func (c *Client) NetworkGet(ctx context.Context, binding string, relID int) (Network, error) {
	const tool = "network-get"
	flags := []string{formatJSON}
	switch {
	case relID >= 0:
		r, _ := relFlag(tool, relID)
		flags = append(flags, r...)
	case relID != -1:
		return Network{}, fmt.Errorf("%s: invalid relation id %d", tool, relID)
	}
	out, err := c.run(ctx, tool, withPositional(flags, binding), nil)
	if err != nil {
		return Network{}, err
	}
	return decodeNetwork(out)
}

func decodeNetwork(out []byte) (Network, error) {
	var n Network
	if err := decodeJSON("network-get", out, &n); err != nil {
		return Network{}, err
	}
	return n, nil
}
