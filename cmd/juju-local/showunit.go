package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// showUnitCommand is `juju show-unit` (cmd/juju/application/showunit.go).
type showUnitCommand struct {
	modelFlag
	out         output
	units       []string
	endpoint    string
	relatedUnit string
	appOnly     bool
}

func (c *showUnitCommand) info() info {
	return info{
		name:    "show-unit",
		args:    "<unit name>",
		purpose: "Displays information about a unit.",
		doc: `
The command takes deployed unit names as an argument.

Optionally, relation data for only a specified endpoint
or related unit may be shown, or just the application data.`,
		examples: `
    juju-local show-unit hydra/0
    juju-local show-unit hydra/0 --endpoint pg-database
    juju-local show-unit hydra/0 --related-unit postgresql/0
    juju-local show-unit hydra/0 --app`,
	}
}

func (c *showUnitCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	c.out.AddFlags(f, "yaml", map[string]jujucmd.Formatter{"yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON})
	f.StringVar(&c.endpoint, "endpoint", "", "Only show relation data for the specified endpoint")
	f.StringVar(&c.relatedUnit, "related-unit", "", "Only show relation data for the specified unit")
	f.BoolVar(&c.appOnly, "app", false, "Only show application relation data")
}

func (c *showUnitCommand) init(args []string) error {
	if len(args) < 1 {
		return errors.New("an unit name must be supplied")
	}
	c.units = args
	if c.relatedUnit != "" && !names.IsValidUnit(c.relatedUnit) {
		return fmt.Errorf("related unit name %v not valid", c.relatedUnit)
	}
	var invalid []string
	for _, u := range args {
		if !names.IsValidUnit(u) {
			invalid = append(invalid, u)
		}
	}
	switch len(invalid) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unit name %v not valid", invalid[0])
	}
	return fmt.Errorf("unit names %v not valid", strings.Join(invalid, ", "))
}

// The printed shapes (showunit.go UnitInfo, RelationData, UnitRelationData).
type unitRelationData struct {
	InScope  bool           `yaml:"in-scope" json:"in-scope"`
	UnitData map[string]any `yaml:"data" json:"data"`
}

type relationData struct {
	RelationId              int                         `yaml:"relation-id" json:"relation-id"`
	Endpoint                string                      `yaml:"endpoint" json:"endpoint"`
	CrossModel              bool                        `yaml:"cross-model,omitempty" json:"cross-model,omitempty"`
	RelatedEndpoint         string                      `yaml:"related-endpoint" json:"related-endpoint"`
	ApplicationRelationData map[string]any              `yaml:"application-data" json:"application-data"`
	MyData                  unitRelationData            `yaml:"local-unit,omitempty" json:"local-unit,omitempty"`
	Data                    map[string]unitRelationData `yaml:"related-units,omitempty" json:"related-units,omitempty"`
}

type unitInfo struct {
	WorkloadVersion string         `yaml:"workload-version,omitempty" json:"workload-version,omitempty"`
	Machine         string         `yaml:"machine,omitempty" json:"machine,omitempty"`
	OpenedPorts     []string       `yaml:"opened-ports" json:"opened-ports"`
	PublicAddress   string         `yaml:"public-address,omitempty" json:"public-address,omitempty"`
	Charm           string         `yaml:"charm" json:"charm"`
	Leader          bool           `yaml:"leader" json:"leader"`
	Life            string         `yaml:"life,omitempty" json:"life,omitempty"`
	RelationData    []relationData `yaml:"relation-info,omitempty" json:"relation-info,omitempty"`
	ProviderId      string         `yaml:"provider-id,omitempty" json:"provider-id,omitempty"`
	Address         string         `yaml:"address,omitempty" json:"address,omitempty"`
}

func (c *showUnitCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	infos, err := b.ShowUnit(ctx, api.ShowUnitRequest{Model: c.modelName(a), Units: c.units})
	if err != nil {
		return err
	}
	if len(infos) == 0 {
		return nil
	}
	out := map[string]unitInfo{}
	for _, in := range infos {
		out[in.Name] = c.unitInfo(in)
	}
	return c.out.write(a, out)
}

// unitInfo is showunit.go createUnitInfo: the unit's own databag is
// local-unit, the others related-units; --endpoint, --related-unit and
// --app filter.
func (c *showUnitCommand) unitInfo(d api.UnitInfo) unitInfo {
	info := unitInfo{
		WorkloadVersion: d.WorkloadVersion, Machine: d.Machine, OpenedPorts: d.OpenedPorts,
		PublicAddress: d.PublicAddress, Charm: d.Charm, Leader: d.Leader, Life: d.Life,
		ProviderId: d.ProviderID, Address: d.Address,
	}
	for _, rd := range d.RelationData {
		if c.endpoint != "" && rd.Endpoint != c.endpoint {
			continue
		}
		r := relationData{
			RelationId: rd.RelationID, Endpoint: rd.Endpoint, RelatedEndpoint: rd.RelatedEndpoint,
			CrossModel: rd.CrossModel, ApplicationRelationData: map[string]any{}, Data: map[string]unitRelationData{},
		}
		for k, v := range rd.ApplicationData {
			r.ApplicationRelationData[k] = v
		}
		if c.appOnly {
			info.RelationData = append(info.RelationData, r)
			continue
		}
		var others []string
		for u := range rd.UnitRelationData {
			if c.relatedUnit != "" && u != c.relatedUnit {
				continue
			}
			if u == d.Name {
				data := rd.UnitRelationData[u]
				r.MyData = unitRelationData{InScope: data.InScope, UnitData: copyMap(data.UnitData)}
				continue
			}
			others = append(others, u)
		}
		sort.Slice(others, func(i, j int) bool { return naturalLess(others[i], others[j]) })
		for _, u := range others {
			data := rd.UnitRelationData[u]
			r.Data[u] = unitRelationData{InScope: data.InScope, UnitData: copyMap(data.UnitData)}
		}
		if c.endpoint == r.Endpoint || len(r.ApplicationRelationData) > 0 || len(r.Data) > 0 || len(r.MyData.UnitData) > 0 {
			info.RelationData = append(info.RelationData, r)
		}
	}
	return info
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
