package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// peerData is the application databag of the peer relation, the
// reference charm's app-level key/value store (§1.6): every value is
// JSON (json.dumps). Without the relation, reads find nothing and writes
// are refused, as the reference's are no-ops.
type peerData struct {
	c      *charm.Context
	id     int // -1 without the relation
	leader bool
	bag    map[string]string
}

// loadPeer reads the peer application databag (every unit may read it;
// only the leader writes).
func loadPeer(c *charm.Context, leader bool) (*peerData, error) {
	p := &peerData{c: c, id: -1, leader: leader, bag: map[string]string{}}
	ids, err := c.RelationIDs(peerEndpoint)
	if err != nil {
		return nil, fmt.Errorf("listing %s relations: %w", peerEndpoint, err)
	}
	if len(ids) == 0 {
		return p, nil
	}
	p.id = ids[0]
	bag, err := c.Tools.RelationGet(c.Context(), p.id, c.Env.AppName, true)
	if err != nil {
		return nil, fmt.Errorf("reading %s relation %d: %w", peerEndpoint, p.id, err)
	}
	p.bag = maps.Clone(bag)
	return p, nil
}

// exists reports whether the peer relation is there.
func (p *peerData) exists() bool { return p.id >= 0 }

// get decodes key into v; false when the key is absent.
func (p *peerData) get(key string, v any) (bool, error) {
	raw, ok := p.bag[key]
	if !ok || raw == "" {
		return false, nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, &databag.KeyError{Key: key, Err: fmt.Errorf("peer data is not the expected JSON: %w", err)}
	}
	return true, nil
}

// set writes key as json.dumps(v) (leader only).
func (p *peerData) set(key string, v any) error {
	s, err := databag.PyJSON(v)
	if err != nil {
		return fmt.Errorf("encoding peer key %s: %w", key, err)
	}
	return p.write(key, s)
}

// del removes key (leader only).
func (p *peerData) del(key string) error { return p.write(key, "") }

func (p *peerData) write(key, value string) error {
	if !p.exists() {
		return fmt.Errorf("writing peer key %s: no %s relation", key, peerEndpoint)
	}
	if !p.leader {
		return fmt.Errorf("writing peer key %s: only the leader writes the application databag", key)
	}
	if p.bag[key] == value {
		return nil
	}
	if err := p.c.Tools.RelationSet(p.c.Context(), p.id, true, map[string]string{key: value}); err != nil {
		return fmt.Errorf("writing peer key %s: %w", key, err)
	}
	if value == "" {
		delete(p.bag, key)
	} else {
		p.bag[key] = value
	}
	return nil
}

// keysWithPrefix lists the keys starting with prefix, sorted.
func (p *peerData) keysWithPrefix(prefix string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p.bag)) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}
