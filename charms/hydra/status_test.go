package main

import (
	"errors"
	"testing"

	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// ready is a unit with nothing to wait for.
func readyFacts() facts {
	return facts{
		connected: true, peer: true, dbRelated: true, ingressRelated: true, loginUIRelated: true,
		publicURL: "https://public.example.com/m-hydra", secrets: true,
	}
}

func TestUnitStatus(t *testing.T) {
	t.Parallel()
	blocked := func(msg string) hooktool.Status { return hooktool.Status{Name: "blocked", Message: msg} }
	waiting := func(msg string) hooktool.Status { return hooktool.Status{Name: "waiting", Message: msg} }
	notReady := &relation.NotReadyError{Endpoint: dbEndpoint, RelationID: 3, Key: "username", Reason: "waiting for the database credentials"}
	uiNotReady := &relation.NotReadyError{Endpoint: loginUIEndpoint, RelationID: -1, Key: "consent_url"}
	for _, tc := range []struct {
		name string
		edit func(*facts)
		want hooktool.Status
	}{
		{"everything ready", func(*facts) {}, hooktool.Status{Name: "active"}},
		{"container not connected", func(f *facts) { f.connected = false }, waiting(msgNotConnected)},
		{"no peer relation", func(f *facts) { f.peer = false }, waiting("Missing integration hydra")},
		{"no database", func(f *facts) { f.dbRelated = false }, blocked("Missing integration pg-database")},
		{"no public ingress", func(f *facts) { f.ingressRelated, f.publicURL = false, "" }, blocked("Missing required relation with public-ingress")},
		{"no login UI", func(f *facts) { f.loginUIRelated = false }, blocked("Missing required relation with ui-endpoint-info")},
		{"blocked beats waiting that comes first", func(f *facts) { f.connected, f.peer, f.loginUIRelated = false, false, false }, blocked(msgMissingLoginUI)},
		{"the first blocked wins", func(f *facts) { f.dbRelated, f.loginUIRelated = false, false }, blocked(msgMissingDB)},
		{"the first waiting wins", func(f *facts) { f.connected, f.secrets = false, false }, waiting(msgNotConnected)},
		{"ingress has no URL yet", func(f *facts) { f.publicURL = "" }, waiting(msgIngressNotReady)},
		{"ingress data does not validate", func(f *facts) {
			f.publicURL, f.ingressErr = "", &databag.KeyError{Key: "ingress", Err: errors.New("not a JSON object")}
		}, blocked(`Invalid data on public-ingress: key "ingress": not a JSON object`)},
		{"http ingress", func(f *facts) { f.publicURL = "http://10.0.0.1/m-hydra" }, blocked(msgInsecureIngress)},
		{"http ingress in dev mode", func(f *facts) { f.publicURL, f.dev = "http://10.0.0.1/m-hydra", true }, hooktool.Status{Name: "active"}},
		{"login UI not ready", func(f *facts) { f.loginUIWhy = uiNotReady },
			waiting("Waiting for login UI to be ready (ui-endpoint-info relation: consent_url not published yet)")},
		{"login UI conflict", func(f *facts) { f.loginUIWhy = errors.New("key \"login_url\" is published by more than one relation") },
			blocked(`Invalid data on ui-endpoint-info: key "login_url" is published by more than one relation`)},
		{"database not created", func(f *facts) { f.dbWhy = notReady },
			waiting("Waiting for database creation (pg-database relation: waiting for the database credentials)")},
		{"ingress before login UI before database", func(f *facts) { f.publicURL, f.loginUIWhy, f.dbWhy = "", uiNotReady, notReady }, waiting(msgIngressNotReady)},
		{"upgrade: migration needed", func(f *facts) { f.migration = migrationNeeded }, waiting("Waiting for migration to run, try running the `run-migration` action")},
		{"first migration, not the leader", func(f *facts) { f.migration = migrationByLeader }, waiting("Waiting for leader unit to run the migration")},
		{"migration failed", func(f *facts) { f.migration = migrationFailed }, blocked(msgMigrationFailed)},
		{"secrets not created", func(f *facts) { f.secrets = false }, waiting("Waiting for secrets creation")},
		{"ready check failing", func(f *facts) { f.failing = true }, blocked("Failed to start the service, please check the hydra container logs")},
		{"failing but unreachable is not reported", func(f *facts) { f.failing, f.connected = true, false }, waiting(msgNotConnected)},
		{"invalid config first", func(f *facts) {
			f.configErr, f.dbRelated = &configError{"log_level", "must be one of x"}, false
		}, blocked("Invalid configuration: log_level must be one of x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := readyFacts()
			tc.edit(&f)
			if got := unitStatus(f); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
