package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

const (
	// systemSecretLabel labels the application-owned secret that holds
	// the system users' passwords, one key per user (the reference
	// charm's key names).
	systemSecretLabel = "system-users"
	operatorKey       = "operator-password"
)

// systemUsers are the users get-password and set-password accept,
// with their key in the secret.
var systemUsers = map[string]string{operatorUser: operatorKey}

// newPassword is a random password: 26 characters of base32 (130 bits),
// safe in URIs, connection strings and SQL literals alike.
func newPassword() string { return rand.Text() }

// systemPasswords reads the system users' secret; found is false when
// the leader has not created it yet. The leader, which owns it, reads
// the latest revision; other units what they track.
func systemPasswords(c *charm.Context, leader bool) (content map[string]string, found bool, err error) {
	content, err = c.Tools.SecretGet(c.Context(), hooktool.SecretRef{Label: systemSecretLabel}, hooktool.SecretGetOptions{Peek: leader})
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the %s secret: %w", systemSecretLabel, err)
	}
	return content, true, nil
}

// ensureOperatorPassword returns the operator's password, creating the
// secret (or its key) with a random password on first use. Leader only.
func ensureOperatorPassword(c *charm.Context) (string, error) {
	ctx := c.Context()
	content, found, err := systemPasswords(c, true)
	if err != nil {
		return "", err
	}
	if content[operatorKey] != "" {
		return content[operatorKey], nil
	}
	pw := newPassword()
	if found {
		err = setSystemPassword(c, operatorKey, pw)
	} else {
		_, err = c.Tools.SecretAdd(ctx, map[string]string{operatorKey: pw}, hooktool.SecretOptions{
			Label:       systemSecretLabel,
			Description: "Passwords of the PostgreSQL system users",
		})
	}
	if err != nil {
		return "", fmt.Errorf("creating the %s secret: %w", systemSecretLabel, err)
	}
	return pw, nil
}

// setSystemPassword stores one system user's password in the secret,
// keeping the others. Leader only.
func setSystemPassword(c *charm.Context, key, password string) error {
	ctx := c.Context()
	info, err := c.Tools.SecretInfoGet(ctx, hooktool.SecretRef{Label: systemSecretLabel})
	if err != nil {
		return fmt.Errorf("reading the %s secret: %w", systemSecretLabel, err)
	}
	content, _, err := systemPasswords(c, true)
	if err != nil {
		return err
	}
	next := map[string]string{key: password}
	for k, v := range content {
		if k != key {
			next[k] = v
		}
	}
	if err := c.Tools.SecretSet(ctx, info.ID, next, hooktool.SecretOptions{}); err != nil {
		return fmt.Errorf("updating the %s secret: %w", systemSecretLabel, err)
	}
	return nil
}

// isNotFound is a hook tool's "not found" answer.
func isNotFound(err error) bool {
	var te *hooktool.Error
	return errors.As(err, &te) && strings.Contains(te.Stderr, "not found")
}
