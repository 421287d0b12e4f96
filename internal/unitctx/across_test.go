package unitctx

import (
	"reflect"
	"testing"
)

func TestAcross(t *testing.T) {
	t.Parallel()
	provider := State{
		Relations: []Relation{{Endpoint: "database", ID: 7, RemoteApp: "hydra",
			LocalAppData:  map[string]string{"secret-user": "secret:aaa", "endpoints": "pg:5432"},
			LocalUnitData: map[string]string{"ip": "10.0.0.2"}}},
		Secrets: []Secret{
			{ID: "secret:aaa", Owner: "application", Revision: 2, Content: map[string]string{"password": "new"}, Grants: map[int][]string{7: {"hydra"}}},
			{ID: "secret:bbb", Owner: "application", Revision: 1, Content: map[string]string{"x": "y"}},
			{ID: "secret:ccc", Owner: "application", Revision: 1, Content: map[string]string{"x": "y"}, Grants: map[int][]string{8: {"kratos"}}},
		},
	}
	requirer := State{
		Relations: []Relation{{Endpoint: "pg-database", ID: 7, RemoteApp: "postgresql"}},
		Secrets: []Secret{
			{ID: "secret:aaa", Label: "pg-database.7.user.secret", Revision: 1, TrackedRevision: 1, Content: map[string]string{"password": "old"}},
			{ID: "secret:ddd", Revision: 1, Content: map[string]string{"gone": "yes"}},
		},
	}
	// ddd is not src's: it stays; src now owns nothing named ddd.
	got := Across(provider, 0, 7, requirer)

	rel := got.Relations[0]
	if !reflect.DeepEqual(rel.RemoteAppData, provider.Relations[0].LocalAppData) {
		t.Errorf("RemoteAppData = %v", rel.RemoteAppData)
	}
	if !reflect.DeepEqual(rel.RemoteUnits[0], map[string]string{"ip": "10.0.0.2"}) {
		t.Errorf("RemoteUnits = %v", rel.RemoteUnits)
	}
	want := []Secret{
		{ID: "secret:aaa", Label: "pg-database.7.user.secret", Revision: 2, TrackedRevision: 1,
			Content: map[string]string{"password": "new"}, TrackedContent: map[string]string{"password": "old"}},
		{ID: "secret:ddd", Revision: 1, Content: map[string]string{"gone": "yes"}},
	}
	if !reflect.DeepEqual(got.Secrets, want) {
		t.Errorf("Secrets =\n%+v\nwant\n%+v", got.Secrets, want)
	}
	if requirer.Secrets[0].Revision != 1 {
		t.Error("Across changed its input")
	}

	// Revoking the grant takes the secret away from the consumer.
	provider.Secrets[0].Grants = nil
	got = Across(provider, 0, 7, got)
	if len(got.Secrets) != 1 || got.Secrets[0].ID != "secret:ddd" {
		t.Errorf("after revoke: %+v", got.Secrets)
	}
}
