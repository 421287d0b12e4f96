package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// fakeAdmin is Hydra's admin API in memory. Like Hydra it returns a
// client's secret only from the create, and keeps the secret when an
// update carries none.
type fakeAdmin struct {
	mu      sync.Mutex
	clients map[string]oauthClient
	next    int
	// fail makes the named method fail with the error.
	fail  map[string]error
	calls []string
	keys  []string
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{clients: map[string]oauthClient{}, fail: map[string]error{}}
}

func (f *fakeAdmin) call(name string, args ...any) error {
	f.calls = append(f.calls, fmt.Sprint(append([]any{name}, args...)...))
	return f.fail[name]
}

// Calls returns the calls made so far ("Create", "Update id"…).
func (f *fakeAdmin) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeAdmin) add(c oauthClient) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[c.ID] = c
}

func (f *fakeAdmin) get(id string) (oauthClient, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[id]
	return c, ok
}

func (f *fakeAdmin) CreateClient(_ context.Context, c oauthClient) (oauthClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Create"); err != nil {
		return oauthClient{}, err
	}
	f.next++
	if c.ID == "" {
		c.ID = fmt.Sprintf("client-%d", f.next)
	}
	if c.Secret == "" {
		c.Secret = fmt.Sprintf("generated-secret-%d", f.next)
	}
	if c.ResponseTypes == nil {
		c.ResponseTypes = []string{"code"}
	}
	c.Metadata = maps.Clone(c.Metadata)
	f.clients[c.ID] = c
	return c, nil
}

func (f *fakeAdmin) GetClient(_ context.Context, id string) (oauthClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Get ", id); err != nil {
		return oauthClient{}, err
	}
	c, ok := f.clients[id]
	if !ok {
		return oauthClient{}, fmt.Errorf("getting the OAuth client %s: %w", id, errClientNotFound)
	}
	c.Secret = ""
	return c, nil
}

func (f *fakeAdmin) UpdateClient(_ context.Context, c oauthClient) (oauthClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Update ", c.ID); err != nil {
		return oauthClient{}, err
	}
	old, ok := f.clients[c.ID]
	if !ok {
		return oauthClient{}, fmt.Errorf("updating the OAuth client %s: %w", c.ID, errClientNotFound)
	}
	if c.Secret == "" {
		c.Secret = old.Secret
	}
	f.clients[c.ID] = c
	out := c
	out.Secret = ""
	if c.Secret != old.Secret {
		out.Secret = c.Secret
	}
	return out, nil
}

func (f *fakeAdmin) DeleteClient(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Delete ", id); err != nil {
		return err
	}
	if _, ok := f.clients[id]; !ok {
		return fmt.Errorf("deleting the OAuth client %s: %w", id, errClientNotFound)
	}
	delete(f.clients, id)
	return nil
}

func (f *fakeAdmin) ListClients(context.Context) ([]oauthClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("List"); err != nil {
		return nil, err
	}
	var out []oauthClient
	for _, id := range slices.Sorted(maps.Keys(f.clients)) {
		c := f.clients[id]
		c.Secret = ""
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeAdmin) RevokeAccessTokens(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.call("Revoke ", id)
}

func (f *fakeAdmin) CreateKey(_ context.Context, set, alg string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateKey ", set, " ", alg); err != nil {
		return "", err
	}
	kid := fmt.Sprintf("kid-%d", len(f.keys)+1)
	f.keys = append(f.keys, kid)
	return kid, nil
}

func (f *fakeAdmin) Ready(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail["Ready"]
}
