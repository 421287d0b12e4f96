// Package loginuiendpoints speaks the login_ui_endpoints relation
// interface, version 0, between the login UI (provider) and Hydra and
// Kratos (requirers), which redirect browsers to the UI's pages.
//
// Wire format, as canonical/identity-platform-login-ui-operator:
// lib/charms/identity_platform_login_ui_operator/v0/login_ui_endpoints.py
// (LIBPATCH 5) writes it:
//
//   - the provider's leader writes plain-string URLs into its application
//     databag, on every relation of the endpoint, each under its own key:
//     consent_url, error_url, login_url, oidc_error_url,
//     device_verification_url, post_device_done_url, recovery_url,
//     registration_url, settings_url, webauthn_settings_url,
//     account_linking_settings_url, verification_url. Every key is
//     optional; only set URLs are written (pydantic
//     model_dump(exclude_none=True));
//   - the requirer writes nothing; unit databags are not used;
//   - the requirer merges the application databags of all its relations
//     and refuses the merge when two relations carry the same key, whatever
//     the values (LoginUIEndpointsConflictError): see [Merge].
//
// The spec, canonical/charm-relation-interfaces:
// interfaces/login_ui_endpoints/v0/schema.py, is stale: it requires
// index_url and default_url, which no provider sends any more, and lacks
// most of the keys above. This package follows the library. A databag
// that still carries index_url or default_url decodes; both are ignored,
// as Hydra and Kratos ignore them (they read the databag through
// dataclasses that drop unknown keys).
package loginuiendpoints

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Interface and DefaultEndpoint name the interface in metadata and the
// endpoint the login UI, Hydra and Kratos all use for it.
const (
	Interface       = "login_ui_endpoints"
	DefaultEndpoint = "ui-endpoint-info"
)

// The provider's application databag keys, in the library's field order.
const (
	KeyConsent                = "consent_url"
	KeyError                  = "error_url"
	KeyLogin                  = "login_url"
	KeyOIDCError              = "oidc_error_url"
	KeyDeviceVerification     = "device_verification_url"
	KeyPostDeviceDone         = "post_device_done_url"
	KeyRecovery               = "recovery_url"
	KeyRegistration           = "registration_url"
	KeySettings               = "settings_url"
	KeyWebAuthnSettings       = "webauthn_settings_url"
	KeyAccountLinkingSettings = "account_linking_settings_url"
	KeyVerification           = "verification_url" // LIBPATCH 5; Hydra's copy (LIBPATCH 4) lacks it
)

// Legacy keys of the spec that providers no longer write; decoding
// ignores them and Publish deletes them.
const (
	KeyIndexLegacy   = "index_url"
	KeyDefaultLegacy = "default_url"
)

var keys = [...]string{
	KeyConsent, KeyError, KeyLogin, KeyOIDCError, KeyDeviceVerification, KeyPostDeviceDone,
	KeyRecovery, KeyRegistration, KeySettings, KeyWebAuthnSettings, KeyAccountLinkingSettings,
	KeyVerification,
}

// Keys returns the twelve keys the provider writes, in the library's
// field order (a fresh slice).
func Keys() []string { return slices.Clone(keys[:]) }

// URLs are the login UI's pages; an empty field is not published.
type URLs struct {
	Consent                string // consent_url (Hydra)
	Error                  string // error_url (Kratos)
	Login                  string // login_url (Hydra and Kratos)
	OIDCError              string // oidc_error_url (Hydra)
	DeviceVerification     string // device_verification_url (Hydra)
	PostDeviceDone         string // post_device_done_url (Hydra)
	Recovery               string // recovery_url (Kratos)
	Registration           string // registration_url (Kratos)
	Settings               string // settings_url (Kratos; also its default browser return URL)
	WebAuthnSettings       string // webauthn_settings_url (Kratos)
	AccountLinkingSettings string // account_linking_settings_url (Kratos)
	Verification           string // verification_url (Kratos)
}

// fields returns pointers to u's fields in the order of keys.
func (u *URLs) fields() [len(keys)]*string {
	return [...]*string{
		&u.Consent, &u.Error, &u.Login, &u.OIDCError, &u.DeviceVerification, &u.PostDeviceDone,
		&u.Recovery, &u.Registration, &u.Settings, &u.WebAuthnSettings, &u.AccountLinkingSettings,
		&u.Verification,
	}
}

// Value returns the URL published under key, and false when key is not
// one of Keys().
func (u URLs) Value(key string) (string, bool) {
	i := slices.Index(keys[:], key)
	if i < 0 {
		return "", false
	}
	return *u.fields()[i], true
}

// ForBaseURL is what the login UI charm publishes when its pages are
// served under base (its public route's URL, or "" without one, which
// gives paths relative to the host): base joined with the page's path by
// plain concatenation, as the reference charm does.
func ForBaseURL(base string) URLs {
	return URLs{
		Consent:                base + "/ui/consent",
		Error:                  base + "/ui/error",
		Login:                  base + "/ui/login",
		OIDCError:              base + "/ui/oidc_error",
		DeviceVerification:     base + "/ui/device_code",
		PostDeviceDone:         base + "/ui/device_complete",
		Recovery:               base + "/ui/reset_email",
		Registration:           base + "/ui/register",
		Settings:               base + "/ui/manage_details",
		WebAuthnSettings:       base + "/ui/setup_passkey",
		AccountLinkingSettings: base + "/ui/manage_connected_accounts",
		Verification:           base + "/ui/verification",
	}
}

// Encode returns the provider's application databag for u: the set URLs
// under their keys, exactly what the library writes.
func Encode(u URLs) map[string]string {
	bag := make(map[string]string, len(keys))
	for i, p := range u.fields() {
		if *p != "" {
			bag[keys[i]] = *p
		}
	}
	return bag
}

// Decode reads a provider's application databag, or several merged by
// Merge. Every key is an optional plain string, as in the library's
// model, so decoding cannot fail; unknown and legacy keys are ignored.
func Decode(bag map[string]string) URLs {
	var u URLs
	for i, p := range u.fields() {
		*p = bag[keys[i]]
	}
	return u
}

// ErrConflict is the reason of the *databag.KeyError a *ConflictError
// unwraps to.
var ErrConflict = errors.New("published by more than one relation")

// Remote is one relation's remote application databag, as a requirer
// reads it.
type Remote struct {
	RelationID int
	App        string
	Data       map[string]string
}

// ConflictError is two relations carrying the same databag key, which the
// library refuses even when the values agree.
type ConflictError struct {
	Key         string
	RelationIDs [2]int    // the earlier relation holding Key, then the later
	Apps        [2]string // their remote applications
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("key %q is published by more than one relation: %d (%s) and %d (%s)",
		e.Key, e.RelationIDs[0], e.Apps[0], e.RelationIDs[1], e.Apps[1])
}

// Unwrap gives the key as a *databag.KeyError wrapping ErrConflict.
func (e *ConflictError) Unwrap() error { return &databag.KeyError{Key: e.Key, Err: ErrConflict} }

// Merge combines the remote application databags of a requirer's
// relations as the library does: in the order given (Get passes them by
// relation ID), skipping empty databags, and failing with a
// *ConflictError on the first key — any key, known or not, whatever its
// value — that two relations both carry. A key whose value is empty
// counts as absent, as Juju cannot store one.
func Merge(remotes []Remote) (map[string]string, error) {
	merged := map[string]string{}
	from := map[string]int{} // key -> index into remotes
	for i, r := range remotes {
		for _, k := range slices.Sorted(maps.Keys(r.Data)) {
			v := r.Data[k]
			if v == "" {
				continue
			}
			if j, dup := from[k]; dup {
				return nil, &ConflictError{
					Key:         k,
					RelationIDs: [2]int{remotes[j].RelationID, r.RelationID},
					Apps:        [2]string{remotes[j].App, r.App},
				}
			}
			from[k] = i
			merged[k] = v
		}
	}
	return merged, nil
}

// checkKeys refuses required keys outside the vocabulary: a typo would
// otherwise wait forever.
func checkKeys(required []string) error {
	for _, k := range required {
		if !slices.Contains(keys[:], k) {
			return fmt.Errorf("unknown %s key %q (want one of %s)", Interface, k, strings.Join(keys[:], ", "))
		}
	}
	return nil
}
