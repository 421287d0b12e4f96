package unitctx

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/jujuc"
)

// Juju's limits on charm state (core/quota).
const (
	maxStateKeySize   = 256
	maxStateValueSize = 64 * 1024
)

// defaultAddress is the unit's address when State.Address is empty.
const defaultAddress = "10.1.0.10"

// hookContext is the in-memory jujuc.Context for one hook: the unit's view
// of the model (a deep copy of the input State) plus the changes the
// hook buffers until it succeeds. Effects Juju applies immediately
// (status, workload version, logs, action results) are written straight
// into st; everything else waits for commit.
type hookContext struct {
	meta    *charmcraft.Charm
	app     string
	unit    string
	unitNum int
	dir     string
	ev      charm.Event
	st      *State
	config  map[string]any
	roles   map[string]string // endpoint -> provider | requirer | peer
	// modelUUID is the source of the secret URIs secret-add prints.
	modelUUID string

	relations map[int]*relation

	// Buffered until commit.
	stored      map[string]string // nil until the hook touches charm state
	storedDirty bool
	ports       portChanges
	secrets     secretChanges

	// Immediate effects.
	logs     []string
	action   *actionData
	onLog    func(level, message string)
	onStatus func(unit, app *Status)
}

// actionData is the running action's parameters and what it reported.
type actionData struct {
	params  map[string]any
	results map[string]any
	failed  bool
	message string
	logs    []string
}

// newHookContext builds the context for one hook of unit app/unitNum; st
// is the hook's own copy of the input State, config the validated
// settings (every option, nil where unset).
func newHookContext(meta *charmcraft.Charm, app string, unitNum int, dir string, ev charm.Event, st *State, config map[string]any) *hookContext {
	h := &hookContext{
		meta:      meta,
		app:       app,
		unit:      app + "/" + strconv.Itoa(unitNum),
		unitNum:   unitNum,
		dir:       dir,
		ev:        ev,
		st:        st,
		config:    config,
		roles:     EndpointRoles(meta),
		relations: make(map[int]*relation, len(st.Relations)),
	}
	for i := range st.Relations {
		r := &st.Relations[i]
		h.relations[r.ID] = &relation{h: h, rel: r}
	}
	h.ports = portChanges{open: jujuc.GroupedPortRanges{}, close: jujuc.GroupedPortRanges{}}
	h.secrets.init(st.Secrets)
	return h
}

// EndpointRoles maps each of the charm's relation endpoints to its role:
// provider, requirer or peer.
func EndpointRoles(meta *charmcraft.Charm) map[string]string {
	roles := make(map[string]string, len(meta.Provides)+len(meta.Requires)+len(meta.Peers))
	for ep := range meta.Provides {
		roles[ep] = "provider"
	}
	for ep := range meta.Requires {
		roles[ep] = "requirer"
	}
	for ep := range meta.Peers {
		roles[ep] = "peer"
	}
	return roles
}

func (h *hookContext) UnitName() string { return h.unit }
func (h *hookContext) Dir() string      { return h.dir }

func (h *hookContext) IsLeader() (bool, error) { return h.st.Leader, nil }

func (h *hookContext) ConfigSettings() (map[string]any, error) {
	// A copy: config-get may drop nil entries.
	return maps.Clone(h.config), nil
}

func (h *hookContext) Log(level, message string) error {
	h.logs = append(h.logs, level+" "+message)
	if h.onLog != nil {
		h.onLog(level, message)
	}
	return nil
}

func statusName(s Status) string {
	if s.Name == "" {
		return "unknown"
	}
	return s.Name
}

func (h *hookContext) UnitStatus() (jujuc.StatusInfo, error) {
	return jujuc.StatusInfo{Status: statusName(h.st.UnitStatus), Info: h.st.UnitStatus.Message, Data: map[string]any{}}, nil
}

func (h *hookContext) SetUnitStatus(s jujuc.StatusInfo) error {
	h.st.UnitStatus = Status{Name: s.Status, Message: s.Info}
	if h.onStatus != nil {
		st := h.st.UnitStatus
		h.onStatus(&st, nil)
	}
	return nil
}

func (h *hookContext) ApplicationStatus() (jujuc.ApplicationStatusInfo, error) {
	if !h.st.Leader {
		return jujuc.ApplicationStatusInfo{}, jujuc.ErrNotLeader
	}
	unit, _ := h.UnitStatus()
	unit.Tag = h.unit
	return jujuc.ApplicationStatusInfo{
		Application: jujuc.StatusInfo{Tag: "application-" + h.app, Status: statusName(h.st.AppStatus), Info: h.st.AppStatus.Message, Data: map[string]any{}},
		Units:       []jujuc.StatusInfo{unit},
	}, nil
}

func (h *hookContext) SetApplicationStatus(s jujuc.StatusInfo) error {
	if !h.st.Leader {
		return jujuc.ErrNotLeader
	}
	h.st.AppStatus = Status{Name: s.Status, Message: s.Info}
	if h.onStatus != nil {
		st := h.st.AppStatus
		h.onStatus(nil, &st)
	}
	return nil
}

func (h *hookContext) SetUnitWorkloadVersion(v string) error {
	h.st.WorkloadVersion = v
	return nil
}

// Actions.

func (h *hookContext) ActionParams() (map[string]any, error) {
	if h.action == nil {
		return nil, jujuc.ErrNotRunningAction
	}
	return h.action.params, nil
}

func (h *hookContext) UpdateActionResults(keys []string, value string) error {
	if h.action == nil {
		return jujuc.ErrNotRunningAction
	}
	jujuc.SetNested(h.action.results, keys, value)
	return nil
}

func (h *hookContext) SetActionMessage(msg string) error {
	if h.action == nil {
		return jujuc.ErrNotRunningAction
	}
	h.action.message = msg
	return nil
}

func (h *hookContext) SetActionFailed() error {
	if h.action == nil {
		return jujuc.ErrNotRunningAction
	}
	h.action.failed = true
	return nil
}

func (h *hookContext) LogActionMessage(msg string) error {
	if h.action == nil {
		return jujuc.ErrNotRunningAction
	}
	h.action.logs = append(h.action.logs, msg)
	return nil
}

// Charm state.

func (h *hookContext) loadStored() {
	if h.stored == nil {
		h.stored = maps.Clone(h.st.Stored)
		if h.stored == nil {
			h.stored = map[string]string{}
		}
	}
}

func (h *hookContext) CharmState() (map[string]string, error) {
	h.loadStored()
	if len(h.stored) == 0 {
		// Juju returns no map at all (json prints null).
		return nil, nil
	}
	return maps.Clone(h.stored), nil
}

func (h *hookContext) CharmStateValue(key string) (string, error) {
	h.loadStored()
	v, ok := h.stored[key]
	if !ok {
		return "", jujuc.NotFoundf("%q", key)
	}
	return v, nil
}

func (h *hookContext) SetCharmStateValue(key, value string) error {
	h.loadStored()
	if len(key) > maxStateKeySize {
		return fmt.Errorf("max allowed key length (%d) exceeded", maxStateKeySize)
	}
	if len(value) > maxStateValueSize {
		return fmt.Errorf("max allowed value length (%d) exceeded", maxStateValueSize)
	}
	if cur, ok := h.stored[key]; ok && cur == value {
		return nil
	}
	h.stored[key] = value
	h.storedDirty = true
	return nil
}

func (h *hookContext) DeleteCharmStateValue(key string) error {
	h.loadStored()
	if _, ok := h.stored[key]; !ok {
		return nil
	}
	delete(h.stored, key)
	h.storedDirty = true
	return nil
}

// Network and goal state.

func (h *hookContext) address() string {
	if h.st.Address != "" {
		return h.st.Address
	}
	return defaultAddress
}

func (h *hookContext) NetworkInfo(bindings []string, relationID int) (map[string]jujuc.NetworkInfo, error) {
	addr := h.address()
	info := func() jujuc.NetworkInfo {
		return jujuc.NetworkInfo{
			Interfaces:       []jujuc.InterfaceInfo{{Addresses: []jujuc.InterfaceAddress{{Address: addr}}}},
			IngressAddresses: []string{addr},
			EgressSubnets:    []string{addr + "/32"},
		}
	}
	out := make(map[string]jujuc.NetworkInfo, len(bindings))
	if relationID >= 0 {
		r, err := h.Relation(relationID)
		if err != nil {
			return nil, err
		}
		out[r.Endpoint()] = info()
	}
	for _, b := range bindings {
		if _, ok := h.roles[b]; !ok && b != "juju-info" {
			out[b] = jujuc.NetworkInfo{Err: fmt.Errorf("undefined for unit charm: endpoint %q not valid", b)}
			continue
		}
		if _, done := out[b]; !done {
			out[b] = info()
		}
	}
	return out, nil
}

func (h *hookContext) GoalState() (jujuc.GoalState, error) {
	gs := jujuc.GoalState{
		Units:     map[string]jujuc.GoalStatus{h.unit: {Status: "active"}},
		Relations: map[string]map[string]jujuc.GoalStatus{},
	}
	for _, r := range h.st.Relations {
		units := gs.Relations[r.Endpoint]
		if units == nil {
			units = map[string]jujuc.GoalStatus{}
			gs.Relations[r.Endpoint] = units
		}
		if r.RemoteApp != h.app {
			units[r.RemoteApp] = jujuc.GoalStatus{Status: "joined"}
		}
		for n := range r.RemoteUnits {
			name := r.RemoteApp + "/" + strconv.Itoa(n)
			units[name] = jujuc.GoalStatus{Status: "active"}
			if r.RemoteApp == h.app {
				gs.Units[name] = jujuc.GoalStatus{Status: "active"}
			}
		}
	}
	return gs, nil
}

// Relations.

func (h *hookContext) HookRelation() (jujuc.Relation, error) {
	if !h.ev.IsRelation() || h.ev.RelationID < 0 {
		return nil, jujuc.NotFoundf("relation")
	}
	return h.Relation(h.ev.RelationID)
}

func (h *hookContext) RemoteUnitName() (string, error) {
	if h.ev.RemoteUnit == "" {
		return "", jujuc.NotFoundf("remote unit")
	}
	return h.ev.RemoteUnit, nil
}

func (h *hookContext) RemoteApplicationName() (string, error) {
	if h.ev.RemoteApp == "" {
		return "", jujuc.NotFoundf("saas application")
	}
	return h.ev.RemoteApp, nil
}

func (h *hookContext) Relation(id int) (jujuc.Relation, error) {
	r, ok := h.relations[id]
	if !ok {
		return nil, jujuc.NotFoundf("relation")
	}
	return r, nil
}

func (h *hookContext) RelationIDs() ([]int, error) {
	ids := make([]int, 0, len(h.relations))
	for id, r := range h.relations {
		if !r.broken() {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids, nil
}

// ErrCommit marks errors from applying the buffered changes, which Juju
// reports after the charm exited 0 (and then fails the hook).
var ErrCommit = errors.New("cannot apply changes")

// commit applies what the hook buffered, all or nothing, as Juju's
// CommitHookChanges does when dispatch exits 0.
func (h *hookContext) commit() error {
	if err := h.checkSecrets(); err != nil {
		return fmt.Errorf("%w: %w", ErrCommit, err)
	}
	for _, r := range h.relations {
		if r.unitBag != nil && r.unitBag.dirty {
			r.rel.LocalUnitData = nilIfEmpty(r.unitBag.data)
		}
		if r.appBag != nil && r.appBag.dirty {
			r.rel.LocalAppData = nilIfEmpty(r.appBag.data)
		}
	}
	if h.storedDirty {
		h.st.Stored = nilIfEmpty(h.stored)
	}
	if h.ports.pending() {
		g, _ := h.OpenedPortRanges()
		if !sameRanges(g, h.committedPorts()) {
			h.st.OpenedPorts = portsOut(g)
		}
	}
	h.commitSecrets()
	return nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
