package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/juju/charm/v12"
	"github.com/juju/names/v5"
	"gopkg.in/yaml.v2"
)

// RunRequest is a parsed `juju run <unit> [<unit> …] <action> [k=v …]`.
type RunRequest struct {
	// Units are the receivers as given: "app/0" or "app/leader".
	Units []string
	// Application is the units' application.
	Application string
	// Action is the action name.
	Action string
	// Params are the parameters as the controller receives them: YAML-
	// typed by the client, then through JSON on the wire, so numbers are
	// float64 and maps are map[string]any.
	Params map[string]any
}

var (
	// unitOrLeader is cmd/juju/action/common.go's validUnitOrLeader.
	unitOrLeader = regexp.MustCompile("^(" + names.ApplicationSnippet + ")/(" + names.NumberSnippet + "|leader)$")
	// actionNameRule is charm.GetActionNameRule, used by `juju run` for
	// the action name and each parameter key.
	actionNameRule = charm.GetActionNameRule()
)

// ParseRunArgs parses the arguments of `juju run` (cmd/juju/action/run.go
// Init and enqueueActions): units first, then the action name, then
// key[.key…]=value parameters. paramsYAML is the content of --params (nil
// for none); its values are overridden by the arguments. Unless
// stringArgs (--string-args), each value is parsed as YAML — `n=3` is a
// number, `b=true` a bool, `l=[a, b]` a list, `m={x: 1}` a map — and
// dotted keys build nested maps (`file.kind=xz`). Errors are the client's:
//
//	invalid unit or action name "X"
//	no unit specified / no action specified
//	all units must be of the same application
//	argument "x" must be of the form key.key.key...=value
//	key "X" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens
//	map keyed with non-string value
//
// Values are read as Juju's fork of yaml.v2 reads them: "1e5" and "1."
// stay strings (Juju's float rule needs a signed exponent and no bare
// trailing dot), where upstream yaml.v2 makes them numbers.
func ParseRunArgs(args []string, paramsYAML []byte, stringArgs bool) (*RunRequest, error) {
	r := &RunRequest{}
	apps := map[string]bool{}
	for _, arg := range args {
		if m := unitOrLeader.FindStringSubmatch(arg); m != nil {
			apps[m[1]] = true
			r.Application = m[1]
			r.Units = append(r.Units, arg)
		} else if actionNameRule.MatchString(arg) {
			r.Action = arg
			break
		} else {
			return nil, fmt.Errorf("invalid unit or action name %q", arg)
		}
	}
	if len(r.Units) == 0 {
		return nil, errors.New("no unit specified")
	}
	if r.Action == "" {
		return nil, errors.New("no action specified")
	}
	if len(apps) > 1 {
		return nil, errors.New("all units must be of the same application")
	}
	type kv struct {
		keys  []string
		value string
	}
	var pairs []kv
	for _, arg := range args[len(r.Units)+1:] {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("argument %q must be of the form key.key.key...=value", arg)
		}
		keys := strings.Split(k, ".")
		for _, key := range keys {
			if !actionNameRule.MatchString(key) {
				return nil, fmt.Errorf("key %q must start and end with lowercase alphanumeric, "+
					"and contain only lowercase alphanumeric and hyphens", key)
			}
		}
		pairs = append(pairs, kv{keys, v})
	}

	params := map[string]any{}
	if paramsYAML != nil {
		var doc map[string]jujuYAML
		if err := yaml.Unmarshal(paramsYAML, &doc); err != nil {
			return nil, err
		}
		for k, v := range doc {
			params[k] = v.v
		}
		conformed, err := conformYAML(params)
		if err != nil {
			return nil, err
		}
		params = conformed.(map[string]any)
	}
	for _, p := range pairs {
		var value any = p.value
		if !stringArgs {
			doc := jujuYAML{v: p.value}
			if err := yaml.Unmarshal([]byte(p.value), &doc); err != nil {
				return nil, err
			}
			value = doc.v
		}
		addValueToMap(p.keys, value, params)
	}
	conformed, err := conformYAML(params)
	if err != nil {
		return nil, err
	}
	// The client sends the parameters as JSON and the controller decodes
	// them into map[string]interface{}: what the schema (and later the
	// charm) sees.
	if r.Params, err = jsonShape(conformed); err != nil {
		return nil, err
	}
	return r, nil
}

// addValueToMap is cmd/juju/action/common.go's addValueToMap: it merges
// {a: {b: 1}} and {a: {c: 2}}, and a scalar in the way of a deeper key is
// replaced by a map.
func addValueToMap(keys []string, value any, target map[string]any) {
	next := target
	for i, key := range keys {
		if i == len(keys)-1 {
			next[key] = value
			return
		}
		if m, ok := next[key].(map[string]any); ok {
			next = m
			continue
		}
		m := map[string]any{}
		next[key] = m
		next = m
	}
}

// conformYAML is cmd/juju/common.ConformYAML: map[interface{}]interface{}
// becomes map[string]interface{}, recursively.
func conformYAML(input any) (any, error) {
	switch in := input.(type) {
	case map[string]any:
		out := make(map[string]any, len(in))
		for k, v := range in {
			c, err := conformYAML(v)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(in))
		for k, v := range in {
			s, ok := k.(string)
			if !ok {
				return nil, errors.New("map keyed with non-string value")
			}
			out[s] = v
		}
		return conformYAML(out)
	case []any:
		out := make([]any, len(in))
		for i, v := range in {
			c, err := conformYAML(v)
			if err != nil {
				return nil, errors.New("map keyed with non-string value")
			}
			out[i] = c
		}
		return out, nil
	}
	return input, nil
}

// upstreamFloat and jujuFloat are the plain-scalar float rules of
// gopkg.in/yaml.v2 v2.4.0 and of github.com/juju/yaml/v2 v2.0.0, which
// Juju's client is built with (resolve.go yamlStyleFloat).
var (
	upstreamFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	jujuFloat     = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$`)
)

// jujuYAML decodes a YAML value like interface{} does, except that plain
// scalars upstream yaml.v2 reads as floats by its regexp but Juju's fork
// does not stay strings. (Mapping keys are left as upstream reads them.)
type jujuYAML struct{ v any }

func (j *jujuYAML) UnmarshalYAML(unmarshal func(any) error) error {
	var raw any
	if err := unmarshal(&raw); err != nil {
		return err
	}
	switch raw.(type) {
	case []any:
		var items []jujuYAML
		if err := unmarshal(&items); err != nil {
			return err
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = it.v
		}
		j.v = out
	case map[any]any:
		var m map[any]jujuYAML
		if err := unmarshal(&m); err != nil {
			return err
		}
		out := make(map[any]any, len(m))
		for k, v := range m {
			out[k] = v.v
		}
		j.v = out
	case float64:
		var text string
		if err := unmarshal(&text); err == nil {
			plain := strings.ReplaceAll(text, "_", "")
			if upstreamFloat.MatchString(plain) && !jujuFloat.MatchString(plain) {
				j.v = text
				return nil
			}
		}
		j.v = raw
	default:
		j.v = raw
	}
	return nil
}

// ValidateActionParams checks an action invocation against the charm, as
// the controller does when it enqueues it (state Unit.PrepareActionPayload):
// the action must exist — `action "x" not defined on unit "app/0"` — and
// the parameters must satisfy the action's JSON schema from actions.yaml
// (charm.ActionSpec.ValidateParams, Juju's gojsonschema), e.g.
//
//	validation failed: (root) : "username" property is missing and required, given {}
//	validation failed: (root) : additional property "bogus" is not allowed, given {"bogus":1}
//	validation failed: (root).count : invalid type. Expected: integer, given: string
//
// It returns a copy of params with the schema's defaults filled in
// (charm.ActionSpec.InsertDefaults), in the JSON shape the unit receives
// (numbers float64); params itself is not changed.
//
// The juju client reports such errors as "Operation N failed to schedule
// any tasks:" followed by the message, and exits 0; the local CLI should
// exit non-zero instead.
func ValidateActionParams(ch *Charm, unit, action string, params map[string]any) (map[string]any, error) {
	if action == "" {
		return nil, errors.New("no action name given")
	}
	spec, ok := ch.actionSpecs()[action]
	if !ok {
		return nil, fmt.Errorf("action %q not defined on unit %q", action, unit)
	}
	payload := deepCopy(params)
	if payload == nil {
		payload = map[string]any{}
	}
	if err := spec.ValidateParams(payload); err != nil {
		return nil, err
	}
	withDefaults, err := spec.InsertDefaults(payload)
	if err != nil {
		return nil, err
	}
	// Defaults come from actions.yaml as YAML types (int); the unit gets
	// the payload through JSON, like the rest of the parameters.
	return jsonShape(withDefaults)
}

// jsonShape passes v through JSON, as the API between client, controller
// and unit agent does: numbers become float64, maps map[string]any.
func jsonShape(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// deepCopy copies the JSON-shaped maps and slices of v, so inserting
// defaults never reaches into the caller's values.
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}
