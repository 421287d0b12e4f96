package postgresqlclient

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const providerYAML = `
name: postgresql-k8s
type: charm
summary: test provider
description: test provider
provides:
  database:
    interface: postgresql_client
`

const requirerYAML = `
name: hydra
type: charm
summary: test requirer
description: test requirer
requires:
  pg-database:
    interface: postgresql_client
    limit: 1
`

const (
	primary  = "postgresql-k8s-primary.test-model.svc.cluster.local:5432"
	replicas = "postgresql-k8s-replicas.test-model.svc.cluster.local:5432"
	hydraDB  = "test-model_hydra"
)

// pgCharm is a tiny PostgreSQL: endpoints for every relation, a user per
// relation once asked, and the secrets revoked on relation-broken.
type pgCharm struct{ password string }

func (p pgCharm) Reconcile(c *charm.Context) error {
	if c.Event.Kind == charm.RelationBroken && c.Event.Relation == DefaultEndpoint {
		return Revoke(c, DefaultEndpoint, c.Event.RelationID)
	}
	reqs, err := Requests(c, DefaultEndpoint)
	if err != nil {
		return err
	}
	st := hooktool.Status{Name: hooktool.StatusActive}
	for _, r := range reqs {
		switch {
		case r.Pending():
			err = PublishEndpoints(c, DefaultEndpoint, r.RelationID, primary, replicas)
		case r.Err != nil:
			st = hooktool.Status{Name: hooktool.StatusBlocked, Message: r.Err.Error()}
		default:
			user := "relation_id_" + strconv.Itoa(r.RelationID)
			err = Publish(c, DefaultEndpoint, r.RelationID, Response{
				Database:          r.Request.Database,
				Endpoints:         primary,
				ReadOnlyEndpoints: replicas,
				Version:           "14.15",
				Username:          user,
				Password:          p.password,
				URIs:              "postgresql://" + user + ":" + p.password + "@" + primary + "/" + r.Request.Database,
			})
		}
		if err != nil {
			return err
		}
	}
	return c.Tools.StatusSet(c.Context(), st, false)
}

// hydraCharm asks for its database and keeps the DSN in its stored state
// (only a test would store a password there), reporting why not yet as
// its status.
type hydraCharm struct{}

func (hydraCharm) Reconcile(c *charm.Context) error {
	if err := RequestDatabase(c, RequirerEndpoint, Request{Database: hydraDB, ExtraUserRoles: []string{"SUPERUSER"}}); err != nil {
		return err
	}
	dsn, why := DSN(c, RequirerEndpoint)
	var nr *NotReadyError
	switch {
	case errors.As(why, &nr) && nr.NoRelation():
		return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusBlocked, Message: nr.Error()}, false)
	case errors.As(why, &nr):
		return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusWaiting, Message: nr.Error()}, false)
	case why != nil:
		return why
	}
	if err := c.Tools.StateSet(c.Context(), map[string]string{"dsn": dsn}); err != nil {
		return err
	}
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: hooktool.StatusActive}, false)
}

func relEvent(kind charm.Kind, st charmtest.State) charm.Event {
	return charmtest.RelationEvent(kind, st.Relations[0], -1)
}

// pyDiff re-states the library's diff(): keys added, changed and deleted
// in the remote application databag (without "data") since the snapshot
// kept in old, and the new snapshot.
func pyDiff(t *testing.T, old string, remote map[string]string) (added, changed, deleted []string, snapshot string) {
	t.Helper()
	prev := map[string]string{}
	if old != "" {
		if err := json.Unmarshal([]byte(old), &prev); err != nil {
			t.Fatalf("snapshot %q: %v", old, err)
		}
	}
	cur := maps.Clone(remote)
	delete(cur, KeyData)
	for k, v := range cur {
		pv, ok := prev[k]
		switch {
		case !ok:
			added = append(added, k)
		case pv != v:
			changed = append(changed, k)
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok {
			deleted = append(deleted, k)
		}
	}
	slices.Sort(added)
	slices.Sort(changed)
	slices.Sort(deleted)
	snapshot, err := Snapshot(cur)
	if err != nil {
		t.Fatal(err)
	}
	return added, changed, deleted, snapshot
}

// pyRequirerEvent re-states DatabaseRequires._on_relation_changed_event:
// the one event it emits for a diff of the provider's databag.
func pyRequirerEvent(t *testing.T, added, changed []string, provider map[string]string) string {
	t.Helper()
	var providerSnapshot map[string]string
	if s := provider[KeyData]; s != "" {
		if err := json.Unmarshal([]byte(s), &providerSnapshot); err != nil {
			t.Fatalf("provider data %q: %v", s, err)
		}
	}
	_, entity := providerSnapshot[KeyEntityType]
	credentials := slices.Contains(added, GroupUser.Field()) ||
		(slices.Contains(added, KeyUsername) && slices.Contains(added, KeyPassword))
	switch {
	case credentials && !entity:
		return "database_created"
	case slices.Contains(added, GroupEntity.Field()) || slices.Contains(added, "entity-name"):
		if entity {
			return "database_entity_created"
		}
	}
	for _, kv := range [][2]string{{KeyEndpoints, "endpoints_changed"}, {KeyReadOnlyEndpoints, "read_only_endpoints_changed"}, {"prefix-databases", "prefix_databases_changed"}} {
		if slices.Contains(added, kv[0]) || slices.Contains(changed, kv[0]) {
			return kv[1]
		}
	}
	return ""
}

// pyProviderEvent re-states DatabaseProvides._on_relation_changed_event.
func pyProviderEvent(added []string) string {
	db, entity := slices.Contains(added, KeyDatabase), slices.Contains(added, KeyEntityType)
	switch {
	case db && !entity:
		return "database_requested"
	case db && entity:
		return "database_entity_requested"
	}
	return ""
}

func ownedSecret(t *testing.T, st charmtest.State, label string) charmtest.Secret {
	t.Helper()
	for _, s := range st.Secrets {
		if s.Owner == "application" && s.Label == label {
			return s
		}
	}
	t.Fatalf("no application secret labelled %q in %+v", label, st.Secrets)
	return charmtest.Secret{}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 7
	pg := charmtest.New(t, pgCharm{password: "first-Pa55:word"}, providerYAML)
	hydra := charmtest.New(t, hydraCharm{}, requirerYAML)
	prov := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: relID,
		RemoteApp: "hydra", RemoteEndpoint: RequirerEndpoint, RemoteUnits: map[int]map[string]string{0: {}}}}}
	req := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: RequirerEndpoint, ID: relID,
		RemoteApp: "postgresql-k8s", RemoteEndpoint: DefaultEndpoint, RemoteUnits: map[int]map[string]string{0: {}}}}}

	// 1. PostgreSQL sees the relation first: endpoints only (the
	// library's guard allows them before the request).
	prov = pg.MustRun(t, relEvent(charm.RelationCreated, prov), prov)
	wantBag := map[string]string{KeyEndpoints: primary, KeyReadOnlyEndpoints: replicas, KeyData: "{}"}
	if got := prov.Relations[0].LocalAppData; !maps.Equal(got, wantBag) {
		t.Fatalf("provider before the request:\n got %v\nwant %v", got, wantBag)
	}
	var pyRequirerSnapshot string // the Python requirer's unit "data"
	req = charmtest.Across(prov, 0, relID, req)
	added, changed, _, snap := pyDiff(t, pyRequirerSnapshot, req.Relations[0].RemoteAppData)
	pyRequirerSnapshot = snap
	if ev := pyRequirerEvent(t, added, changed, req.Relations[0].RemoteAppData); ev != "endpoints_changed" {
		t.Errorf("a Python requirer would see %q, want endpoints_changed (added %v)", ev, added)
	}

	// 2. Hydra asks: exactly the library's bytes, in both databags.
	out := hydra.Run(t, relEvent(charm.RelationCreated, req), req)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	req = out.State
	wantApp := map[string]string{KeyDatabase: hydraDB, KeyExtraUserRoles: "SUPERUSER",
		KeyRequestedSecrets: goldenRequested, KeyProvidedSecrets: goldenProvided}
	wantUnit := map[string]string{KeyRequestedSecrets: goldenRequested, KeyProvidedSecrets: goldenProvided}
	if got := req.Relations[0].LocalAppData; !maps.Equal(got, wantApp) {
		t.Errorf("requirer app databag\n got %v\nwant %v", got, wantApp)
	}
	if got := req.Relations[0].LocalUnitData; !maps.Equal(got, wantUnit) {
		t.Errorf("requirer unit databag\n got %v\nwant %v", got, wantUnit)
	}
	wantStatus := charmtest.Status{Name: "waiting", Message: "pg-database relation: waiting for the database to be created"}
	if req.UnitStatus != wantStatus {
		t.Errorf("requirer status %+v, want %+v", req.UnitStatus, wantStatus)
	}
	// A Python provider would fire database_requested on this one change.
	prov = charmtest.Across(req, 0, relID, prov)
	if added, _, _, _ := pyDiff(t, "", prov.Relations[0].RemoteAppData); pyProviderEvent(added) != "database_requested" {
		t.Errorf("a Python provider would not see database_requested (added %v)", added)
	}

	// 3. PostgreSQL answers: secrets created, labelled, granted; one
	// relation-set with secret-user next to database.
	prov = pg.MustRun(t, relEvent(charm.RelationChanged, prov), prov)
	user := ownedSecret(t, prov, "database.7.user.secret")
	tls := ownedSecret(t, prov, "database.7.tls.secret")
	wantUser := map[string]string{"username": "relation_id_7", "password": "first-Pa55:word",
		"uris": "postgresql://relation_id_7:first-Pa55:word@" + primary + "/" + hydraDB}
	if !maps.Equal(user.Content, wantUser) || user.Revision != 1 {
		t.Errorf("user secret = rev %d %v, want rev 1 %v", user.Revision, user.Content, wantUser)
	}
	if !maps.Equal(tls.Content, map[string]string{"tls": "False"}) {
		t.Errorf("tls secret = %v", tls.Content)
	}
	for _, s := range []charmtest.Secret{user, tls} {
		if !slices.Equal(s.Grants[relID], []string{"hydra"}) {
			t.Errorf("secret %s grants = %v, want hydra on %d", s.Label, s.Grants, relID)
		}
	}
	snapshot, _ := Snapshot(prov.Relations[0].RemoteAppData)
	wantBag = map[string]string{
		KeyDatabase: hydraDB, KeyEndpoints: primary, KeyReadOnlyEndpoints: replicas, KeyVersion: "14.15",
		"secret-user": user.ID, "secret-tls": tls.ID, KeyData: snapshot,
	}
	if got := prov.Relations[0].LocalAppData; !maps.Equal(got, wantBag) {
		t.Errorf("provider app databag\n got %v\nwant %v", got, wantBag)
	}
	if !strings.Contains(snapshot, `"database": "test-model_hydra"`) {
		t.Errorf("data snapshot = %s", snapshot)
	}

	// A Python requirer sees secret-user added: database_created, once.
	req = charmtest.Across(prov, 0, relID, req)
	added, changed, _, pyRequirerSnapshot = pyDiff(t, pyRequirerSnapshot, req.Relations[0].RemoteAppData)
	if ev := pyRequirerEvent(t, added, changed, req.Relations[0].RemoteAppData); ev != "database_created" {
		t.Errorf("a Python requirer would see %q, want database_created (added %v)", ev, added)
	}

	// 4. Hydra reads the secret (labelled as the library labels it) and
	// has its DSN.
	req = hydra.MustRun(t, relEvent(charm.RelationChanged, req), req)
	const wantDSN = "postgres://relation_id_7:first-Pa55%3Aword@" + primary + "/" + hydraDB
	if req.Stored["dsn"] != wantDSN || req.UnitStatus.Name != "active" {
		t.Errorf("requirer: dsn %q status %+v, want %q active", req.Stored["dsn"], req.UnitStatus, wantDSN)
	}
	consumed := req.Secrets[slices.IndexFunc(req.Secrets, func(s charmtest.Secret) bool { return s.ID == user.ID })]
	if consumed.Label != "pg-database.7.user.secret" || consumed.TrackedRevision != 1 {
		t.Errorf("consumer secret label %q tracked %d, want pg-database.7.user.secret 1", consumed.Label, consumed.TrackedRevision)
	}
	if len(req.Relations[0].LocalAppData) != len(wantApp) {
		t.Errorf("requirer rewrote its request: %v", req.Relations[0].LocalAppData)
	}

	// 5. Nothing changed: the provider writes nothing, no new revision.
	again := pg.MustRun(t, relEvent(charm.RelationChanged, prov), prov)
	if !maps.Equal(again.Relations[0].LocalAppData, prov.Relations[0].LocalAppData) ||
		ownedSecret(t, again, "database.7.user.secret").Revision != 1 {
		t.Error("a second Publish changed something")
	}

	// 6. The password changes: a new revision of the same secret, same
	// databag; Hydra follows on secret-changed.
	pg2 := charmtest.New(t, pgCharm{password: "second"}, providerYAML)
	prov = pg2.MustRun(t, charmtest.Hook(charm.ConfigChanged), prov)
	user2 := ownedSecret(t, prov, "database.7.user.secret")
	if user2.ID != user.ID || user2.Revision != 2 || user2.Content["password"] != "second" {
		t.Errorf("after the password change: %+v", user2)
	}
	if prov.Relations[0].LocalAppData["secret-user"] != user.ID {
		t.Errorf("secret-user moved: %v", prov.Relations[0].LocalAppData)
	}
	req = charmtest.Across(prov, 0, relID, req)
	req = hydra.MustRun(t, charmtest.SecretEvent(charm.SecretChanged, user.ID, "pg-database.7.user.secret", 2), req)
	if want := "postgres://relation_id_7:second@" + primary + "/" + hydraDB; req.Stored["dsn"] != want {
		t.Errorf("dsn after the change = %q, want %q", req.Stored["dsn"], want)
	}

	// 7. The relation breaks: PostgreSQL removes both secrets, Hydra
	// loses them and has no relation any more.
	prov = pg2.MustRun(t, relEvent(charm.RelationBroken, prov), prov)
	for _, s := range prov.Secrets {
		if s.Owner != "" && !s.RemovedAll {
			t.Errorf("secret %s survives relation-broken", s.Label)
		}
	}
	req = charmtest.Across(prov, 0, relID, req)
	if slices.ContainsFunc(req.Secrets, func(s charmtest.Secret) bool { return s.ID == user.ID }) {
		t.Error("the requirer still holds the user secret")
	}
	req = hydra.MustRun(t, relEvent(charm.RelationBroken, req), req)
	wantStatus = charmtest.Status{Name: "blocked", Message: "no pg-database relation"}
	if req.UnitStatus != wantStatus {
		t.Errorf("requirer after broken: %+v, want %+v", req.UnitStatus, wantStatus)
	}
}

func TestPublishGuards(t *testing.T) {
	t.Parallel()
	resp := Response{Database: "d", Endpoints: primary, Username: "u", Password: "p"}
	tests := []struct {
		name    string
		leader  bool
		remote  map[string]string
		local   map[string]string
		call    func(c *charm.Context) error
		wantErr error
		wantBag map[string]string
		secrets int
	}{{
		name: "premature: no database requested yet", leader: true,
		remote:  map[string]string{KeyRequestedSecrets: goldenRequested},
		call:    func(c *charm.Context) error { return Publish(c, DefaultEndpoint, 3, resp) },
		wantErr: ErrPremature,
	}, {
		name: "non-leader does nothing",
		// The harness would refuse a non-leader's app write.
		remote:  map[string]string{KeyDatabase: "d"},
		call:    func(c *charm.Context) error { return Publish(c, DefaultEndpoint, 3, resp) },
		wantBag: map[string]string{},
	}, {
		name: "legacy requirer: plain data", leader: true,
		remote: map[string]string{KeyDatabase: "d"},
		call:   func(c *charm.Context) error { return Publish(c, DefaultEndpoint, 3, resp) },
		wantBag: map[string]string{KeyDatabase: "d", KeyEndpoints: primary, KeyUsername: "u", KeyPassword: "p",
			KeyTLS: "False", KeyData: `{"database": "d"}`},
	}, {
		name: "relation that started on plain data stays there", leader: true,
		remote: map[string]string{KeyDatabase: "d", KeyRequestedSecrets: goldenRequested},
		local:  map[string]string{KeyUsername: "old", KeyPassword: "old", KeyVersion: "13"},
		call:   func(c *charm.Context) error { return Publish(c, DefaultEndpoint, 3, resp) },
		wantBag: map[string]string{KeyDatabase: "d", KeyEndpoints: primary, KeyUsername: "u", KeyPassword: "p",
			KeyTLS: "False", KeyData: `{"database": "d", "requested-secrets": "[\"username\", \"password\", \"tls\", \"tls-ca\", \"uris\", \"read-only-uris\", \"entity-name\", \"entity-password\"]"}`},
	}, {
		name: "requested endpoints go into the extra secret, even early", leader: true,
		remote:  map[string]string{KeyRequestedSecrets: `["endpoints"]`},
		call:    func(c *charm.Context) error { return PublishEndpoints(c, DefaultEndpoint, 3, primary, "") },
		wantBag: map[string]string{"secret-extra": "*", KeyData: `{"requested-secrets": "[\"endpoints\"]"}`},
		secrets: 1,
	}, {
		name: "broken requested-secrets", leader: true,
		remote:  map[string]string{KeyDatabase: "d", KeyRequestedSecrets: "nope"},
		call:    func(c *charm.Context) error { return Publish(c, DefaultEndpoint, 3, resp) },
		wantErr: errors.New(`key "requested-secrets"`),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := charmtest.New(t, callCharm(tt.call), providerYAML)
			st := charmtest.State{Leader: tt.leader, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: 3,
				RemoteApp: "app", RemoteAppData: tt.remote, LocalAppData: tt.local, RemoteUnits: map[int]map[string]string{0: {}}}}}
			out := h.Run(t, charmtest.Hook(charm.UpdateStatus), st)
			switch {
			case tt.wantErr == ErrPremature:
				if !errors.Is(out.Err, ErrPremature) {
					t.Fatalf("err = %v, want ErrPremature", out.Err)
				}
				return
			case tt.wantErr != nil:
				if out.Err == nil || !strings.Contains(out.Err.Error(), tt.wantErr.Error()) {
					t.Fatalf("err = %v, want %v", out.Err, tt.wantErr)
				}
				return
			case out.Err != nil:
				t.Fatal(out.Err)
			}
			got := out.State.Relations[0].LocalAppData
			if got["secret-extra"] != "" && tt.wantBag["secret-extra"] == "*" {
				got["secret-extra"] = "*"
			}
			if !maps.Equal(got, tt.wantBag) {
				t.Errorf("app databag\n got %v\nwant %v", got, tt.wantBag)
			}
			if len(out.State.Secrets) != tt.secrets {
				t.Errorf("secrets = %+v, want %d", out.State.Secrets, tt.secrets)
			}
		})
	}
}

type callCharm func(c *charm.Context) error

func (f callCharm) Reconcile(c *charm.Context) error { return f(c) }

// TestPublishMovesFields checks the reconcile semantics: fields a
// response drops are deleted, a group secret left empty is removed.
func TestPublishMovesFields(t *testing.T) {
	t.Parallel()
	full := Response{Database: "d", Endpoints: primary, Username: "u", Password: "p", TLS: true, TLSCA: "CA"}
	h := charmtest.New(t, callCharm(func(c *charm.Context) error {
		r := full
		if st, _, _ := c.Tools.StateGet(c.Context(), "tls-off"); st != "" {
			r.TLS, r.TLSCA = false, ""
		}
		return Publish(c, DefaultEndpoint, 3, r)
	}), providerYAML)
	st := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: 3, RemoteApp: "app",
		RemoteAppData: map[string]string{KeyDatabase: "d", KeyRequestedSecrets: `["username", "password", "tls-ca"]`},
		RemoteUnits:   map[int]map[string]string{0: {}}}}}
	st = h.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	tls := ownedSecret(t, st, "database.3.tls.secret")
	if !maps.Equal(tls.Content, map[string]string{"tls-ca": "CA"}) || st.Relations[0].LocalAppData[KeyTLS] != "True" {
		t.Fatalf("tls secret %v, bag %v", tls.Content, st.Relations[0].LocalAppData)
	}
	st.Stored = map[string]string{"tls-off": "yes"}
	st = h.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	for _, s := range st.Secrets {
		if s.ID == tls.ID && !s.RemovedAll {
			t.Errorf("the emptied tls secret was kept: %+v", s)
		}
	}
	bag := st.Relations[0].LocalAppData
	if bag["secret-tls"] != "" || bag[KeyTLS] != "False" || bag["secret-user"] == "" {
		t.Errorf("bag after TLS off: %v", bag)
	}
}

// TestRequirerReadsPythonProvider feeds the Go requirer the databags
// postgresql-k8s (data_interfaces) writes: secret-based, with the secret
// URIs in Juju 3.1's long form, and legacy plain.
func TestRequirerReadsPythonProvider(t *testing.T) {
	t.Parallel()
	const (
		userID = "cjqub6vubg2s77p3nio0"
		tlsID  = "cjqub7fubg2s77p3niog"
		model  = "59060ecc-0495-4a80-8006-5f1fc13fd783"
	)
	secretBag := map[string]string{
		"database": hydraDB, "endpoints": primary, "read-only-endpoints": replicas, "version": "14.15",
		"secret-user": "secret://" + model + "/" + userID, "secret-tls": "secret://" + model + "/" + tlsID,
		"data": `{"database": "test-model_hydra", "extra-user-roles": "SUPERUSER"}`,
	}
	secrets := []charmtest.Secret{
		{ID: "secret:" + userID, Revision: 3, Content: map[string]string{"username": "relation_id_7", "password": "pw/1",
			"uris": "postgresql://relation_id_7:pw/1@" + primary + "/" + hydraDB}},
		{ID: "secret:" + tlsID, Revision: 1, Content: map[string]string{"tls": "True", "tls-ca": "CA"}},
	}
	plainBag := map[string]string{"database": hydraDB, "endpoints": primary + ",10.0.0.2:5432", "username": "relation_id_7",
		"password": "pw/1", "tls": "False", "version": "12.1"}
	tests := []struct {
		name    string
		bag     map[string]string
		secrets []charmtest.Secret
		want    Credentials
		wantErr string
	}{{
		name: "secrets", bag: secretBag, secrets: secrets,
		want: Credentials{RelationID: 7, Database: hydraDB, Endpoints: []string{primary}, ReadOnlyEndpoints: []string{replicas},
			Username: "relation_id_7", Password: "pw/1", URIs: secrets[0].Content["uris"], TLS: true, TLSCA: "CA", Version: "14.15"},
	}, {
		name: "legacy plain", bag: plainBag,
		want: Credentials{RelationID: 7, Database: hydraDB, Endpoints: []string{primary, "10.0.0.2:5432"},
			Username: "relation_id_7", Password: "pw/1", Version: "12.1"},
	}, {
		name: "secret not granted yet", bag: secretBag,
		wantErr: "pg-database relation: waiting for access to the user secret",
	}, {
		name: "endpoints only (a Go provider before the request)", bag: map[string]string{"endpoints": primary},
		wantErr: "pg-database relation: waiting for the database to be created",
	}, {
		name: "database without credentials", bag: map[string]string{"database": hydraDB, "endpoints": primary},
		wantErr: "pg-database relation: waiting for the database credentials",
	}, {
		name: "malformed", bag: map[string]string{"database": hydraDB, "endpoints": primary, "username": "u", "password": "p", "tls": "maybe"},
		wantErr: `reading pg-database relation 7: key "tls": not a boolean (want True or False)`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got Credentials
			var gotErr error
			h := charmtest.New(t, callCharm(func(c *charm.Context) error {
				got, gotErr = ReadCredentials(c, RequirerEndpoint)
				return nil
			}), requirerYAML)
			st := charmtest.State{Relations: []charmtest.Relation{{Endpoint: RequirerEndpoint, ID: 7, RemoteApp: "postgresql-k8s",
				RemoteAppData: tt.bag, RemoteUnits: map[int]map[string]string{0: {}}}}, Secrets: tt.secrets}
			out := h.MustRun(t, relEvent(charm.RelationChanged, st), st)
			if tt.wantErr != "" {
				if gotErr == nil || gotErr.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", gotErr, tt.wantErr)
				}
				return
			}
			if gotErr != nil {
				t.Fatal(gotErr)
			}
			if got.String() != tt.want.String() || got.Password != tt.want.Password || got.URIs != tt.want.URIs ||
				got.TLSCA != tt.want.TLSCA || !slices.Equal(got.ReadOnlyEndpoints, tt.want.ReadOnlyEndpoints) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
			for _, s := range out.Secrets {
				wantLabel := "pg-database.7." + map[string]string{"secret:" + userID: "user", "secret:" + tlsID: "tls"}[s.ID] + ".secret"
				if s.Label != wantLabel || s.TrackedRevision != s.Revision {
					t.Errorf("secret %s: label %q tracked %d, want %q at the latest revision %d", s.ID, s.Label, s.TrackedRevision, wantLabel, s.Revision)
				}
			}
		})
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	var got []DatabaseRequest
	h := charmtest.New(t, callCharm(func(c *charm.Context) error {
		var err error
		got, err = Requests(c, DefaultEndpoint)
		return err
	}), providerYAML)
	hydraApp, _, _ := EncodeRequest(Request{Database: hydraDB, ExtraUserRoles: []string{"SUPERUSER"}})
	rel := func(id int, app string, bag map[string]string) charmtest.Relation {
		return charmtest.Relation{Endpoint: DefaultEndpoint, ID: id, RemoteApp: app, RemoteAppData: bag,
			RemoteUnits: map[int]map[string]string{0: {}}}
	}
	st := charmtest.State{Relations: []charmtest.Relation{
		rel(9, "broken-app", map[string]string{KeyDatabase: "x"}),
		rel(5, "hydra", hydraApp),
		rel(2, "kratos", nil),
		rel(7, "odd", map[string]string{KeyDatabase: "ab*"}),
	}}
	h.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, st.Relations[0], -1), st)
	if len(got) != 3 {
		t.Fatalf("Requests = %+v, want 3 (the broken relation left out)", got)
	}
	if got[0].RelationID != 2 || got[0].RemoteApp != "kratos" || !got[0].Pending() {
		t.Errorf("pending request: %+v", got[0])
	}
	want := Request{Database: hydraDB, ExtraUserRoles: []string{"SUPERUSER"},
		RequestedSecrets: DefaultRequestedSecrets(), ProvidedSecrets: DefaultProvidedSecrets()}
	if got[1].RelationID != 5 || got[1].Err != nil || got[1].Pending() || !slices.Equal(got[1].Request.RequestedSecrets, want.RequestedSecrets) ||
		got[1].Request.Database != want.Database || !slices.Equal(got[1].Request.ExtraUserRoles, want.ExtraUserRoles) {
		t.Errorf("hydra request: %+v", got[1])
	}
	if got[2].RelationID != 7 || got[2].Err == nil || got[2].Pending() {
		t.Errorf("invalid request: %+v", got[2])
	}
}

// TestRevokeLive revokes on a relation that stays: secrets removed,
// secret-<group> keys deleted, other keys kept.
func TestRevokeLive(t *testing.T) {
	t.Parallel()
	pg := charmtest.New(t, pgCharm{password: "pw"}, providerYAML)
	hydraApp, _, _ := EncodeRequest(Request{Database: hydraDB})
	st := charmtest.State{Leader: true, Relations: []charmtest.Relation{{Endpoint: DefaultEndpoint, ID: 4, RemoteApp: "hydra",
		RemoteAppData: hydraApp, RemoteUnits: map[int]map[string]string{0: {}}}}}
	st = pg.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	if len(st.Secrets) != 2 {
		t.Fatalf("secrets = %+v", st.Secrets)
	}
	revoke := charmtest.New(t, callCharm(func(c *charm.Context) error { return Revoke(c, DefaultEndpoint, 4) }), providerYAML)
	st = revoke.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	for _, s := range st.Secrets {
		if !s.RemovedAll {
			t.Errorf("secret %s kept", s.Label)
		}
	}
	bag := st.Relations[0].LocalAppData
	if bag["secret-user"] != "" || bag["secret-tls"] != "" || bag[KeyDatabase] != hydraDB {
		t.Errorf("bag after Revoke: %v", bag)
	}
	// A non-leader does nothing.
	st.Leader = false
	if out := revoke.Run(t, charmtest.Hook(charm.UpdateStatus), st); out.Err != nil {
		t.Fatal(out.Err)
	}
}

func TestRequestDatabaseNonLeader(t *testing.T) {
	t.Parallel()
	hydra := charmtest.New(t, hydraCharm{}, requirerYAML)
	st := charmtest.State{Relations: []charmtest.Relation{{Endpoint: RequirerEndpoint, ID: 3, RemoteApp: "postgresql-k8s",
		RemoteUnits: map[int]map[string]string{0: {}}}}}
	st = hydra.MustRun(t, relEvent(charm.RelationCreated, st), st)
	if len(st.Relations[0].LocalAppData) != 0 || len(st.Relations[0].LocalUnitData) != 0 {
		t.Errorf("a non-leader wrote %+v", st.Relations[0])
	}
	// The leader changes its request: the dropped key goes.
	st.Leader = true
	st = hydra.MustRun(t, relEvent(charm.RelationChanged, st), st)
	if st.Relations[0].LocalAppData[KeyExtraUserRoles] != "SUPERUSER" {
		t.Fatalf("leader request: %v", st.Relations[0].LocalAppData)
	}
	plain := charmtest.New(t, callCharm(func(c *charm.Context) error {
		return RequestDatabase(c, RequirerEndpoint, Request{Database: hydraDB})
	}), requirerYAML)
	st = plain.MustRun(t, relEvent(charm.RelationChanged, st), st)
	if _, ok := st.Relations[0].LocalAppData[KeyExtraUserRoles]; ok {
		t.Errorf("extra-user-roles kept: %v", st.Relations[0].LocalAppData)
	}
}

// fakeTools answers hook tools in-process for the cases the harness does
// not model.
type fakeTools func(tool string, args []string) ([]byte, error)

func (f fakeTools) Run(_ context.Context, tool string, args []string, _ []byte) ([]byte, error) {
	return f(tool, args)
}

// TestReadSecretLabelTaken: Juju refuses a consumer label another secret
// already has (the provider replaced its secret); the URI alone reads it.
func TestReadSecretLabelTaken(t *testing.T) {
	t.Parallel()
	var calls [][]string
	tools := fakeTools(func(tool string, args []string) ([]byte, error) {
		calls = append(calls, append([]string{tool}, args...))
		if slices.Contains(args, "--label") {
			return nil, &hooktool.Error{Tool: tool, Code: 1, Stderr: `ERROR secret label "pg-database.3.user.secret" for unit "hydra/0" already exists`}
		}
		return []byte(`{"username": "u", "password": "p"}`), nil
	})
	c := charm.NewContext(context.Background(), charm.Env{UnitName: "hydra/0", AppName: "hydra"},
		charm.Event{RelationID: -1}, hooktool.New(tools), nil)
	got, err := readSecret(c, "secret:cjqub6vubg2s77p3nio0", "pg-database.3.user.secret")
	if err != nil || got["password"] != "p" {
		t.Fatalf("readSecret = %v, %v", got, err)
	}
	if len(calls) != 2 || !slices.Contains(calls[1], "--refresh") || slices.Contains(calls[1], "--label") {
		t.Errorf("calls = %q", calls)
	}
}
