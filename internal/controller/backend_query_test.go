package controller

import (
	"context"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

func TestSecretsCarryTimes(t *testing.T) {
	t.Parallel()
	c, mr, _ := testController(t)
	s, err := mr.m.AddSecret("smtp", "mail relay", map[string]string{"password": "p"})
	if err != nil {
		t.Fatal(err)
	}
	s.Updated = s.Created.Add(time.Hour) // as after a new revision
	list, err := c.Secrets(context.Background(), api.SecretsRequest{})
	if err != nil || len(list) != 1 {
		t.Fatalf("Secrets = %+v, %v", list, err)
	}
	if got := list[0]; got.Created.IsZero() || !got.Created.Equal(s.Created) || !got.Updated.Equal(s.Updated) {
		t.Errorf("times = %v, %v; want %v, %v", got.Created, got.Updated, s.Created, s.Updated)
	}
}
