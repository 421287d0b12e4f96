// Package model is the persistent, multi-unit model a local controller
// owns: applications and their units, relations with their databags and
// scopes, and secrets with their revisions, consumers and grants.
//
// A unit's hooks run against internal/unitctx, which knows one unit only:
// UnitState projects what that unit sees at hook start, and Apply merges
// the State the hook left back into the model, reporting what changed so
// that the controller can wake the units that must react. The operations
// the CLI needs (deploy, add-unit, integrate, config, add-secret, …) are
// plain edits that return Juju's error texts where Juju has one.
//
// A Model is a plain value: it does no locking (the controller holds one
// mutex per model), keeps no clock but time.Now for status times, and is
// written to disk by Save and read back by Load.
package model

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// DefaultUpdateStatusInterval is Juju's update-status-hook-interval.
const DefaultUpdateStatusInterval = 5 * time.Minute

// Life is the lifecycle of an application, unit or relation, as Juju's
// core/life names it.
type Life string

const (
	Alive Life = "alive"
	Dying Life = "dying"
	Dead  Life = "dead"
)

// Model is one model and everything in it.
type Model struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
	// UpdateStatusInterval is how often units run update-status.
	UpdateStatusInterval time.Duration `json:"update-status-interval"`

	Applications map[string]*Application `json:"applications"`
	Relations    map[int]*Relation       `json:"relations"`
	// Secrets are keyed by bare secret ID (the 20 characters).
	Secrets map[string]*Secret `json:"secrets"`

	// NextRelationID is the ID the next relation gets; IDs are never
	// reused, as in Juju.
	NextRelationID int `json:"next-relation-id"`
}

// Application is one deployed application.
type Application struct {
	Name string `json:"name"`
	// Charm is the charm's name (its metadata's), which the application
	// may be named otherwise than.
	Charm string `json:"charm"`
	// CharmDir is the unpacked charm on disk.
	CharmDir string `json:"charm-dir"`
	// CharmModifiedVersion counts upgrades (and forced refreshes); a
	// change runs upgrade-charm.
	CharmModifiedVersion int `json:"charm-modified-version"`
	// Config holds the values the operator set, typed; options not set
	// take the charm's defaults, which the model does not know.
	Config Settings `json:"config,omitempty"`
	Trust  bool     `json:"trust,omitempty"`
	// Resources maps an OCI-image resource to the image it runs.
	Resources map[string]string `json:"resources,omitempty"`

	Units map[int]*Unit `json:"units"`
	// NextUnit is the number the next unit gets; numbers are never
	// reused, as in Juju.
	NextUnit int `json:"next-unit"`
	// Leader is the leader unit's name, "" when there is none.
	Leader string `json:"leader,omitempty"`
	// Status is the application status its leader set.
	Status Status `json:"status"`
	Life   Life   `json:"life"`
}

// Unit is one unit of an application.
type Unit struct {
	Name   string `json:"name"`
	Number int    `json:"number"`
	Life   Life   `json:"life"`

	WorkloadStatus Status `json:"workload-status"`
	// AgentStatus is the unit agent's: allocating, idle, executing or
	// error (with Juju's message, `hook failed: "config-changed"`).
	AgentStatus     Status `json:"agent-status"`
	WorkloadVersion string `json:"workload-version,omitempty"`

	// Stored is the unit's charm state (state-get/state-set).
	Stored      map[string]string `json:"stored,omitempty"`
	OpenedPorts []unitctx.Port    `json:"opened-ports,omitempty"`
	// Address is the unit's (pod's) address: network-get, and the
	// ingress-address it publishes when it enters a relation's scope.
	Address string `json:"address,omitempty"`
	// UniterState is whatever the unit's uniter persists between
	// operations (valid JSON); the model only stores it.
	UniterState json.RawMessage `json:"uniter-state,omitempty"`
}

// Status is a workload or agent status.
type Status struct {
	Name    string    `json:"name,omitempty"`
	Message string    `json:"message,omitempty"`
	Since   time.Time `json:"since,omitzero"`
}

// Endpoint is one application's side of a relation.
type Endpoint struct {
	App       string `json:"app"`
	Name      string `json:"name"`
	Role      string `json:"role"` // provider | requirer | peer
	Interface string `json:"interface"`
	Scope     string `json:"scope,omitempty"` // global (default) | container
}

// String is "app:endpoint", as Juju prints an endpoint.
func (e Endpoint) String() string { return e.App + ":" + e.Name }

// Relation is one relation: two endpoints, or one for a peer relation.
type Relation struct {
	ID int `json:"id"`
	// Key is Juju's relation key ("requirer:x provider:y", or "app:peers").
	Key       string     `json:"key"`
	Endpoints []Endpoint `json:"endpoints"`
	Life      Life       `json:"life"`

	// AppData is each application's databag, by application name, and
	// AppDataVersion its settings version, bumped on every change (it
	// starts at 1, as Juju's settings documents have a revision from the
	// relation's creation).
	AppData        map[string]map[string]string `json:"app-data"`
	AppDataVersion map[string]int64             `json:"app-data-version"`
	// UnitData is each unit's databag, by unit name, from the moment it
	// enters scope to the moment it leaves; UnitDataVersion likewise.
	UnitData        map[string]map[string]string `json:"unit-data,omitempty"`
	UnitDataVersion map[string]int64             `json:"unit-data-version,omitempty"`
	// Members lists, per application, the units in scope (joined), sorted
	// by unit number.
	Members map[string][]string `json:"members,omitempty"`
}

// Secret is one secret with all its revisions.
type Secret struct {
	ID string `json:"id"`
	// URI is the secret's URI as its owner was told it
	// ("secret://<model-uuid>/<id>" for charm secrets, "secret:<id>" for
	// the operator's).
	URI   string `json:"uri"`
	Owner Owner  `json:"owner"`
	// Label is the owner's label; for a model-owned (user) secret, its
	// name.
	Label        string    `json:"label,omitempty"`
	Description  string    `json:"description,omitempty"`
	RotatePolicy string    `json:"rotate-policy,omitempty"`
	Expire       time.Time `json:"expire,omitzero"`
	// Created is when the secret was created and Updated when its
	// content or metadata (label, description, rotation, expiry) last
	// changed, to the second as Juju's CreateTime/UpdateTime; grants do
	// not count. Zero in models saved before they were kept.
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`

	// LatestRevision is the newest revision's number; Revisions holds the
	// revisions not removed, oldest first.
	LatestRevision int        `json:"latest-revision"`
	Revisions      []Revision `json:"revisions"`
	// Consumers records, per unit, the revision it tracks and (for units
	// that do not own the secret) the label it gave it. Units of the
	// owning application track revisions too.
	Consumers map[string]Consumer `json:"consumers,omitempty"`
	// Grants maps a relation ID to the applications or units the owner
	// granted access over it.
	Grants map[int][]string `json:"grants,omitempty"`
	// UserGrants are the applications the operator granted a
	// model-owned secret to (juju grant-secret).
	UserGrants []string `json:"user-grants,omitempty"`
}

// Owner owns a secret.
type Owner struct {
	Kind string `json:"kind"` // application | unit | model
	Name string `json:"name"` // the application or unit (the model's name for model)
}

// Owner kinds.
const (
	OwnerApplication = "application"
	OwnerUnit        = "unit"
	OwnerModel       = "model"
)

// Revision is one revision of a secret's content.
type Revision struct {
	Rev     int               `json:"rev"`
	Content map[string]string `json:"content"`
}

// Consumer is one unit's record of a secret.
type Consumer struct {
	Label           string `json:"label,omitempty"`
	TrackedRevision int    `json:"tracked-revision,omitempty"`
}

// New is an empty model.
func New(name string) *Model {
	return &Model{
		Name:                 name,
		UUID:                 newUUID(),
		UpdateStatusInterval: DefaultUpdateStatusInterval,
		Applications:         map[string]*Application{},
		Relations:            map[int]*Relation{},
		Secrets:              map[string]*Secret{},
	}
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Application returns the named application.
func (m *Model) Application(name string) (*Application, error) {
	app, ok := m.Applications[name]
	if !ok {
		return nil, fmt.Errorf("application %q not found", name)
	}
	return app, nil
}

// Unit returns the named unit ("app/0") and its application.
func (m *Model) Unit(name string) (*Application, *Unit, error) {
	appName, n, ok := splitUnit(name)
	if !ok {
		return nil, nil, fmt.Errorf("%q is not a valid unit name", name)
	}
	app := m.Applications[appName]
	if app == nil || app.Units[n] == nil {
		return nil, nil, fmt.Errorf("unit %q not found", name)
	}
	return app, app.Units[n], nil
}

// Relation returns the relation with this ID.
func (m *Model) Relation(id int) (*Relation, error) {
	r, ok := m.Relations[id]
	if !ok {
		return nil, fmt.Errorf("relation %d not found", id)
	}
	return r, nil
}

// Secret returns the secret with this URI (any form) or bare ID.
func (m *Model) Secret(uri string) (*Secret, error) {
	if s, ok := m.Secrets[bareID(uri)]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("secret %q not found", uri)
}

// bareID is the ID part of a secret URI ("secret:x", "secret://uuid/x").
func bareID(uri string) string {
	if i := strings.LastIndexAny(uri, ":/"); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// secretID is the bare ID of a secret URI as a State holds it.
func secretID(uri string) string {
	if u, err := jujuc.ParseSecretURI(uri); err == nil {
		return u.ID
	}
	return bareID(uri)
}

// splitUnit splits "app/3" into "app" and 3.
func splitUnit(name string) (string, int, bool) {
	app, num, ok := strings.Cut(name, "/")
	n, err := strconv.Atoi(num)
	if !ok || app == "" || err != nil || n < 0 {
		return "", 0, false
	}
	return app, n, true
}

// unitApp is the application of a unit name.
func unitApp(name string) string {
	app, _, _ := strings.Cut(name, "/")
	return app
}

// Endpoint returns app's endpoint in r, or false.
func (r *Relation) Endpoint(app string) (Endpoint, bool) {
	for _, e := range r.Endpoints {
		if e.App == app {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Peer reports whether r is a peer relation.
func (r *Relation) Peer() bool { return len(r.Endpoints) == 1 }

// Other is the application on the other side of r from app (app itself
// on a peer relation).
func (r *Relation) Other(app string) string {
	for _, e := range r.Endpoints {
		if e.App != app {
			return e.App
		}
	}
	return app
}

// InScope reports whether unit has entered r's scope.
func (r *Relation) InScope(unit string) bool {
	return slices.Contains(r.Members[unitApp(unit)], unit)
}

// Latest is the content of the latest revision (nil if it was removed).
func (s *Secret) Latest() map[string]string { return s.content(s.LatestRevision) }

func (s *Secret) content(rev int) map[string]string {
	for _, r := range s.Revisions {
		if r.Rev == rev {
			return r.Content
		}
	}
	return nil
}

// ownedBy reports whether unit (of app) owns s, as the engine's Owner
// field says it: "application" for its application's secrets, "unit" for
// its own, "" otherwise.
func (s *Secret) ownedBy(app, unit string) string {
	switch {
	case s.Owner.Kind == OwnerApplication && s.Owner.Name == app:
		return "application"
	case s.Owner.Kind == OwnerUnit && s.Owner.Name == unit:
		return "unit"
	}
	return ""
}

// Obsolete lists the revisions no unit tracks any more, other than the
// latest: each runs secret-remove on the owner.
func (s *Secret) Obsolete() []int {
	var out []int
	for _, r := range s.Revisions {
		if r.Rev == s.LatestRevision {
			continue
		}
		used := false
		for _, c := range s.Consumers {
			if c.TrackedRevision == r.Rev {
				used = true
				break
			}
		}
		if !used {
			out = append(out, r.Rev)
		}
	}
	return out
}
