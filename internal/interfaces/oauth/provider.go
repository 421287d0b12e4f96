package oauth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// ProviderInfo is what the provider publishes on every relation: the
// arguments of the library's set_provider_info_in_relation_data.
type ProviderInfo struct {
	// The seven required keys, plain strings.
	IssuerURL             string // issuer_url
	AuthorizationEndpoint string // authorization_endpoint
	TokenEndpoint         string // token_endpoint
	IntrospectionEndpoint string // introspection_endpoint
	UserinfoEndpoint      string // userinfo_endpoint
	JWKSEndpoint          string // jwks_endpoint
	Scope                 string // scope, space-separated supported scopes
	// JWTAccessToken is jwt_access_token, written "True"/"False".
	JWTAccessToken bool
	// Groups is the groups claim name; the key is written only when set.
	Groups string
	// CAChain is ca_chain, a JSON list of PEM certificates, written only
	// when not empty. (The library's signature types it as a string, but
	// its schema wants a list, and a plain PEM string would make the
	// requirer's validation fail.)
	CAChain []string
}

// required lists the seven required keys with their values, in the
// schema's order.
func (p *ProviderInfo) required() []struct {
	key string
	val *string
} {
	return []struct {
		key string
		val *string
	}{
		{KeyIssuerURL, &p.IssuerURL},
		{KeyAuthorizationEndpoint, &p.AuthorizationEndpoint},
		{KeyTokenEndpoint, &p.TokenEndpoint},
		{KeyIntrospectionEndpoint, &p.IntrospectionEndpoint},
		{KeyUserinfoEndpoint, &p.UserinfoEndpoint},
		{KeyJWKSEndpoint, &p.JWKSEndpoint},
		{KeyScope, &p.Scope},
	}
}

// Validate requires the seven keys the requirer's schema requires, and
// refuses plain values the requirer's json.loads would misread. The
// library writes whatever it is given; an empty value would vanish from
// the databag and fail every requirer.
func (p ProviderInfo) Validate() error {
	for _, f := range p.required() {
		if err := requiredPlain(f.key, *f.val); err != nil {
			return err
		}
	}
	if p.Groups != "" {
		return checkPlain(KeyGroups, p.Groups)
	}
	return nil
}

// EncodeProviderInfo returns the provider's application databag pairs for
// p, exactly as the library writes them.
func EncodeProviderInfo(p ProviderInfo) (map[string]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	bag := make(map[string]string, 10)
	for _, f := range p.required() {
		bag[f.key] = *f.val
	}
	bag[KeyJWTAccessToken] = databag.Bool(p.JWTAccessToken)
	if p.Groups != "" {
		bag[KeyGroups] = p.Groups
	}
	if len(p.CAChain) > 0 {
		if err := databag.PutJSON(bag, KeyCAChain, p.CAChain); err != nil {
			return nil, err
		}
	}
	return bag, nil
}

// EncodeClient returns the per-relation pairs the provider writes once it
// has registered the client: client_id and client_secret_id (the URI of
// the Juju secret holding the client secret).
func EncodeClient(clientID, clientSecretID string) (map[string]string, error) {
	if err := requiredPlain(KeyClientID, clientID); err != nil {
		return nil, err
	}
	if err := requiredPlain(KeyClientSecretID, clientSecretID); err != nil {
		return nil, err
	}
	return map[string]string{KeyClientID: clientID, KeyClientSecretID: clientSecretID}, nil
}

// requiredPlain checks a required plain-string value.
func requiredPlain(key, val string) error {
	if val == "" {
		return &databag.KeyError{Key: key, Err: databag.ErrMissing}
	}
	return checkPlain(key, val)
}

// ProviderData is a provider's application databag as a requirer reads
// it: the provider info and, once registered, the client.
type ProviderData struct {
	ProviderInfo
	ClientID       string // client_id
	ClientSecretID string // client_secret_id, a Juju secret URI
}

// Registered reports whether the provider has published the client, as
// the library's requirer decides it: both client_id and client_secret_id
// non-empty.
func (d ProviderData) Registered() bool { return d.ClientID != "" && d.ClientSecretID != "" }

// DecodeProviderData reads a provider's application databag as the
// library's requirer does: json.loads per value, then the provider schema
// (the seven keys required; every key a string but ca_chain, a list of
// strings), then strtobool on jwt_access_token (false when absent).
// Unknown keys are ignored.
func DecodeProviderData(bag map[string]string) (ProviderData, error) {
	var d ProviderData
	for _, f := range d.required() {
		s, err := requireString(bag, f.key)
		if err != nil {
			return ProviderData{}, err
		}
		*f.val = s
	}
	for _, f := range []struct {
		key string
		val *string
	}{{KeyClientID, &d.ClientID}, {KeyClientSecretID, &d.ClientSecretID}, {KeyGroups, &d.Groups}} {
		s, _, err := getString(bag, f.key)
		if err != nil {
			return ProviderData{}, err
		}
		*f.val = s
	}
	var err error
	if d.CAChain, _, err = getStringList(bag, KeyCAChain); err != nil {
		return ProviderData{}, err
	}
	jwt, present, err := getString(bag, KeyJWTAccessToken)
	if err != nil {
		return ProviderData{}, err
	}
	if present {
		if d.JWTAccessToken, err = strtobool(jwt); err != nil {
			return ProviderData{}, &databag.KeyError{Key: KeyJWTAccessToken, Err: err}
		}
	}
	return d, nil
}

// strtobool is the library's strtobool: a case-insensitive word. Words
// that are also JSON ("true", "1") never reach it: json.loads has already
// made them a non-string, which the schema rejects.
func strtobool(s string) (bool, error) {
	switch l := strings.ToLower(s); {
	case slices.Contains([]string{"y", "yes", "t", "true", "on", "1"}, l):
		return true, nil
	case slices.Contains([]string{"n", "no", "f", "false", "off", "0"}, l):
		return false, nil
	}
	return false, fmt.Errorf("invalid truth value %s (want True or False)", databag.Quote(s))
}
