package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// keyKind is one of Hydra's two key lists, each kept in an
// application-owned Juju secret that every unit reads (§1.7).
type keyKind struct {
	name   string // "system" | "cookie": the actions' type parameter
	label  string // the secret's owner label
	option string // the config option with the initial keys
}

var (
	systemKeys = keyKind{name: "system", label: "systemsecret", option: "initial_system_secret_id"}
	cookieKeys = keyKind{name: "cookie", label: "cookiesecret", option: "initial_cookie_secret_id"}
	keyKinds   = []keyKind{systemKeys, cookieKeys}
)

// minKeyLength is the shortest key the reference charm accepts.
const minKeyLength = 16

func kindByName(name string) (keyKind, bool) {
	for _, k := range keyKinds {
		if k.name == name {
			return k, true
		}
	}
	return keyKind{}, false
}

// readKeyContent reads the secret's latest content; nil when the secret
// does not exist yet.
func readKeyContent(c *charm.Context, k keyKind) (map[string]string, error) {
	content, err := c.Tools.SecretGet(c.Context(), hooktool.SecretRef{Label: k.label}, hooktool.SecretGetOptions{Refresh: true})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s keys (secret %s): %w", k.name, k.label, err)
	}
	return content, nil
}

// activeFirst orders a key secret's values as Hydra wants them: content
// keys are "<kind>-<unix time>-<NNN>", so sorting them in reverse puts the
// newest, the one Hydra encrypts with, first.
func activeFirst(content map[string]string) []string {
	names := slices.Sorted(maps.Keys(content))
	slices.Reverse(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, content[n])
	}
	return out
}

// readKeys returns the kind's keys, active first (nil: none yet).
func readKeys(c *charm.Context, k keyKind) ([]string, error) {
	content, err := readKeyContent(c, k)
	if err != nil {
		return nil, err
	}
	return activeFirst(content), nil
}

// addKeys adds values, in order, to the kind's secret (leader only): each
// gets a content key newer than the ones before it, so the last one added
// becomes the active key and the old ones stay for decryption. The secret
// is created when missing. It returns the keys now, active first.
func addKeys(c *charm.Context, k keyKind, now time.Time, values ...string) ([]string, error) {
	content, err := readKeyContent(c, k)
	if err != nil {
		return nil, err
	}
	exists := content != nil
	next := maps.Clone(content)
	if next == nil {
		next = map[string]string{}
	}
	for _, v := range values {
		next[fmt.Sprintf("%s-%d-%03d", k.name, now.Unix(), len(next))] = v
	}
	ctx := c.Context()
	if !exists {
		if _, err := c.Tools.SecretAdd(ctx, next, hooktool.SecretOptions{Label: k.label, Owner: "application"}); err != nil {
			return nil, fmt.Errorf("creating the %s keys (secret %s): %w", k.name, k.label, err)
		}
		return activeFirst(next), nil
	}
	info, err := c.Tools.SecretInfoGet(ctx, hooktool.SecretRef{Label: k.label})
	if err != nil {
		return nil, fmt.Errorf("looking up the %s keys (secret %s): %w", k.name, k.label, err)
	}
	if err := c.Tools.SecretSet(ctx, info.ID, next, hooktool.SecretOptions{}); err != nil {
		return nil, fmt.Errorf("updating the %s keys (secret %s): %w", k.name, k.label, err)
	}
	return activeFirst(next), nil
}

// initialKeys reads the user secret named by the kind's config option:
// its values, the one whose name sorts first last, so that it ends up the
// active key (the reference's README: "the first key you provide becomes
// primary"). No option: nil. A secret that cannot be read or holds a short
// key is a *configError naming the option.
func initialKeys(c *charm.Context, k keyKind, uri string) ([]string, error) {
	if uri == "" {
		return nil, nil
	}
	content, err := c.Tools.SecretGet(c.Context(), hooktool.SecretRef{ID: uri}, hooktool.SecretGetOptions{Refresh: true})
	var te *hooktool.Error
	if errors.As(err, &te) && te.Err == nil {
		// Not granted, removed, malformed URI: the operator's to fix.
		return nil, &configError{k.option, "cannot be read (grant the secret to the application): " + strings.TrimPrefix(strings.TrimSpace(te.Stderr), "ERROR ")}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", k.option, err)
	}
	if len(content) == 0 {
		return nil, &configError{k.option, "names a secret without keys"}
	}
	for _, v := range content {
		if len(v) < minKeyLength {
			return nil, &configError{k.option, fmt.Sprintf("holds a key shorter than %d characters", minKeyLength)}
		}
	}
	// Names in reverse order: the value whose name sorts first comes
	// last, and addKeys makes the last one active.
	return activeFirst(content), nil
}

// randomKey is the reference's token_hex(16).
func randomKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on Linux (getrandom).
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// isNotFound reports a hook tool's "… not found" answer (an unknown
// secret label).
func isNotFound(err error) bool {
	var te *hooktool.Error
	return errors.As(err, &te) && te.Err == nil && strings.HasSuffix(strings.TrimSpace(te.Stderr), "not found")
}
