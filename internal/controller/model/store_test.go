package model

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/unitctx"
)

// fullModel has one of everything, with values of every type a file must
// keep.
func fullModel() *Model {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := New("dev")
	m.UUID = "7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e"
	m.NextRelationID = 2
	m.Applications["hydra"] = &Application{
		Name: "hydra", Charm: "hydra", CharmDir: "/var/lib/charms/hydra", CharmModifiedVersion: 2,
		Config:    Settings{"port": int64(4444), "ratio": 0.5, "dev": true, "issuer": "https://x/", "nothing": nil},
		Trust:     true,
		Resources: map[string]string{"oci-image": "ghcr.io/canonical/hydra:2.3.0-canonical"},
		Units: map[int]*Unit{0: {
			Name: "hydra/0", Number: 0, Life: Alive,
			WorkloadStatus: Status{Name: "active", Message: "ready", Since: since},
			AgentStatus:    Status{Name: "idle", Since: since},
			Stored:         map[string]string{"k": "v"},
			OpenedPorts:    []unitctx.Port{{Protocol: "tcp", From: 4444, To: 4444}, {Protocol: "tcp", From: 80, To: 80, Endpoints: []string{"oauth"}}},
			Address:        "10.1.0.3",
			UniterState:    json.RawMessage(`{"installed":true}`),
		}},
		NextUnit: 1, Leader: "hydra/0", Status: Status{Name: "active"}, Life: Alive,
	}
	m.Relations[1] = &Relation{
		ID: 1, Key: "hydra:peers", Endpoints: []Endpoint{{App: "hydra", Name: "peers", Role: "peer", Interface: "hydra_peers"}},
		Life: Alive, AppData: map[string]map[string]string{"hydra": {"a": "b"}}, AppDataVersion: map[string]int64{"hydra": 3},
		UnitData: map[string]map[string]string{"hydra/0": {}}, UnitDataVersion: map[string]int64{"hydra/0": 1},
		Members: map[string][]string{"hydra": {"hydra/0"}},
	}
	m.Secrets["d0f3h5ltmf1s4kmdpt3g"] = &Secret{
		ID: "d0f3h5ltmf1s4kmdpt3g", URI: "secret://7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e/d0f3h5ltmf1s4kmdpt3g",
		Owner: Owner{Kind: OwnerApplication, Name: "hydra"}, Label: "creds", RotatePolicy: "daily",
		Expire:         time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		LatestRevision: 2, Revisions: []Revision{{1, map[string]string{"password": "a"}}, {2, map[string]string{"password": "b"}}},
		Consumers: map[string]Consumer{"hydra/0": {TrackedRevision: 1}, "kratos/0": {Label: "db", TrackedRevision: 2}},
		Grants:    map[int][]string{1: {"kratos"}},
	}
	return m
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "models", "dev")
	m := fullModel()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		a, _ := json.Marshal(m)
		b, _ := json.Marshal(got)
		t.Errorf("round trip differs:\n%s\n%s", a, b)
	}
	// Types survive: Juju's int options refuse float64.
	if _, ok := got.Applications["hydra"].Config["port"].(int64); !ok {
		t.Errorf("port is %T", got.Applications["hydra"].Config["port"])
	}

	// Saving again replaces the file and leaves nothing behind.
	got.Applications["hydra"].Units[0].Stored["k"] = "w"
	if err := got.Save(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("directory holds %v", entries)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: the file holds secret content", fi.Mode())
	}
	again, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Applications["hydra"].Units[0].Stored["k"] != "w" {
		t.Error("second save lost")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	if _, err := Load(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	for name, content := range map[string]string{
		"other format": `{"format": 2, "model": {}}`,
		"no model":     `{"format": 1}`,
		"not json":     `{`,
		"bad number":   `{"format": 1, "model": {"applications": {"a": {"config": {"x": 1e999}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(dir); err == nil {
				t.Error("Load succeeded")
			}
		})
	}
}

func TestLoadFillsMaps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := `{"format": 1, "model": {"name": "m", "applications": {"a": {"name": "a"}}, "relations": {"0": {"id": 0}}}}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Secrets == nil || m.Applications["a"].Units == nil || m.Relations[0].AppData == nil || m.Relations[0].Members == nil {
		t.Errorf("nil maps left: %+v", m)
	}
}
