package oauth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// ClientConfig is the OAuth client a requirer asks the provider to
// register: the library's ClientConfig.
type ClientConfig struct {
	// RedirectURI is redirect_uri, required with the authorization_code
	// grant. The library's None is "" here; the library would reject an
	// empty string as an invalid URL, Go cannot tell the two apart.
	RedirectURI string
	// Scope is the space-separated scope ("openid email").
	Scope string
	// GrantTypes is a subset of GrantTypes(); nil is written as [].
	GrantTypes []string
	// Audience lists extra token audiences; nil is written as [].
	Audience []string
	// TokenEndpointAuthMethod is client_secret_basic (the default, used
	// when empty) or client_secret_post.
	TokenEndpointAuthMethod string
	// ClientID is optional and omitted when empty. The library's
	// ClientConfig carries it; its provider ignores it in requests.
	ClientID string
}

// urlPattern is the library's url_regex, re.match'ed (anchored at the
// start only) with re.IGNORECASE, rewritten for RE2 with Python's
// semantics spelled out:
//
//   - the pattern is "(^http://)|(^https://)…$", so its first branch
//     accepts anything that starts with http:// — the library's own
//     quirk, kept because it decides what Python requirers send;
//   - [A-Z] under IGNORECASE also matches İ ı ſ K (U+0130, U+0131,
//     U+017F, U+212A), and s matches ſ;
//   - \d matches any Unicode decimal digit (\p{Nd}); \S excludes
//     Python's whitespace, which has \v, \x1c-\x1f, \x85 and the Unicode
//     spaces that Go's \S lets through;
//   - $ also matches before a final newline.
//
// It is compiled on first use (sync.OnceValue): at package init it cost
// every hydra dispatch 0.27 ms, most of which validate no URI.
var urlPattern = sync.OnceValue(func() *regexp.Regexp {
	const (
		letter    = `A-Za-z\x{130}\x{131}\x{17f}\x{212a}`
		alnum     = `[` + letter + `0-9]`
		alnumDash = `[` + letter + `0-9-]`
		digit     = `\p{Nd}`
		nonSpace  = `[^\t\n\x0b\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`
		http      = `[hH][tT][tT][pP]`
		domain    = `(?:` + alnum + `(?:` + alnumDash + `{0,61}` + alnum + `)?\.)+(?:[` + letter + `]{2,6}\.?|` + alnumDash + `{2,}\.?)`
		ip        = digit + `{1,3}\.` + digit + `{1,3}\.` + digit + `{1,3}\.` + digit + `{1,3}`
	)
	return regexp.MustCompile(`^(?:` + http + `://|` + http + `[sS\x{17f}]://(?:` + domain + `|` + ip + `)(?::` + digit + `+)?(?:/?|[/?]` + nonSpace + `+)\n?\z)`)
})

// errRedirectRequired is the library's "redirect_uri is required when
// using authorization_code grant_type"; it wraps databag.ErrMissing.
func errRedirectRequired() error {
	return &databag.KeyError{
		Key: KeyRedirectURI,
		Err: fmt.Errorf("%w: required with the %s grant type", databag.ErrMissing, GrantAuthorizationCode),
	}
}

// ValidRedirectURI reports whether the library's URL check accepts uri.
func ValidRedirectURI(uri string) bool { return urlPattern().MatchString(uri) }

// AuthMethod is TokenEndpointAuthMethod with the library's default.
func (c ClientConfig) AuthMethod() string {
	if c.TokenEndpointAuthMethod == "" {
		return AuthClientSecretBasic
	}
	return c.TokenEndpointAuthMethod
}

// InsecureRedirect reports whether the redirect URI uses plain http, which
// the library allows with the warning "Provided Redirect URL uses http
// scheme. Don't do this in production".
func (c ClientConfig) InsecureRedirect() bool { return strings.HasPrefix(c.RedirectURI, "http://") }

// Validate applies the library's ClientConfig.validate, in its order,
// returning a *databag.KeyError naming the offending key. One check is
// added: an empty scope, which the library would write as "" — Juju then
// deletes the key and every provider rejects the request for lacking it.
func (c ClientConfig) Validate() error {
	if slices.Contains(c.GrantTypes, GrantAuthorizationCode) && c.RedirectURI == "" {
		return errRedirectRequired()
	}
	if c.RedirectURI != "" && !ValidRedirectURI(c.RedirectURI) {
		return databag.Errorf(KeyRedirectURI, "invalid URL %s", databag.Quote(c.RedirectURI))
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(grantTypes[:], g) {
			return databag.Errorf(KeyGrantTypes, "invalid grant type %s, must be one of %s", databag.Quote(g), strings.Join(grantTypes[:], ", "))
		}
	}
	if m := c.AuthMethod(); !slices.Contains(authMethods[:], m) {
		return databag.Errorf(KeyTokenEndpointAuthMethod, "invalid client authentication method %s, must be one of %s", databag.Quote(m), strings.Join(authMethods[:], ", "))
	}
	if c.Scope == "" {
		return &databag.KeyError{Key: KeyScope, Err: databag.ErrMissing}
	}
	return nil
}

// EncodeClientConfig returns the requirer's application databag for c:
// exactly the pairs the library writes (lists through json.dumps, absent
// redirect_uri and client_id left out). c is validated first, and plain
// values that the provider's json.loads would turn into something else
// ("123", "null") are refused.
func EncodeClientConfig(c ClientConfig) (map[string]string, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	bag := map[string]string{
		KeyScope:                   c.Scope,
		KeyTokenEndpointAuthMethod: c.AuthMethod(),
	}
	if c.RedirectURI != "" {
		bag[KeyRedirectURI] = c.RedirectURI
	}
	if c.ClientID != "" {
		bag[KeyClientID] = c.ClientID
	}
	for key, v := range bag {
		if err := checkPlain(key, v); err != nil {
			return nil, err
		}
	}
	if err := databag.PutJSON(bag, KeyGrantTypes, nonNil(c.GrantTypes)); err != nil {
		return nil, err
	}
	if err := databag.PutJSON(bag, KeyAudience, nonNil(c.Audience)); err != nil {
		return nil, err
	}
	return bag, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DecodeClientConfig reads a requirer's application databag as the
// library's provider does: json.loads per value, then the requirer schema
// (scope, grant_types, audience and token_endpoint_auth_method required;
// grant types and method from the enums; redirect_uri required when
// grant_types has authorization_code). The provider does not apply the
// URL check of Validate. Unknown keys are ignored; client_id is taken as
// written.
func DecodeClientConfig(bag map[string]string) (ClientConfig, error) {
	var c ClientConfig
	var err error
	var hasRedirect bool
	// Schema property order.
	if c.RedirectURI, hasRedirect, err = getString(bag, KeyRedirectURI); err != nil {
		return ClientConfig{}, err
	}
	if c.Audience, err = requireStringList(bag, KeyAudience); err != nil {
		return ClientConfig{}, err
	}
	if c.Scope, err = requireString(bag, KeyScope); err != nil {
		return ClientConfig{}, err
	}
	if c.GrantTypes, err = requireStringList(bag, KeyGrantTypes); err != nil {
		return ClientConfig{}, err
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(grantTypes[:], g) {
			return ClientConfig{}, databag.Errorf(KeyGrantTypes, "invalid grant type %s, must be one of %s", databag.Quote(g), strings.Join(grantTypes[:], ", "))
		}
	}
	if c.TokenEndpointAuthMethod, err = requireString(bag, KeyTokenEndpointAuthMethod); err != nil {
		return ClientConfig{}, err
	}
	if !slices.Contains(authMethods[:], c.TokenEndpointAuthMethod) {
		return ClientConfig{}, databag.Errorf(KeyTokenEndpointAuthMethod, "invalid client authentication method %s, must be one of %s", databag.Quote(c.TokenEndpointAuthMethod), strings.Join(authMethods[:], ", "))
	}
	if slices.Contains(c.GrantTypes, GrantAuthorizationCode) && !hasRedirect {
		return ClientConfig{}, errRedirectRequired()
	}
	if raw := bag[KeyClientID]; raw != "" {
		// Outside the schema: any value passes. A JSON string is
		// unquoted, as json.loads would.
		c.ClientID = raw
		if v, _ := pyLoads(raw); v != nil {
			if s, ok := v.(string); ok {
				c.ClientID = s
			}
		}
	}
	return c, nil
}
