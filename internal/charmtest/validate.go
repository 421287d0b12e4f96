package charmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	jujucharm "github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// checkState reports the first way in which st (with ev) could not come
// from Juju for the charm meta, as Scenario's consistency checker does.
// It also fills in what the harness defaults: peer relations' remote
// application, secret IDs and revisions.
func checkState(meta *charmcraft.Charm, unitNum int, st *State, ev charm.Event) error {
	roles := unitctx.EndpointRoles(meta)
	ids := map[int]bool{}
	for i := range st.Relations {
		r := &st.Relations[i]
		role, ok := roles[r.Endpoint]
		if !ok {
			return fmt.Errorf("relation %d: endpoint %q is not defined in the charm's metadata", r.ID, r.Endpoint)
		}
		if r.ID < 0 {
			return fmt.Errorf("relation %q: negative ID %d", r.Endpoint, r.ID)
		}
		if ids[r.ID] {
			return fmt.Errorf("relation ID %d is used twice", r.ID)
		}
		ids[r.ID] = true
		if role == "peer" {
			if r.RemoteApp == "" {
				r.RemoteApp = meta.Name
			}
			if r.RemoteApp != meta.Name {
				return fmt.Errorf("peer relation %d (%s): RemoteApp %q is not the charm's own application %q", r.ID, r.Endpoint, r.RemoteApp, meta.Name)
			}
			if _, self := r.RemoteUnits[unitNum]; self {
				return fmt.Errorf("peer relation %d (%s): RemoteUnits lists the unit under test (%d)", r.ID, r.Endpoint, unitNum)
			}
			if len(r.RemoteAppData) > 0 {
				return fmt.Errorf("peer relation %d (%s): the application databag of a peer relation is LocalAppData, not RemoteAppData", r.ID, r.Endpoint)
			}
			continue
		}
		if r.RemoteApp == "" {
			return fmt.Errorf("relation %d (%s): RemoteApp is empty", r.ID, r.Endpoint)
		}
		if !jujuc.IsValidApplication(r.RemoteApp) {
			return fmt.Errorf("relation %d (%s): %q is not a valid application name", r.ID, r.Endpoint, r.RemoteApp)
		}
	}
	for n := range st.Relations {
		for unit := range st.Relations[n].RemoteUnits {
			if unit < 0 {
				return fmt.Errorf("relation %d: negative remote unit number %d", st.Relations[n].ID, unit)
			}
		}
	}
	if err := checkStatus("UnitStatus", st.UnitStatus); err != nil {
		return err
	}
	if err := checkStatus("AppStatus", st.AppStatus); err != nil {
		return err
	}
	if err := checkSecretsIn(st, ids); err != nil {
		return err
	}
	for _, p := range st.OpenedPorts {
		if err := p.Range().Validate(); err != nil {
			return fmt.Errorf("opened port %+v: %w", p, err)
		}
	}
	seen := map[string]bool{}
	for _, c := range st.Containers {
		if _, ok := meta.Containers[c.Name]; !ok {
			return fmt.Errorf("container %q is not defined in the charm's metadata", c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("container %q appears twice", c.Name)
		}
		seen[c.Name] = true
	}
	return checkEvent(meta, st, ev)
}

func checkStatus(field string, s Status) error {
	switch s.Name {
	case "", "unknown", "maintenance", "waiting", "blocked", "active", "error":
		return nil
	}
	return fmt.Errorf("%s: %q is not a workload status", field, s.Name)
}

func checkSecretsIn(st *State, relIDs map[int]bool) error {
	seen := map[string]bool{}
	for i := range st.Secrets {
		s := &st.Secrets[i]
		if s.ID == "" {
			s.ID = jujuc.NewSecretURI().String()
		}
		uri, err := jujuc.ParseSecretURI(s.ID)
		if err != nil {
			return fmt.Errorf("secret %q: %w", s.ID, err)
		}
		if seen[uri.ID] {
			return fmt.Errorf("secret %q appears twice", s.ID)
		}
		seen[uri.ID] = true
		switch s.Owner {
		case "", "application", "unit":
		default:
			return fmt.Errorf("secret %q: owner %q is not application, unit or empty", s.ID, s.Owner)
		}
		if s.Rotate != "" && !slices.Contains(jujuc.RotatePolicies, s.Rotate) {
			return fmt.Errorf("secret %q: rotate policy %q not valid", s.ID, s.Rotate)
		}
		if s.Revision == 0 {
			s.Revision = 1
		}
		if s.TrackedRevision > s.Revision {
			return fmt.Errorf("secret %q: TrackedRevision %d is newer than Revision %d", s.ID, s.TrackedRevision, s.Revision)
		}
		if s.TrackedRevision > 0 && s.TrackedRevision < s.Revision && s.TrackedContent == nil {
			return fmt.Errorf("secret %q: tracking revision %d of %d needs TrackedContent", s.ID, s.TrackedRevision, s.Revision)
		}
		for id := range s.Grants {
			if !relIDs[id] {
				return fmt.Errorf("secret %q: granted over relation %d, which is not in the state", s.ID, id)
			}
		}
	}
	return nil
}

func checkEvent(meta *charmcraft.Charm, st *State, ev charm.Event) error {
	switch {
	case ev.IsRelation():
		var rel *Relation
		for i := range st.Relations {
			if st.Relations[i].ID == ev.RelationID {
				rel = &st.Relations[i]
			}
		}
		if rel == nil {
			return fmt.Errorf("event %s: relation %d is not in the state", ev.Name, ev.RelationID)
		}
		if ev.Relation != rel.Endpoint {
			return fmt.Errorf("event %s: relation %d is on endpoint %q, not %q", ev.Name, ev.RelationID, rel.Endpoint, ev.Relation)
		}
		if ev.RemoteApp != "" && ev.RemoteApp != rel.RemoteApp {
			return fmt.Errorf("event %s: remote application %q, but relation %d is with %q", ev.Name, ev.RemoteApp, rel.ID, rel.RemoteApp)
		}
		for _, u := range []string{ev.RemoteUnit, ev.DepartingUnit} {
			if u == "" {
				continue
			}
			app, num, _ := strings.Cut(u, "/")
			n, err := strconv.Atoi(num)
			if app != rel.RemoteApp || err != nil {
				return fmt.Errorf("event %s: unit %q is not a unit of %q", ev.Name, u, rel.RemoteApp)
			}
			if _, ok := rel.RemoteUnits[n]; !ok && ev.Kind != charm.RelationDeparted {
				return fmt.Errorf("event %s: remote unit %q is not in relation %d's RemoteUnits", ev.Name, u, rel.ID)
			}
		}
	case ev.Workload != "":
		if _, ok := meta.Containers[ev.Workload]; !ok {
			return fmt.Errorf("event %s: container %q is not defined in the charm's metadata", ev.Name, ev.Workload)
		}
	case ev.SecretID != "":
		uri, err := jujuc.ParseSecretURI(ev.SecretID)
		if err != nil {
			return fmt.Errorf("event %s: %w", ev.Name, err)
		}
		for _, s := range st.Secrets {
			if other, err := jujuc.ParseSecretURI(s.ID); err == nil && other.ID == uri.ID {
				owned := s.Owner != ""
				if ev.Kind == charm.SecretChanged && owned {
					return fmt.Errorf("event %s: secret %q is owned by this charm; secret-changed goes to consumers", ev.Name, ev.SecretID)
				}
				if ev.Kind != charm.SecretChanged && !owned {
					return fmt.Errorf("event %s: secret %q is not owned by this charm", ev.Name, ev.SecretID)
				}
				return nil
			}
		}
		return fmt.Errorf("event %s: secret %q is not in the state", ev.Name, ev.SecretID)
	}
	return nil
}

// configSettings types the operator's config against the charm's options
// with Juju's own validation and fills in defaults; every option is in
// the result, nil where it has neither value nor default.
func configSettings(meta *charmcraft.Charm, set map[string]any) (map[string]any, error) {
	cfg := jujucharm.NewConfig()
	if meta.Config != nil {
		for name, o := range meta.Config.Options {
			cfg.Options[name] = jujucharm.Option{Type: o.Type, Default: o.Default, Description: o.Description}
		}
	}
	defaults, err := cfg.ValidateSettings(cfg.DefaultSettings())
	if err != nil {
		return nil, fmt.Errorf("invalid config default: %w", err)
	}
	values, err := cfg.ValidateSettings(jujucharm.Settings(set))
	if err != nil {
		return nil, err
	}
	maps.Copy(defaults, values)
	return defaults, nil
}

// actionParams validates and defaults params against the action's schema
// as the controller does before it queues the action. Params travel as
// JSON, so numbers arrive as float64, as in Juju.
func actionParams(meta *charmcraft.Charm, unit, name string, params map[string]any) (map[string]any, error) {
	spec, ok := meta.Actions[name]
	if !ok {
		return nil, fmt.Errorf("action %q not defined on unit %q", name, unit)
	}
	schema := map[string]any{
		"description": spec.Description,
		"type":        "object",
		"title":       name,
		"properties":  map[string]any{},
	}
	if spec.Description == "" {
		schema["description"] = "No description"
	}
	if spec.Params != nil {
		schema["properties"] = spec.Params
	}
	if len(spec.Required) > 0 {
		req := make([]any, len(spec.Required))
		for i, r := range spec.Required {
			req[i] = r
		}
		schema["required"] = req
	}
	if spec.AdditionalProperties != nil {
		schema["additionalProperties"] = *spec.AdditionalProperties
	}
	var normSchema map[string]any
	if err := jsonRoundTrip(schema, &normSchema); err != nil {
		return nil, fmt.Errorf("action %q schema: %w", name, err)
	}
	var p map[string]any
	if err := jsonRoundTrip(params, &p); err != nil {
		return nil, fmt.Errorf("action %q params: %w", name, err)
	}
	js := jujucharm.ActionSpec{Description: spec.Description, Params: normSchema}
	if err := js.ValidateParams(p); err != nil {
		return nil, err
	}
	out, err := js.InsertDefaults(p)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

func jsonRoundTrip(in, out any) error {
	if in == nil {
		return nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

var errNoMeta = errors.New("charmtest: Context.Meta is nil")
