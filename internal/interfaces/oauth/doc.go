// Package oauth speaks the oauth relation interface, version 0, between an
// OAuth2/OIDC provider (Hydra) and the applications that register an OAuth
// client with it (Grafana, oauth2-proxy, OpenSearch, …).
//
// Sources: canonical/charm-relation-interfaces: interfaces/oauth/v0/
// (README.md, schemas/provider.json, schemas/requirer.json) and
// canonical/hydra-operator: lib/charms/hydra/v0/oauth.py (LIBPATCH 12),
// whose embedded JSON schemas are what the Python charms actually enforce.
// Where the two disagree this package follows the library: the spec
// requires redirect_uri and client_id, the library requires redirect_uri
// only with the authorization_code grant and client_id never.
//
// All data is in application databags; unit databags are not used, so
// only leaders write.
//
// The requirer's application databag holds its client request:
//
//	redirect_uri                plain string; omitted when not set
//	scope                       plain string, space-separated scopes
//	grant_types                 json.dumps list of grant types
//	audience                    json.dumps list of strings ("[]" by default)
//	token_endpoint_auth_method  client_secret_basic | client_secret_post
//	client_id                   plain string; omitted when not set
//
// The provider's application databag holds, on every relation, its
// endpoints, and per relation the registered client:
//
//	issuer_url, authorization_endpoint, token_endpoint,
//	introspection_endpoint, userinfo_endpoint, jwks_endpoint, scope
//	                            plain strings, all required
//	jwt_access_token            Python str(bool): "True" | "False"
//	groups                      plain string; only when a groups claim exists
//	ca_chain                    json.dumps list of PEM strings; only when set
//	client_id                   plain string, once the client is registered
//	client_secret_id            URI of a Juju secret owned by the provider's
//	                            application, labelled client_secret_<relation
//	                            id>, content {"secret": <client secret>},
//	                            granted to the relation
//
// The library reads every value with json.loads first and keeps the raw
// string only when that fails; the JSON schema is then checked against the
// result. A plain string that happens to be JSON ("123", "true", "null",
// "NaN") therefore reaches the schema as a number, boolean or null and is
// rejected, and jwt_access_token must be one of strtobool's words but not
// valid JSON ("True" and "yes" pass, "true" and "1" do not). The decoders
// here reproduce that, and the encoders refuse to write a value the Python
// side would misread.
//
// Errors name the databag key as a *databag.KeyError and never carry the
// client secret.
package oauth

// Interface names the interface in metadata; DefaultEndpoint is the
// endpoint name both Hydra (provides) and the reference requirers such as
// Grafana (requires, limit 1) use.
const (
	Interface       = "oauth"
	DefaultEndpoint = "oauth"
)

// The requirer's application databag keys.
const (
	KeyRedirectURI             = "redirect_uri"
	KeyScope                   = "scope"
	KeyGrantTypes              = "grant_types"
	KeyAudience                = "audience"
	KeyTokenEndpointAuthMethod = "token_endpoint_auth_method"
	// KeyClientID is written by requirers that pass a client_id (rare) and
	// by the provider for the client it registered.
	KeyClientID = "client_id"
)

// The provider's application databag keys (and KeyScope, KeyClientID).
const (
	KeyIssuerURL             = "issuer_url"
	KeyAuthorizationEndpoint = "authorization_endpoint"
	KeyTokenEndpoint         = "token_endpoint"
	KeyIntrospectionEndpoint = "introspection_endpoint"
	KeyUserinfoEndpoint      = "userinfo_endpoint"
	KeyJWKSEndpoint          = "jwks_endpoint"
	KeyJWTAccessToken        = "jwt_access_token"
	KeyGroups                = "groups"
	KeyCAChain               = "ca_chain"
	KeyClientSecretID        = "client_secret_id"
)

// SecretField is the content key of the client secret in the Juju secret
// named by client_secret_id (the library's CLIENT_SECRET_FIELD).
const SecretField = "secret"

// Grant types and client authentication methods the library accepts.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"

	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
)

// grantTypes and authMethods keep the library's order, which its error
// messages list.
var (
	grantTypes  = [...]string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantDeviceCode}
	authMethods = [...]string{AuthClientSecretBasic, AuthClientSecretPost}
)

// GrantTypes returns the grant types the library accepts (a fresh slice).
func GrantTypes() []string { return append([]string(nil), grantTypes[:]...) }

// AuthMethods returns the token endpoint authentication methods the
// library accepts (a fresh slice).
func AuthMethods() []string { return append([]string(nil), authMethods[:]...) }
