// Command dispatch is the oauth-test-app test charm (not shipped, not in
// the bundle): an OAuth/OIDC relying party standing in for applications
// such as Grafana in the local controller's integration tests of the oauth
// relation.
//
// The charm requires oauth (limit 1). Its leader asks the provider for a
// client (internal/interfaces/oauth.RequestClient) with
//
//	redirect_uri                http://<ingress address of the oauth binding>:8080<redirect-path>
//	grant_types                 grant-types (comma-separated)
//	scope                       scope
//	audience                    []
//	token_endpoint_auth_method  client_secret_basic
//
// The redirect URI uses the unit that wrote it (the leader); the app is
// meant to run as one unit.
//
// Once the provider has published the client and granted its secret, the
// charm pushes, into workload container app, its own executable to
// /opt/oauthapp/oauthapp (when the copy there differs, judged by a SHA-256
// stamp next to it) and the client file /etc/oauthapp/client.json, mode
// 0600: client ID and secret, redirect URI, requested scope and the
// provider's endpoints, issuer, jwt_access_token and CA chain. The secret
// is nowhere else: not in the layer's command or environment, logs,
// statuses or action results. Layer "oauth-test-app" runs service app,
//
//	/opt/oauthapp/oauthapp serve --port 8080 --client-file /etc/oauthapp/client.json
//
// with a ready check on http://localhost:8080/healthz. Without a client
// (no relation, or the provider has not registered it) the service is
// stopped and the file replaced by "{}".
//
// In serve mode the binary is the app; it reads the client file on every
// request (a rotated secret needs no restart) and discovers the provider
// at request time (it starts before the provider is reachable):
//
//	GET /healthz    200 "ok"
//	GET /token      a client_credentials grant at the token endpoint
//	                (client_secret_basic); 200 {"token_type", "expires_in",
//	                "access_token_kind": "jwt"|"opaque", "scope"}; with
//	                ?scope=a+b the scopes to ask for (default none); with
//	                ?include_token=true also "access_token", for tests that
//	                use the token (it is never logged)
//	GET /login      OIDC discovery from issuer_url, then 302 to the
//	                authorization endpoint with a fresh state and nonce (in
//	                cookies)
//	GET <redirect-path>
//	                checks the state, exchanges the code, verifies the ID
//	                token (go-oidc: signature, issuer, audience, expiry) and
//	                its nonce; 200 {"issuer", "subject", "audience",
//	                "claims", "access_token_kind", "refresh_token": bool}
//
// Errors are 4xx/5xx {"error", "error_description"}; 503 "no_client"
// while there is no client file.
//
// Actions: token (optional param scope) calls the app's /token over the
// pod's shared localhost and returns token-type, kind (jwt|opaque),
// expires-in and scope; client-info returns client-id and issuer.
//
// Unit status:
//
//	blocked "Invalid config <option>: <reason>"
//	blocked "Missing integration oauth"
//	waiting "Waiting for the OAuth provider to register the client"
//	waiting "Waiting for Pebble in container app"
//	active  "Client <client id> registered"
package main

import (
	"os"

	"github.com/identity-platform-go/charms/internal/charm"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			os.Stderr.WriteString("oauthapp: " + err.Error() + "\n")
			os.Exit(1)
		}
		return
	}
	charm.Main(oauthTestApp{self: ownExecutable, appURL: defaultAppURL})
}
