package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// The shapes of `juju status --format yaml|json`, after Juju 3.6.11's
// cmd/juju/status/formatted.go (fields in its order; Kubernetes models
// have no machines, offers, SAAS or branches, so those are left out).

type formattedStatus struct {
	Model        modelStatus                  `json:"model" yaml:"model"`
	Machines     map[string]any               `json:"machines" yaml:"machines"`
	Applications map[string]applicationStatus `json:"applications" yaml:"applications"`
	Relations    []relationStatus             `json:"-" yaml:"-"`
	Controller   *controllerStatus            `json:"controller,omitempty" yaml:"controller,omitempty"`
}

type modelStatus struct {
	Name             string             `json:"name" yaml:"name"`
	Type             string             `json:"type" yaml:"type"`
	Controller       string             `json:"controller" yaml:"controller"`
	Cloud            string             `json:"cloud" yaml:"cloud"`
	CloudRegion      string             `json:"region,omitempty" yaml:"region,omitempty"`
	Version          string             `json:"version" yaml:"version"`
	AvailableVersion string             `json:"upgrade-available,omitempty" yaml:"upgrade-available,omitempty"`
	Status           statusInfoContents `json:"model-status,omitempty" yaml:"model-status,omitempty"`
}

type controllerStatus struct {
	Timestamp string `json:"timestamp,omitempty" yaml:"timestamp,omitempty"`
}

type applicationStatus struct {
	Charm            string                                 `json:"charm" yaml:"charm"`
	Base             *formattedBase                         `json:"base,omitempty" yaml:"base,omitempty"`
	CharmOrigin      string                                 `json:"charm-origin" yaml:"charm-origin"`
	CharmName        string                                 `json:"charm-name" yaml:"charm-name"`
	CharmRev         int                                    `json:"charm-rev" yaml:"charm-rev"`
	CharmChannel     string                                 `json:"charm-channel,omitempty" yaml:"charm-channel,omitempty"`
	CharmVersion     string                                 `json:"charm-version,omitempty" yaml:"charm-version,omitempty"`
	Scale            int                                    `json:"scale,omitempty" yaml:"scale,omitempty"`
	ProviderId       string                                 `json:"provider-id,omitempty" yaml:"provider-id,omitempty"`
	Address          string                                 `json:"address,omitempty" yaml:"address,omitempty"`
	Exposed          bool                                   `json:"exposed" yaml:"exposed"`
	Life             string                                 `json:"life,omitempty" yaml:"life,omitempty"`
	StatusInfo       statusInfoContents                     `json:"application-status,omitempty" yaml:"application-status"`
	Relations        map[string][]applicationStatusRelation `json:"relations,omitempty" yaml:"relations,omitempty"`
	SubordinateTo    []string                               `json:"subordinate-to,omitempty" yaml:"subordinate-to,omitempty"`
	Units            map[string]unitStatus                  `json:"units,omitempty" yaml:"units,omitempty"`
	Version          string                                 `json:"version,omitempty" yaml:"version,omitempty"`
	EndpointBindings map[string]string                      `json:"endpoint-bindings,omitempty" yaml:"endpoint-bindings,omitempty"`
}

type applicationStatusRelation struct {
	RelatedApplicationName string `json:"related-application,omitempty" yaml:"related-application,omitempty"`
	Interface              string `json:"interface,omitempty" yaml:"interface,omitempty"`
	Scope                  string `json:"scope,omitempty" yaml:"scope,omitempty"`
}

type formattedBase struct {
	Name    string `json:"name" yaml:"name"`
	Channel string `json:"channel" yaml:"channel"`
}

type unitStatus struct {
	WorkloadStatusInfo statusInfoContents    `json:"workload-status,omitempty" yaml:"workload-status,omitempty"`
	JujuStatusInfo     statusInfoContents    `json:"juju-status,omitempty" yaml:"juju-status,omitempty"`
	Leader             bool                  `json:"leader,omitempty" yaml:"leader,omitempty"`
	Charm              string                `json:"upgrading-from,omitempty" yaml:"upgrading-from,omitempty"`
	Machine            string                `json:"machine,omitempty" yaml:"machine,omitempty"`
	OpenedPorts        []string              `json:"open-ports,omitempty" yaml:"open-ports,omitempty"`
	PublicAddress      string                `json:"public-address,omitempty" yaml:"public-address,omitempty"`
	Address            string                `json:"address,omitempty" yaml:"address,omitempty"`
	ProviderId         string                `json:"provider-id,omitempty" yaml:"provider-id,omitempty"`
	Subordinates       map[string]unitStatus `json:"subordinates,omitempty" yaml:"subordinates,omitempty"`
}

type statusInfoContents struct {
	Current string `json:"current,omitempty" yaml:"current,omitempty"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	Reason  string `json:"reason,omitempty" yaml:"reason,omitempty"`
	Since   string `json:"since,omitempty" yaml:"since,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	Life    string `json:"life,omitempty" yaml:"life,omitempty"`
}

type relationStatus struct {
	Provider  string
	Requirer  string
	Interface string
	Type      string
	Status    string
	Message   string
}

// statusFormatter turns api.Status into formattedStatus, as Juju's
// cmd/juju/status/formatter.go turns params.FullStatus.
type statusFormatter struct {
	status  api.Status
	isoTime bool
	loc     *time.Location
}

// formatTime is common.FormatTime: UTC "2006-01-02 15:04:05Z" with
// --utc, else local "02 Jan 2006 15:04:05Z07:00".
func (sf statusFormatter) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if sf.isoTime {
		return t.UTC().Format("2006-01-02 15:04:05Z")
	}
	return t.In(sf.loc).Format("02 Jan 2006 15:04:05Z07:00")
}

// formatTimestamp is common.FormatTimeAsTimestamp.
func (sf statusFormatter) formatTimestamp(t time.Time) string {
	if sf.isoTime {
		return t.UTC().Format("15:04:05")
	}
	return t.In(sf.loc).Format("15:04:05Z07:00")
}

func (sf statusFormatter) format() formattedStatus {
	s := sf.status
	out := formattedStatus{
		Model: modelStatus{
			Name:             s.Model.Name,
			Type:             s.Model.Type,
			Controller:       s.Model.Controller,
			Cloud:            s.Model.Cloud,
			CloudRegion:      s.Model.Region,
			Version:          s.Model.Version,
			AvailableVersion: s.Model.AvailableVersion,
			Status:           sf.statusInfo(s.Model.Status, true),
		},
		Machines:     map[string]any{},
		Applications: map[string]applicationStatus{},
	}
	if !s.ControllerTimestamp.IsZero() {
		out.Controller = &controllerStatus{Timestamp: sf.formatTimestamp(s.ControllerTimestamp)}
	}
	for name, app := range s.Applications {
		out.Applications[name] = sf.formatApplication(name, app)
	}
	for _, rel := range s.Relations {
		out.Relations = append(out.Relations, formatRelation(rel))
	}
	return out
}

func (sf statusFormatter) statusInfo(st api.DetailedStatus, withLife bool) statusInfoContents {
	info := statusInfoContents{
		Current: st.Status,
		Message: st.Info,
		Since:   sf.formatTime(st.Since),
		Version: st.Version,
	}
	if withLife {
		info.Life = st.Life
		if r, ok := st.Data["reason"].(string); ok {
			info.Reason = r
		}
	}
	return info
}

func (sf statusFormatter) formatApplication(name string, app api.ApplicationStatus) applicationStatus {
	var alias, origin, charmName string
	rev := 0
	if curl, err := charm.ParseURL(app.Charm); err == nil {
		switch {
		case charm.CharmHub.Matches(curl.Schema):
			origin, alias = "charmhub", curl.Name
		case charm.Local.Matches(curl.Schema):
			origin, alias = "local", app.Charm
		default:
			origin, alias = "unknown", app.Charm
		}
		rev, charmName = curl.Revision, curl.Name
	}
	var base *formattedBase
	if app.Base.Channel != "" {
		base = &formattedBase{Name: app.Base.Name, Channel: baseChannelDisplay(app.Base.Channel)}
	}
	out := applicationStatus{
		Charm:            alias,
		Base:             base,
		CharmOrigin:      origin,
		CharmName:        charmName,
		CharmRev:         rev,
		CharmVersion:     app.CharmVersion,
		CharmChannel:     app.CharmChannel,
		Exposed:          app.Exposed,
		Life:             app.Life,
		Scale:            app.Scale,
		ProviderId:       app.ProviderID,
		Address:          app.PublicAddress,
		Relations:        sf.applicationRelations(name, app.Relations),
		SubordinateTo:    app.SubordinateTo,
		Units:            map[string]unitStatus{},
		StatusInfo:       sf.statusInfo(applicationDisplayStatus(app), false),
		Version:          app.WorkloadVersion,
		EndpointBindings: app.EndpointBindings,
	}
	for un, u := range app.Units {
		out.Units[un] = sf.formatUnit(u)
	}
	return out
}

// baseChannelDisplay is corebase.Channel.DisplayString: "22.04/stable"
// shows as "22.04".
func baseChannelDisplay(ch string) string {
	track, risk, _ := strings.Cut(ch, "/")
	if risk == "" || risk == "stable" {
		return track
	}
	return ch
}

// applicationDisplayStatus is the application status Juju's apiserver
// reports: the one set, else derived from the units (DeriveStatus: the
// most severe workload status, unknown with no units).
func applicationDisplayStatus(app api.ApplicationStatus) api.DetailedStatus {
	if app.Status.Status != "" && app.Status.Status != "unset" {
		return app.Status
	}
	severity := map[string]int{"error": 100, "blocked": 90, "maintenance": 80, "waiting": 70, "active": 60, "terminated": 50, "unknown": 40}
	result := api.DetailedStatus{Status: "unknown"}
	names := make([]string, 0, len(app.Units))
	for n := range app.Units {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ws := app.Units[n].WorkloadStatus
		if severity[ws.Status] > severity[result.Status] {
			result = ws
		}
	}
	return result
}

func (sf statusFormatter) applicationRelations(appName string, rels map[string][]string) map[string][]applicationStatusRelation {
	if len(rels) == 0 {
		return nil
	}
	out := map[string][]applicationStatusRelation{}
	for relName, others := range rels {
		out[relName] = []applicationStatusRelation{}
		for _, other := range others {
			rel := sf.findRelation(appName, relName, other)
			if rel == nil {
				continue
			}
			out[relName] = append(out[relName], applicationStatusRelation{
				RelatedApplicationName: other,
				Interface:              rel.Interface,
				Scope:                  rel.Scope,
			})
		}
	}
	return out
}

func (sf statusFormatter) findRelation(appName, relName, other string) *api.RelationStatus {
	for i, rel := range sf.status.Relations {
		eps := rel.Endpoints
		if appName == other {
			if len(eps) == 1 && eps[0].Name == relName && eps[0].ApplicationName == appName {
				return &sf.status.Relations[i]
			}
			continue
		}
		if len(eps) != 2 {
			continue
		}
		for idx, ep := range eps {
			if ep.ApplicationName == appName && ep.Name == relName && eps[1-idx].ApplicationName == other {
				return &sf.status.Relations[i]
			}
		}
	}
	return nil
}

func (sf statusFormatter) formatUnit(u api.UnitStatus) unitStatus {
	out := unitStatus{
		JujuStatusInfo: sf.statusInfo(u.AgentStatus, false),
		Machine:        u.Machine,
		OpenedPorts:    u.OpenedPorts,
		ProviderId:     u.ProviderID,
		Address:        u.Address,
		PublicAddress:  u.PublicAddress,
		Charm:          u.Charm,
		Leader:         u.Leader,
	}
	if u.WorkloadStatus.Status != "" {
		out.WorkloadStatusInfo = sf.statusInfo(u.WorkloadStatus, false)
	}
	if len(u.Subordinates) > 0 {
		out.Subordinates = map[string]unitStatus{}
		for k, s := range u.Subordinates {
			out.Subordinates[k] = sf.formatUnit(s)
		}
	}
	return out
}

// formatRelation is formatter.go formatRelation.
func formatRelation(rel api.RelationStatus) relationStatus {
	var provider, requirer api.EndpointStatus
	for _, ep := range rel.Endpoints {
		switch ep.Role {
		case "peer":
			provider, requirer = ep, ep
		case "provider":
			provider = ep
		case "requirer":
			requirer = ep
		}
	}
	relType := "regular"
	switch {
	case rel.Scope == "container":
		relType = "subordinate"
	case provider.ApplicationName == requirer.ApplicationName:
		relType = "peer"
	}
	return relationStatus{
		Provider:  provider.ApplicationName + ":" + provider.Name,
		Requirer:  requirer.ApplicationName + ":" + requirer.Name,
		Interface: rel.Interface,
		Type:      relType,
		Status:    rel.Status.Status,
		Message:   rel.Status.Info,
	}
}

// applicationScale is formattedStatus.applicationScale: units whose
// agent is executing, idle or running over the desired count (the
// application's scale in a Kubernetes model).
func (fs formattedStatus) applicationScale(name string) (string, bool) {
	current, desired := 0, 0
	app := fs.Applications[name]
	for _, u := range app.Units {
		desired++
		if u.WorkloadStatusInfo.Current == "terminated" {
			continue
		}
		switch u.JujuStatusInfo.Current {
		case "executing", "idle", "running":
			current++
		}
	}
	if fs.Model.Type == "caas" {
		desired = app.Scale
	}
	if current == desired {
		return strconv.Itoa(current), false
	}
	return fmt.Sprintf("%d/%d", current, desired), true
}

// naturalLess orders names as Juju's naturalsort: digit runs compare as
// numbers ("hydra/2" < "hydra/10").
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := rune(a[0]), rune(b[0])
		if unicode.IsDigit(ca) && unicode.IsDigit(cb) {
			na, ra := leadingDigits(a)
			nb, rb := leadingDigits(b)
			ia, _ := strconv.ParseUint(na, 10, 64)
			ib, _ := strconv.ParseUint(nb, 10, 64)
			if ia != ib {
				return ia < ib
			}
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			a, b = ra, rb
			continue
		}
		if ca != cb {
			return ca < cb
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

func naturalKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return naturalLess(keys[i], keys[j]) })
	return keys
}
