// Package record is what the test charms under tests/charms share: every
// dispatch (hook or action) is recorded, before the charm does anything
// else, so that integration tests of the local model controller can assert
// the exact order of hooks and the environment each one ran with.
//
// # The record
//
// A record is one JSON object, compact (json.Marshal without HTML
// escaping: no spaces, no newline), with these keys, always all of them, in
// this order:
//
//	unit             string  JUJU_UNIT_NAME, e.g. "recorder/0"
//	kind             string  the hook kind without its prefix ("install",
//	                         "relation-changed", "pebble-ready", …), or
//	                         "action"
//	hook             string  the hook name ("sink-relation-changed");
//	                         "" for actions
//	action           string  the action name; "" for hooks
//	relation         string  JUJU_RELATION (endpoint name); "" if none
//	relation_id      int     the number of JUJU_RELATION_ID ("sink:3" -> 3);
//	                         -1 when the event is not about a relation
//	remote_app       string  JUJU_REMOTE_APP
//	remote_unit      string  JUJU_REMOTE_UNIT
//	departing_unit   string  JUJU_DEPARTING_UNIT
//	workload         string  JUJU_WORKLOAD_NAME (Pebble events)
//	notice_id        string  JUJU_NOTICE_ID
//	notice_type      string  JUJU_NOTICE_TYPE
//	notice_key       string  JUJU_NOTICE_KEY
//	check            string  JUJU_PEBBLE_CHECK_NAME
//	storage          string  the storage name of a storage hook ("data")
//	storage_id       string  JUJU_STORAGE_ID ("data/0")
//	storage_location string  JUJU_STORAGE_LOCATION
//	secret_id        string  JUJU_SECRET_ID
//	secret_label     string  JUJU_SECRET_LABEL
//	secret_revision  int     JUJU_SECRET_REVISION; 0 when unset
//	leader           bool    what is-leader answered during this dispatch
//	env              object  every JUJU_* variable of the process, name ->
//	                         value (set but empty variables included, with
//	                         ""), keys sorted, except JUJU_AGENT_TOKEN (a
//	                         credential) and JUJU_CONTEXT_ID (random per
//	                         dispatch)
//
// The fields other than leader and env are parsed from the environment by
// internal/charm (charm.ReadEnv), so they say what the charm runtime made
// of it; env is the raw environment.
//
// # Where records go
//
//   - juju-log at INFO, before anything else the charm does: the message is
//     "EVENT " followed by the record (LinePrefix). juju-log is effective
//     immediately, so a dispatch that then fails is still logged;
//   - charm state (state-set), key "events" (StateKey): a JSON list of the
//     records of this unit, oldest first. It is capped to the last
//     MaxEvents records and to MaxStateBytes (Juju's limit on one state
//     value), oldest dropped first; "events-dropped" (DroppedKey) counts
//     the records dropped so far, in decimal, and is absent while none
//     was. Charm state is committed only when the dispatch succeeds, so a
//     failed hook's record is in the log but not in the list; an action
//     reading the list sees its own record last.
//
// # Crashing on request
//
// When charm state "crash-next" (CrashKey) names a hook, every dispatch of
// that hook exits 1 right after recording itself. Because Juju discards
// the state changes of a failed hook, the hook cannot clear the flag
// itself: it keeps failing on every retry until an action clears it
// (actions run while the unit is in error), which lets a test drive
// error, retry and resolve deterministically. Actions never crash.
//
// # Built-in actions
//
// Charm wraps a charm and adds the actions "events", "crash-next" and
// "crash-clear" (see Actions); a charm's charmcraft.yaml must declare them
// for Juju to run them.
package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
)

// Names and limits of the record's wire format (see the package doc).
const (
	// LinePrefix starts the juju-log message of every record.
	LinePrefix = "EVENT "
	// StateKey holds the JSON list of records in charm state.
	StateKey = "events"
	// DroppedKey counts the records dropped from StateKey by the caps.
	DroppedKey = "events-dropped"
	// CrashKey names the hook that fails until cleared.
	CrashKey = "crash-next"
	// MaxEvents caps the length of the list.
	MaxEvents = 200
	// MaxStateBytes is Juju's limit on one charm state value
	// (core/quota.MaxCharmStateValueSize).
	MaxStateBytes = 64 * 1024
)

// excludedEnv are JUJU_* variables the record leaves out.
var excludedEnv = map[string]bool{
	"JUJU_AGENT_TOKEN": true, // a credential for the agent's hook-tool socket
	"JUJU_CONTEXT_ID":  true, // random per dispatch
}

// Event is one record. Its JSON encoding is the wire format.
type Event struct {
	Unit            string            `json:"unit"`
	Kind            string            `json:"kind"`
	Hook            string            `json:"hook"`
	Action          string            `json:"action"`
	Relation        string            `json:"relation"`
	RelationID      int               `json:"relation_id"`
	RemoteApp       string            `json:"remote_app"`
	RemoteUnit      string            `json:"remote_unit"`
	DepartingUnit   string            `json:"departing_unit"`
	Workload        string            `json:"workload"`
	NoticeID        string            `json:"notice_id"`
	NoticeType      string            `json:"notice_type"`
	NoticeKey       string            `json:"notice_key"`
	Check           string            `json:"check"`
	Storage         string            `json:"storage"`
	StorageID       string            `json:"storage_id"`
	StorageLocation string            `json:"storage_location"`
	SecretID        string            `json:"secret_id"`
	SecretLabel     string            `json:"secret_label"`
	SecretRevision  int               `json:"secret_revision"`
	Leader          bool              `json:"leader"`
	Env             map[string]string `json:"env"`
}

// NewEvent builds the record of the dispatch c describes; environ is the
// process environment as KEY=VALUE entries.
func NewEvent(c *charm.Context, leader bool, environ []string) Event {
	ev := c.Event
	e := Event{
		Unit:            c.Env.UnitName,
		Kind:            string(ev.Kind),
		Relation:        ev.Relation,
		RelationID:      ev.RelationID,
		RemoteApp:       ev.RemoteApp,
		RemoteUnit:      ev.RemoteUnit,
		DepartingUnit:   ev.DepartingUnit,
		Workload:        ev.Workload,
		NoticeID:        ev.NoticeID,
		NoticeType:      ev.NoticeType,
		NoticeKey:       ev.NoticeKey,
		Check:           ev.CheckName,
		Storage:         ev.StorageName,
		StorageID:       ev.StorageID,
		StorageLocation: ev.StoragePath,
		SecretID:        ev.SecretID,
		SecretLabel:     ev.SecretLabel,
		SecretRevision:  ev.SecretRevision,
		Leader:          leader,
		Env:             JujuEnv(environ),
	}
	if ev.Kind == charm.Action {
		e.Action = ev.ActionName
	} else {
		e.Hook = ev.Name
	}
	if !ev.IsRelation() {
		// charm.ReadEnv leaves -1 here already; say so explicitly, since
		// it is part of the wire format.
		e.RelationID = -1
	}
	return e
}

// JujuEnv picks the recorded variables out of environ (KEY=VALUE
// entries): every JUJU_* one but JUJU_AGENT_TOKEN and JUJU_CONTEXT_ID.
// The result is never nil, so it encodes as {}.
func JujuEnv(environ []string) map[string]string {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "JUJU_") || excludedEnv[k] {
			continue
		}
		env[k] = v
	}
	return env
}

// Encode is the record's compact JSON.
func (e Event) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Hook names and URLs read better unescaped; consumers parse JSON.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("encoding the event record: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseLine decodes a juju-log message (or a "LEVEL message" line as
// charmtest reports logs) holding a record; ok is false when the line is
// not a record.
func ParseLine(line string) (ev Event, ok bool, err error) {
	i := strings.Index(line, LinePrefix+"{")
	if i < 0 {
		return Event{}, false, nil
	}
	if err := json.Unmarshal([]byte(line[i+len(LinePrefix):]), &ev); err != nil {
		return Event{}, true, fmt.Errorf("decoding an event record: %w", err)
	}
	return ev, true, nil
}

// ParseList decodes the JSON list stored under StateKey (and returned by
// the events action).
func ParseList(list string) ([]Event, error) {
	var evs []Event
	if err := json.Unmarshal([]byte(list), &evs); err != nil {
		return nil, fmt.Errorf("decoding the event list: %w", err)
	}
	return evs, nil
}

// appendCapped appends rec to the stored list (a JSON list of records)
// and applies the caps; it returns the new list and how many records were
// dropped from it. A stored value that is not a JSON list is replaced (and
// counted as one dropped record, so the loss shows).
func appendCapped(stored string, rec []byte) (list []byte, dropped int) {
	var raws []json.RawMessage
	if stored != "" {
		if err := json.Unmarshal([]byte(stored), &raws); err != nil {
			raws, dropped = nil, 1
		}
	}
	raws = append(raws, json.RawMessage(rec))
	if n := len(raws) - MaxEvents; n > 0 {
		raws, dropped = raws[n:], dropped+n
	}
	// "[" + records joined by "," + "]".
	size := 1 + len(raws)
	for _, r := range raws {
		size += len(r)
	}
	for len(raws) > 0 && size > MaxStateBytes {
		size -= len(raws[0]) + 1
		raws, dropped = raws[1:], dropped+1
	}
	var buf bytes.Buffer
	buf.Grow(size)
	buf.WriteByte('[')
	for i, r := range raws {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(r)
	}
	buf.WriteByte(']')
	return buf.Bytes(), dropped
}

// DerivedEnviron renders the environment that charm.Env and charm.Event
// stand for (what the charmtest harness gives an in-process dispatch), for
// tests that run a Charm in-process, where the process environment is the
// test's own.
func DerivedEnviron(c *charm.Context) []string {
	return charm.EnvList(c.Env.Environ(), c.Event.Environ())
}

// osEnviron is the Environ of a real dispatch.
func osEnviron(*charm.Context) []string { return os.Environ() }

// atoiOrZero reads a stored counter; garbage counts as zero.
func atoiOrZero(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
