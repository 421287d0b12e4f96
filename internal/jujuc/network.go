package jujuc

import (
	"errors"
	"fmt"

	"github.com/juju/gnuflag"
)

// networkGetCommand is network-get.
type networkGetCommand struct {
	ctx            Context
	relationID     int
	relFlag        *relationIDValue
	binding        string
	bindAddress    bool
	ingressAddress bool
	egressSubnets  bool
	primaryAddress bool // deprecated
	keys           []string
	out            output
}

func newNetworkGet(ctx Context) (command, error) {
	c := &networkGetCommand{ctx: ctx}
	v, err := newRelationIDValue(ctx, &c.relationID)
	if err != nil {
		return nil, err
	}
	c.relFlag = v
	return c, nil
}

func (c *networkGetCommand) info() info {
	return info{name: "network-get", args: "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]", purpose: "Get network config."}
}

func (c *networkGetCommand) setFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", defaultFormatters)
	f.BoolVar(&c.primaryAddress, "primary-address", false, "(deprecated) get the primary address for the binding")
	f.BoolVar(&c.bindAddress, "bind-address", false, "get the address for the binding on which the unit should listen")
	f.BoolVar(&c.ingressAddress, "ingress-address", false, "get the ingress address for the binding")
	f.BoolVar(&c.egressSubnets, "egress-subnets", false, "get the egress subnets for the binding")
	f.Var(c.relFlag, "r", "specify a relation by id")
	f.Var(c.relFlag, "relation", "")
}

func (c *networkGetCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("no arguments specified")
	}
	c.binding = args[0]
	if c.binding == "" {
		return errors.New("no binding name specified")
	}
	if c.bindAddress {
		c.keys = append(c.keys, "bind-address")
	}
	if c.ingressAddress {
		c.keys = append(c.keys, "ingress-address")
	}
	if c.egressSubnets {
		c.keys = append(c.keys, "egress-subnets")
	}
	return checkEmpty(args[1:])
}

// Output shapes; the x-suffixed copies are the legacy YAML keys Juju 3
// still prints.
type addressShown struct {
	Hostname string `json:"hostname" yaml:"hostname"`
	Address  string `json:"value" yaml:"value"`
	CIDR     string `json:"cidr" yaml:"cidr"`
	AddressX string `json:"-" yaml:"address"`
}

type interfaceShown struct {
	MACAddress     string         `json:"mac-address" yaml:"mac-address"`
	InterfaceName  string         `json:"interface-name" yaml:"interface-name"`
	Addresses      []addressShown `json:"addresses" yaml:"addresses"`
	MACAddressX    string         `json:"-" yaml:"macaddress"`
	InterfaceNameX string         `json:"-" yaml:"interfacename"`
}

type networkShown struct {
	Info             []interfaceShown `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
	EgressSubnets    []string         `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
	IngressAddresses []string         `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
}

func showNetwork(ni NetworkInfo) networkShown {
	out := networkShown{
		Info:             make([]interfaceShown, len(ni.Interfaces)),
		EgressSubnets:    append(make([]string, 0, len(ni.EgressSubnets)), ni.EgressSubnets...),
		IngressAddresses: append(make([]string, 0, len(ni.IngressAddresses)), ni.IngressAddresses...),
	}
	for i, in := range ni.Interfaces {
		shown := interfaceShown{
			MACAddress: in.MACAddress, InterfaceName: in.InterfaceName,
			MACAddressX: in.MACAddress, InterfaceNameX: in.InterfaceName,
			Addresses: make([]addressShown, len(in.Addresses)),
		}
		for j, a := range in.Addresses {
			shown.Addresses[j] = addressShown{Hostname: a.Hostname, Address: a.Address, CIDR: a.CIDR, AddressX: a.Address}
		}
		out.Info[i] = shown
	}
	return out
}

func (c *networkGetCommand) run(rc *runContext) error {
	all, err := c.ctx.NetworkInfo([]string{c.binding}, c.relationID)
	if err != nil {
		return err
	}
	ni, ok := all[c.binding]
	if !ok || len(ni.Interfaces) == 0 {
		return fmt.Errorf("no network config found for binding %q", c.binding)
	}
	if ni.Err != nil {
		return ni.Err
	}
	if !c.primaryAddress && len(c.keys) == 0 {
		return c.out.write(rc, showNetwork(ni))
	}
	noAddress := fmt.Errorf("no addresses attached to space for binding %q", c.binding)
	if c.primaryAddress {
		if c.ingressAddress || c.egressSubnets || c.bindAddress {
			return errors.New("--primary-address must be the only flag specified")
		}
		if len(ni.Interfaces[0].Addresses) == 0 {
			return noAddress
		}
		return c.out.write(rc, ni.Interfaces[0].Addresses[0].Address)
	}
	values := map[string]any{}
	if c.egressSubnets {
		values["egress-subnets"] = ni.EgressSubnets
	}
	if c.ingressAddress {
		var addr string
		if len(ni.IngressAddresses) == 0 {
			if len(ni.Interfaces[0].Addresses) == 0 {
				return noAddress
			}
			addr = ni.Interfaces[0].Addresses[0].Address
		} else {
			addr = ni.IngressAddresses[0]
		}
		values["ingress-address"] = addr
	}
	if c.bindAddress {
		if len(ni.Interfaces[0].Addresses) == 0 {
			// Juju would index past the end here; report it instead.
			return noAddress
		}
		values["bind-address"] = ni.Interfaces[0].Addresses[0].Address
	}
	if len(c.keys) == 1 {
		return c.out.write(rc, values[c.keys[0]])
	}
	return c.out.write(rc, values)
}

// goalStateCommand is goal-state.
type goalStateCommand struct {
	ctx Context
	out output
}

func newGoalState(ctx Context) (command, error) { return &goalStateCommand{ctx: ctx}, nil }

func (c *goalStateCommand) info() info {
	return info{name: "goal-state", purpose: "Print the status of the charm's peers and related units."}
}

func (c *goalStateCommand) setFlags(f *gnuflag.FlagSet) { c.out.AddFlags(f, "yaml", serialFormatters) }
func (c *goalStateCommand) init(args []string) error    { return checkEmpty(args) }

type goalStatusShown struct {
	Status string `json:"status" yaml:"status"`
	Since  string `json:"since,omitempty" yaml:"since,omitempty"`
}

type goalStateShown struct {
	Units     map[string]goalStatusShown            `json:"units" yaml:"units"`
	Relations map[string]map[string]goalStatusShown `json:"relations" yaml:"relations"`
}

func showGoalUnits(units map[string]GoalStatus) map[string]goalStatusShown {
	out := map[string]goalStatusShown{}
	for name, s := range units {
		shown := goalStatusShown{Status: s.Status}
		if s.Since != nil {
			// cmd/juju/common.FormatTime in ISO mode.
			shown.Since = s.Since.UTC().Format("2006-01-02 15:04:05Z")
		}
		out[name] = shown
	}
	return out
}

func (c *goalStateCommand) run(rc *runContext) error {
	gs, err := c.ctx.GoalState()
	if err != nil {
		return err
	}
	out := goalStateShown{
		Units:     showGoalUnits(gs.Units),
		Relations: make(map[string]map[string]goalStatusShown, len(gs.Relations)),
	}
	for ep, units := range gs.Relations {
		out.Relations[ep] = showGoalUnits(units)
	}
	return c.out.write(rc, out)
}
