package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// recorder is the charm under the record.Charm wrapper: Reconcile and the
// charm's own actions (record adds events, crash-next and crash-clear).
type recorder struct{}

// endpoints are the charm's relation endpoints, in the order relations
// are visited (and reported) by Reconcile and set-app-data.
func endpoints() []string { return []string{"peers", "source", "sink", "other"} }

// relationRef is one live relation of this unit.
type relationRef struct {
	endpoint string
	id       int
}

// key is how actions name a relation: "endpoint:id", as JUJU_RELATION_ID.
func (r relationRef) key() string { return r.endpoint + ":" + strconv.Itoa(r.id) }

// relations lists the unit's live relations, endpoint by endpoint.
func relations(c *charm.Context) ([]relationRef, error) {
	var out []relationRef
	for _, ep := range endpoints() {
		ids, err := c.RelationIDs(ep)
		if err != nil {
			return nil, fmt.Errorf("listing %s relations: %w", ep, err)
		}
		for _, id := range ids {
			out = append(out, relationRef{endpoint: ep, id: id})
		}
	}
	return out, nil
}

// Reconcile publishes the unit (and, on the leader, the application and
// the configured message) on every relation and reports what it sees.
// An empty message leaves "config-message" out of the databag: Juju
// databags cannot hold empty values.
func (recorder) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("reading leadership: %w", err)
	}
	raw, _, err := c.Tools.ConfigGet(ctx, "message")
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	message, _ := raw.(string)
	rels, err := relations(c)
	if err != nil {
		return err
	}
	unit := c.Env.UnitName
	for _, r := range rels {
		if leader {
			app := map[string]string{"leader": unit, "config-message": message}
			if err := c.Tools.RelationSet(ctx, r.id, true, app); err != nil {
				return fmt.Errorf("writing the application databag of %s: %w", r.key(), err)
			}
		}
		if err := c.Tools.RelationSet(ctx, r.id, false, map[string]string{"unit": unit}); err != nil {
			return fmt.Errorf("writing the unit databag of %s: %w", r.key(), err)
		}
	}
	return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusActive, Message: statusMessage(len(rels), message)}, false)
}

// statusMessage is the active status: the live relation count and the
// configured message.
func statusMessage(relations int, message string) string {
	return fmt.Sprintf("relations: %d, message: %q", relations, message)
}

func (recorder) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{
		"fail":         failAction,
		"set-app-data": setAppDataAction,
		"secret-add":   secretAddAction,
		"secret-get":   secretGetAction,
		"secret-set":   secretSetAction,
	}
}

// failAction fails with the "message" parameter.
func failAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	msg, _ := params["message"].(string)
	return c.Tools.ActionFail(ctx, msg)
}

// failWith fails the action with err's text as message and as result
// "error", keeping results already set.
func failWith(c *charm.Context, err error) error {
	ctx := c.Context()
	if setErr := c.Tools.ActionSet(ctx, map[string]string{"error": err.Error()}); setErr != nil {
		return setErr
	}
	return c.Tools.ActionFail(ctx, err.Error())
}

// setAppDataAction runs relation-set --app key=value on every relation,
// whether or not this unit leads, so that tests see what Juju answers
// non-leaders.
func setAppDataAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	key, _ := params["key"].(string)
	value, _ := params["value"].(string)
	rels, err := relations(c)
	if err != nil {
		return err
	}
	results := make(map[string]string, len(rels))
	var firstErr error
	failed := 0
	for _, r := range rels {
		err := c.Tools.RelationSet(ctx, r.id, true, map[string]string{key: value})
		if err != nil {
			results[r.key()] = err.Error()
			failed++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		results[r.key()] = "ok"
	}
	encoded, err := json.Marshal(results)
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := c.Tools.ActionSet(ctx, map[string]string{
		"results": string(encoded),
		"written": strconv.Itoa(len(rels) - failed),
		"failed":  strconv.Itoa(failed),
	}); err != nil {
		return err
	}
	if firstErr == nil {
		return nil
	}
	if err := c.Tools.ActionSet(ctx, map[string]string{"error": firstErr.Error()}); err != nil {
		return err
	}
	return c.Tools.ActionFail(ctx, fmt.Sprintf("relation-set --app failed on %d of %d relations: %v", failed, len(rels), firstErr))
}

// secretAddAction creates a secret and optionally grants it.
func secretAddAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	rawContent, _ := params["content"].(map[string]any)
	content := make(map[string]string, len(rawContent))
	for k, v := range rawContent {
		s, ok := v.(string)
		if !ok {
			return failWith(c, fmt.Errorf("content key %q: value is not a string", k))
		}
		content[k] = s
	}
	label, _ := params["label"].(string)
	owner, _ := params["owner"].(string)
	uri, err := c.Tools.SecretAdd(ctx, content, hooktool.SecretOptions{Label: label, Owner: owner})
	if err != nil {
		return failWith(c, err)
	}
	if err := c.Tools.ActionSet(ctx, map[string]string{"uri": uri}); err != nil {
		return err
	}
	rawID, ok := params["relation-id"].(float64)
	if !ok {
		return nil
	}
	relID := int(rawID)
	if err := c.Tools.SecretGrant(ctx, uri, relID, ""); err != nil {
		return failWith(c, err)
	}
	return c.Tools.ActionSet(ctx, map[string]string{"granted": strconv.Itoa(relID)})
}

// secretSetAction gives an owned secret a new revision (consumers that
// track it then run secret-changed).
func secretSetAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	uri, _ := params["uri"].(string)
	rawContent, _ := params["content"].(map[string]any)
	content := make(map[string]string, len(rawContent))
	for k, v := range rawContent {
		s, ok := v.(string)
		if !ok {
			return failWith(c, fmt.Errorf("content key %q: value is not a string", k))
		}
		content[k] = s
	}
	if err := c.Tools.SecretSet(ctx, uri, content, hooktool.SecretOptions{}); err != nil {
		return failWith(c, err)
	}
	return c.Tools.ActionSet(ctx, map[string]string{"uri": uri})
}

// secretGetAction reads a secret, reporting Juju's refusal as the
// action's failure.
func secretGetAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	uri, _ := params["uri"].(string)
	label, _ := params["label"].(string)
	peek, _ := params["peek"].(bool)
	refresh, _ := params["refresh"].(bool)
	content, err := c.Tools.SecretGet(ctx, hooktool.SecretRef{ID: uri, Label: label}, hooktool.SecretGetOptions{Peek: peek, Refresh: refresh})
	if err != nil {
		return failWith(c, err)
	}
	encoded, err := json.Marshal(content)
	if err != nil {
		return fmt.Errorf("encoding content: %w", err)
	}
	return c.Tools.ActionSet(ctx, map[string]string{"content": string(encoded)})
}
