package jujuc_test

import (
	"maps"
	"sort"
	"strconv"

	"github.com/identity-platform-go/charms/internal/jujuc"
)

// fakeContext is a small in-memory jujuc.Context: enough model to drive
// every tool, with no buffering (the harness's model in charmtest covers
// commit semantics).
type fakeContext struct {
	unit   string
	dir    string
	leader bool
	config map[string]any

	hookRelation int // -1: not a relation hook
	remoteUnit   string
	remoteApp    string
	relations    map[int]*fakeRelation

	logs       []string
	unitStatus jujuc.StatusInfo
	appStatus  jujuc.StatusInfo
	version    string

	action *fakeAction

	state map[string]string
	ports jujuc.GroupedPortRanges

	secrets   map[string]jujuc.SecretMetadata
	values    map[string]jujuc.SecretValue
	created   []jujuc.SecretCreateArgs
	updated   map[string]jujuc.SecretUpdateArgs
	removed   map[string]*int
	grants    []jujuc.SecretGrantRevokeArgs
	revokes   []jujuc.SecretGrantRevokeArgs
	lastGet   string // "uri|label|refresh|peek" of the last GetSecret
	networks  map[string]jujuc.NetworkInfo
	goalState jujuc.GoalState
}

type fakeAction struct {
	params  map[string]any
	results map[string]any
	failed  bool
	message string
	logs    []string
}

func newFake() *fakeContext {
	return &fakeContext{
		unit:         "hydra/0",
		dir:          "/charm",
		hookRelation: -1,
		config:       map[string]any{"port": int64(4444), "debug": false, "name": "x", "unset": nil},
		relations: map[int]*fakeRelation{
			1: {id: 1, endpoint: "db", remoteApp: "postgresql", key: "hydra:db postgresql:database",
				units:   map[string]map[string]string{"postgresql/0": {"host": "pg"}, "postgresql/1": {}},
				appData: map[string]string{"endpoints": "pg:5432"}, unitBag: fakeBag{}, appBag: fakeBag{}},
			2: {id: 2, endpoint: "peers", remoteApp: "hydra", key: "hydra:peers", unitBag: fakeBag{}, appBag: fakeBag{}},
		},
		ports:    jujuc.GroupedPortRanges{},
		secrets:  map[string]jujuc.SecretMetadata{},
		values:   map[string]jujuc.SecretValue{},
		updated:  map[string]jujuc.SecretUpdateArgs{},
		removed:  map[string]*int{},
		networks: map[string]jujuc.NetworkInfo{},
	}
}

func (f *fakeContext) inRelationHook(id int, remoteUnit string) *fakeContext {
	f.hookRelation, f.remoteUnit = id, remoteUnit
	f.remoteApp = f.relations[id].remoteApp
	return f
}

func (f *fakeContext) UnitName() string                        { return f.unit }
func (f *fakeContext) Dir() string                             { return f.dir }
func (f *fakeContext) IsLeader() (bool, error)                 { return f.leader, nil }
func (f *fakeContext) ConfigSettings() (map[string]any, error) { return maps.Clone(f.config), nil }
func (f *fakeContext) GoalState() (jujuc.GoalState, error)     { return f.goalState, nil }

func (f *fakeContext) Log(level, msg string) error {
	f.logs = append(f.logs, level+" "+msg)
	return nil
}

func (f *fakeContext) UnitStatus() (jujuc.StatusInfo, error) { return f.unitStatus, nil }
func (f *fakeContext) SetUnitStatus(s jujuc.StatusInfo) error {
	f.unitStatus = s
	return nil
}

func (f *fakeContext) ApplicationStatus() (jujuc.ApplicationStatusInfo, error) {
	if !f.leader {
		return jujuc.ApplicationStatusInfo{}, jujuc.ErrNotLeader
	}
	u := f.unitStatus
	u.Tag = f.unit
	return jujuc.ApplicationStatusInfo{Application: f.appStatus, Units: []jujuc.StatusInfo{u}}, nil
}

func (f *fakeContext) SetApplicationStatus(s jujuc.StatusInfo) error {
	if !f.leader {
		return jujuc.ErrNotLeader
	}
	f.appStatus = s
	return nil
}

func (f *fakeContext) SetUnitWorkloadVersion(v string) error {
	f.version = v
	return nil
}

func (f *fakeContext) HookRelation() (jujuc.Relation, error) { return f.Relation(f.hookRelation) }

func (f *fakeContext) RemoteUnitName() (string, error) {
	if f.remoteUnit == "" {
		return "", jujuc.NotFoundf("remote unit")
	}
	return f.remoteUnit, nil
}

func (f *fakeContext) RemoteApplicationName() (string, error) {
	if f.remoteApp == "" {
		return "", jujuc.NotFoundf("saas application")
	}
	return f.remoteApp, nil
}

func (f *fakeContext) Relation(id int) (jujuc.Relation, error) {
	r, ok := f.relations[id]
	if !ok {
		return nil, jujuc.NotFoundf("relation")
	}
	return r, nil
}

func (f *fakeContext) RelationIDs() ([]int, error) {
	var ids []int
	for id := range f.relations {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids, nil
}

func (f *fakeContext) ActionParams() (map[string]any, error) {
	if f.action == nil {
		return nil, jujuc.ErrNotRunningAction
	}
	return f.action.params, nil
}

func (f *fakeContext) UpdateActionResults(keys []string, value string) error {
	if f.action == nil {
		return jujuc.ErrNotRunningAction
	}
	jujuc.SetNested(f.action.results, keys, value)
	return nil
}

func (f *fakeContext) SetActionMessage(m string) error {
	if f.action == nil {
		return jujuc.ErrNotRunningAction
	}
	f.action.message = m
	return nil
}

func (f *fakeContext) SetActionFailed() error {
	if f.action == nil {
		return jujuc.ErrNotRunningAction
	}
	f.action.failed = true
	return nil
}

func (f *fakeContext) LogActionMessage(m string) error {
	if f.action == nil {
		return jujuc.ErrNotRunningAction
	}
	f.action.logs = append(f.action.logs, m)
	return nil
}

func (f *fakeContext) CharmState() (map[string]string, error) {
	if len(f.state) == 0 {
		return nil, nil
	}
	return maps.Clone(f.state), nil
}

func (f *fakeContext) CharmStateValue(k string) (string, error) {
	v, ok := f.state[k]
	if !ok {
		return "", jujuc.NotFoundf("%q", k)
	}
	return v, nil
}

func (f *fakeContext) SetCharmStateValue(k, v string) error {
	if f.state == nil {
		f.state = map[string]string{}
	}
	f.state[k] = v
	return nil
}

func (f *fakeContext) DeleteCharmStateValue(k string) error {
	delete(f.state, k)
	return nil
}

func (f *fakeContext) OpenPortRange(ep string, r jujuc.PortRange) error {
	f.ports[ep] = append(f.ports[ep], r)
	return nil
}

func (f *fakeContext) ClosePortRange(ep string, r jujuc.PortRange) error {
	var keep []jujuc.PortRange
	for _, o := range f.ports[ep] {
		if o != r {
			keep = append(keep, o)
		}
	}
	f.ports[ep] = keep
	return nil
}

func (f *fakeContext) OpenedPortRanges() (jujuc.GroupedPortRanges, error) { return f.ports, nil }

func (f *fakeContext) NetworkInfo(bindings []string, _ int) (map[string]jujuc.NetworkInfo, error) {
	out := map[string]jujuc.NetworkInfo{}
	for _, b := range bindings {
		if ni, ok := f.networks[b]; ok {
			out[b] = ni
		}
	}
	return out, nil
}

func (f *fakeContext) GetSecret(uri *jujuc.SecretURI, label string, refresh, peek bool) (jujuc.SecretValue, error) {
	id := ""
	if uri != nil {
		id = uri.ID
	}
	f.lastGet = id + "|" + label + "|" + strconv.FormatBool(refresh) + "|" + strconv.FormatBool(peek)
	if uri == nil {
		for sid, md := range f.secrets {
			if md.Label == label {
				id = sid
			}
		}
	}
	v, ok := f.values[id]
	if !ok {
		return nil, jujuc.ErrPermission
	}
	return v, nil
}

func (f *fakeContext) CreateSecret(a jujuc.SecretCreateArgs) (*jujuc.SecretURI, error) {
	if a.Owner == "application" && !f.leader {
		return nil, jujuc.ErrNotLeader
	}
	f.created = append(f.created, a)
	return &jujuc.SecretURI{ID: "d0f3h5ltmf1s4kmdpt3g"}, nil
}

func (f *fakeContext) UpdateSecret(uri *jujuc.SecretURI, a jujuc.SecretUpdateArgs) error {
	f.updated[uri.ID] = a
	return nil
}

func (f *fakeContext) RemoveSecret(uri *jujuc.SecretURI, rev *int) error {
	f.removed[uri.ID] = rev
	return nil
}

func (f *fakeContext) GrantSecret(_ *jujuc.SecretURI, a jujuc.SecretGrantRevokeArgs) error {
	f.grants = append(f.grants, a)
	return nil
}

func (f *fakeContext) RevokeSecret(_ *jujuc.SecretURI, a jujuc.SecretGrantRevokeArgs) error {
	f.revokes = append(f.revokes, a)
	return nil
}

func (f *fakeContext) SecretMetadata() (map[string]jujuc.SecretMetadata, error) {
	return f.secrets, nil
}

type fakeRelation struct {
	id        int
	endpoint  string
	remoteApp string
	key       string
	units     map[string]map[string]string
	appData   map[string]string
	unitBag   fakeBag
	appBag    fakeBag
}

func (r *fakeRelation) ID() int                       { return r.id }
func (r *fakeRelation) Endpoint() string              { return r.endpoint }
func (r *fakeRelation) Key() string                   { return r.key }
func (r *fakeRelation) RemoteApplicationName() string { return r.remoteApp }

func (r *fakeRelation) UnitNames() []string {
	var names []string
	for n := range r.units {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *fakeRelation) Settings() (jujuc.Settings, error)            { return r.unitBag, nil }
func (r *fakeRelation) ApplicationSettings() (jujuc.Settings, error) { return r.appBag, nil }

func (r *fakeRelation) ReadSettings(unit string) (map[string]string, error) {
	s, ok := r.units[unit]
	if !ok {
		return nil, jujuc.ErrPermission
	}
	return maps.Clone(s), nil
}

func (r *fakeRelation) ReadApplicationSettings(app string) (map[string]string, error) {
	if app != r.remoteApp {
		return nil, jujuc.ErrPermission
	}
	return maps.Clone(r.appData), nil
}

type fakeBag map[string]string

func (b fakeBag) Map() map[string]string { return maps.Clone(map[string]string(b)) }
func (b fakeBag) Set(k, v string)        { b[k] = v }
func (b fakeBag) Delete(k string)        { delete(b, k) }
