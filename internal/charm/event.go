// Package charm is the runtime every charm binary in this repository shares:
// it reads what Juju tells a dispatch invocation through the environment,
// names the event, and hands one explicit Context to the charm's reconcile
// or action handler.
package charm

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind classifies an event independently of the endpoint, container or
// storage name that Juju folds into the hook name.
type Kind string

// Hook kinds as Juju 3.6 names them (without endpoint/container prefixes).
const (
	Install               Kind = "install"
	Start                 Kind = "start"
	Stop                  Kind = "stop"
	Remove                Kind = "remove"
	ConfigChanged         Kind = "config-changed"
	UpgradeCharm          Kind = "upgrade-charm"
	UpdateStatus          Kind = "update-status"
	LeaderElected         Kind = "leader-elected"
	LeaderSettingsChanged Kind = "leader-settings-changed"
	PostSeriesUpgrade     Kind = "post-series-upgrade"
	PreSeriesUpgrade      Kind = "pre-series-upgrade"

	RelationCreated  Kind = "relation-created"
	RelationJoined   Kind = "relation-joined"
	RelationChanged  Kind = "relation-changed"
	RelationDeparted Kind = "relation-departed"
	RelationBroken   Kind = "relation-broken"

	PebbleReady          Kind = "pebble-ready"
	PebbleCustomNotice   Kind = "pebble-custom-notice"
	PebbleCheckFailed    Kind = "pebble-check-failed"
	PebbleCheckRecovered Kind = "pebble-check-recovered"

	StorageAttached  Kind = "storage-attached"
	StorageDetaching Kind = "storage-detaching"

	SecretChanged Kind = "secret-changed"
	SecretRotate  Kind = "secret-rotate"
	SecretExpired Kind = "secret-expired"
	SecretRemove  Kind = "secret-remove"

	// Action is not a hook: Juju runs dispatch with JUJU_DISPATCH_PATH=actions/<name>.
	Action Kind = "action"
)

// suffixKinds are the hook kinds that Juju prefixes with a relation endpoint,
// a container or a storage name; longest suffixes first so that
// "pebble-check-failed" is not mistaken for something shorter.
var suffixKinds = []Kind{
	PebbleCheckRecovered, PebbleCustomNotice, PebbleCheckFailed, PebbleReady,
	RelationDeparted, RelationCreated, RelationChanged, RelationJoined, RelationBroken,
	StorageDetaching, StorageAttached,
}

var plainKinds = map[Kind]bool{
	Install: true, Start: true, Stop: true, Remove: true, ConfigChanged: true,
	UpgradeCharm: true, UpdateStatus: true, LeaderElected: true, LeaderSettingsChanged: true,
	PostSeriesUpgrade: true, PreSeriesUpgrade: true,
	SecretChanged: true, SecretRotate: true, SecretExpired: true, SecretRemove: true,
}

// Event is what one dispatch invocation is about. Only the fields that the
// kind carries are set; the rest are zero.
type Event struct {
	Kind Kind
	// Name is the hook name as Juju runs it ("db-relation-changed"), or the
	// action name for actions.
	Name string

	// Relation events.
	Relation      string // endpoint name (JUJU_RELATION)
	RelationID    int    // numeric part of JUJU_RELATION_ID ("db:3" -> 3); -1 when unset
	RemoteUnit    string // JUJU_REMOTE_UNIT, empty for app-level changes and broken
	RemoteApp     string // JUJU_REMOTE_APP
	DepartingUnit string // JUJU_DEPARTING_UNIT

	// Pebble events.
	Workload    string // container name (JUJU_WORKLOAD_NAME)
	NoticeID    string
	NoticeType  string
	NoticeKey   string
	CheckName   string
	StorageName string // for storage hooks, from the hook name
	StorageID   string
	StoragePath string

	// Secret events.
	SecretID       string
	SecretLabel    string
	SecretRevision int // 0 when unset

	// Actions.
	ActionName string
	ActionUUID string
}

// IsRelation reports whether the event is one of the five relation hooks.
func (e Event) IsRelation() bool {
	switch e.Kind {
	case RelationCreated, RelationJoined, RelationChanged, RelationDeparted, RelationBroken:
		return true
	}
	return false
}

// RelationIDString is the relation ID as Juju writes it in JUJU_RELATION_ID.
func (e Event) RelationIDString() string {
	if e.RelationID < 0 || e.Relation == "" {
		return ""
	}
	return e.Relation + ":" + strconv.Itoa(e.RelationID)
}

// ParseHookName splits a hook name into its kind and the endpoint, container
// or storage name in front of the kind.
func ParseHookName(hook string) (Kind, string, error) {
	if plainKinds[Kind(hook)] {
		return Kind(hook), "", nil
	}
	for _, k := range suffixKinds {
		if prefix, ok := strings.CutSuffix(hook, "-"+string(k)); ok && prefix != "" {
			return k, prefix, nil
		}
	}
	return "", "", fmt.Errorf("unknown hook %q", hook)
}

// ParseRelationID parses "endpoint:N" (as in JUJU_RELATION_ID and
// relation-ids output) or a bare "N".
func ParseRelationID(s string) (endpoint string, id int, err error) {
	num := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		endpoint, num = s[:i], s[i+1:]
	}
	id, err = strconv.Atoi(num)
	if err != nil || id < 0 {
		return "", -1, fmt.Errorf("invalid relation id %q", s)
	}
	return endpoint, id, nil
}
