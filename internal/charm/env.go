package charm

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Env is the part of the environment that does not depend on the event.
type Env struct {
	UnitName    string // "hydra/0"
	AppName     string // "hydra"
	UnitNumber  int
	ModelName   string
	ModelUUID   string
	CharmDir    string
	JujuVersion string
	ContextID   string
	// DispatchPath is "hooks/<hook>" or "actions/<action>".
	DispatchPath string
	// Proxy settings Juju exports for the charm (may be empty).
	HTTPProxy, HTTPSProxy, NoProxy string
}

// Getenv looks up one environment variable; os.Getenv satisfies it, and
// tests pass a map lookup so that they can run in parallel.
type Getenv func(key string) string

// ReadEnv reads the environment Juju 3.6 sets for every dispatch and names
// the event. It fails only when the environment could not have come from
// Juju (no unit name, an unknown hook).
func ReadEnv(getenv Getenv) (Env, Event, error) {
	env := Env{
		UnitName:     getenv("JUJU_UNIT_NAME"),
		ModelName:    getenv("JUJU_MODEL_NAME"),
		ModelUUID:    getenv("JUJU_MODEL_UUID"),
		CharmDir:     getenv("JUJU_CHARM_DIR"),
		JujuVersion:  getenv("JUJU_VERSION"),
		ContextID:    getenv("JUJU_CONTEXT_ID"),
		DispatchPath: getenv("JUJU_DISPATCH_PATH"),
		HTTPProxy:    getenv("JUJU_CHARM_HTTP_PROXY"),
		HTTPSProxy:   getenv("JUJU_CHARM_HTTPS_PROXY"),
		NoProxy:      getenv("JUJU_CHARM_NO_PROXY"),
	}
	if env.CharmDir == "" {
		env.CharmDir = getenv("CHARM_DIR")
	}
	app, num, ok := strings.Cut(env.UnitName, "/")
	if !ok || app == "" {
		return Env{}, Event{}, fmt.Errorf("JUJU_UNIT_NAME %q is not a unit name", env.UnitName)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return Env{}, Event{}, fmt.Errorf("JUJU_UNIT_NAME %q is not a unit name", env.UnitName)
	}
	env.AppName, env.UnitNumber = app, n

	ev, err := readEvent(getenv, env.DispatchPath)
	if err != nil {
		return Env{}, Event{}, err
	}
	return env, ev, nil
}

func readEvent(getenv Getenv, dispatchPath string) (Event, error) {
	ev := Event{RelationID: -1}
	if action := getenv("JUJU_ACTION_NAME"); action != "" || strings.HasPrefix(dispatchPath, "actions/") {
		if action == "" {
			action = strings.TrimPrefix(dispatchPath, "actions/")
		}
		ev.Kind, ev.Name, ev.ActionName = Action, action, action
		ev.ActionUUID = getenv("JUJU_ACTION_UUID")
		return ev, nil
	}
	hook := getenv("JUJU_HOOK_NAME")
	if hook == "" {
		hook = strings.TrimPrefix(dispatchPath, "hooks/")
	}
	if hook == "" {
		return Event{}, errors.New("neither JUJU_HOOK_NAME, JUJU_ACTION_NAME nor JUJU_DISPATCH_PATH is set")
	}
	kind, prefix, err := ParseHookName(hook)
	if err != nil {
		return Event{}, err
	}
	ev.Kind, ev.Name = kind, hook

	switch kind {
	case RelationCreated, RelationJoined, RelationChanged, RelationDeparted, RelationBroken:
		ev.Relation = prefix
		if rel := getenv("JUJU_RELATION"); rel != "" {
			ev.Relation = rel
		}
		if raw := getenv("JUJU_RELATION_ID"); raw != "" {
			_, id, err := ParseRelationID(raw)
			if err != nil {
				return Event{}, fmt.Errorf("JUJU_RELATION_ID: %w", err)
			}
			ev.RelationID = id
		}
		ev.RemoteUnit = getenv("JUJU_REMOTE_UNIT")
		ev.RemoteApp = getenv("JUJU_REMOTE_APP")
		ev.DepartingUnit = getenv("JUJU_DEPARTING_UNIT")
	case PebbleReady, PebbleCustomNotice, PebbleCheckFailed, PebbleCheckRecovered:
		ev.Workload = prefix
		if w := getenv("JUJU_WORKLOAD_NAME"); w != "" {
			ev.Workload = w
		}
		ev.NoticeID = getenv("JUJU_NOTICE_ID")
		ev.NoticeType = getenv("JUJU_NOTICE_TYPE")
		ev.NoticeKey = getenv("JUJU_NOTICE_KEY")
		ev.CheckName = getenv("JUJU_PEBBLE_CHECK_NAME")
	case StorageAttached, StorageDetaching:
		ev.StorageName = prefix
		ev.StorageID = getenv("JUJU_STORAGE_ID")
		ev.StoragePath = getenv("JUJU_STORAGE_LOCATION")
	case SecretChanged, SecretRotate, SecretExpired, SecretRemove:
		ev.SecretID = getenv("JUJU_SECRET_ID")
		ev.SecretLabel = getenv("JUJU_SECRET_LABEL")
		if raw := getenv("JUJU_SECRET_REVISION"); raw != "" {
			rev, err := strconv.Atoi(raw)
			if err != nil {
				return Event{}, fmt.Errorf("JUJU_SECRET_REVISION %q is not a number", raw)
			}
			ev.SecretRevision = rev
		}
	}
	return ev, nil
}

// Environ renders the event-specific variables Juju 3.6 would set for ev,
// for runtimes and test harnesses that start dispatch themselves. Variables
// that Juju leaves unset for this kind are omitted.
func (e Event) Environ() map[string]string {
	vars := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			vars[k] = v
		}
	}
	if e.Kind == Action {
		vars["JUJU_DISPATCH_PATH"] = "actions/" + e.ActionName
		// Juju leaves JUJU_HOOK_NAME empty for actions (ActionContext has no hook name).
		set("JUJU_ACTION_NAME", e.ActionName)
		set("JUJU_ACTION_UUID", e.ActionUUID)
		set("JUJU_ACTION_TAG", actionTag(e.ActionUUID))
		return vars
	}
	vars["JUJU_DISPATCH_PATH"] = "hooks/" + e.Name
	vars["JUJU_HOOK_NAME"] = e.Name
	if e.IsRelation() {
		set("JUJU_RELATION", e.Relation)
		set("JUJU_RELATION_ID", e.RelationIDString())
		set("JUJU_REMOTE_UNIT", e.RemoteUnit)
		set("JUJU_REMOTE_APP", e.RemoteApp)
		set("JUJU_DEPARTING_UNIT", e.DepartingUnit)
	}
	set("JUJU_WORKLOAD_NAME", e.Workload)
	set("JUJU_NOTICE_ID", e.NoticeID)
	set("JUJU_NOTICE_TYPE", e.NoticeType)
	set("JUJU_NOTICE_KEY", e.NoticeKey)
	set("JUJU_PEBBLE_CHECK_NAME", e.CheckName)
	set("JUJU_STORAGE_ID", e.StorageID)
	set("JUJU_STORAGE_LOCATION", e.StoragePath)
	set("JUJU_SECRET_ID", e.SecretID)
	set("JUJU_SECRET_LABEL", e.SecretLabel)
	if e.SecretRevision > 0 {
		vars["JUJU_SECRET_REVISION"] = strconv.Itoa(e.SecretRevision)
	}
	return vars
}

func actionTag(uuid string) string {
	if uuid == "" {
		return ""
	}
	return "action-" + uuid
}

// Environ renders the event-independent variables of env.
func (env Env) Environ() map[string]string {
	vars := map[string]string{
		"JUJU_UNIT_NAME":         env.UnitName,
		"JUJU_MODEL_NAME":        env.ModelName,
		"JUJU_MODEL_UUID":        env.ModelUUID,
		"JUJU_CHARM_DIR":         env.CharmDir,
		"CHARM_DIR":              env.CharmDir,
		"JUJU_VERSION":           env.JujuVersion,
		"JUJU_CONTEXT_ID":        env.ContextID,
		"JUJU_CHARM_HTTP_PROXY":  env.HTTPProxy,
		"JUJU_CHARM_HTTPS_PROXY": env.HTTPSProxy,
		"JUJU_CHARM_NO_PROXY":    env.NoProxy,
	}
	return vars
}

// EnvList flattens variable maps into sorted KEY=VALUE pairs for exec.
func EnvList(maps ...map[string]string) []string {
	merged := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			merged[k] = v
		}
	}
	out := make([]string, 0, len(merged))
	for k, v := range merged {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
