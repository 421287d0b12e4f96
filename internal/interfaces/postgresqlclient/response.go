package postgresqlclient

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Provider application databag keys (plain, or secret content keys).
const (
	KeyEndpoints         = "endpoints"
	KeyReadOnlyEndpoints = "read-only-endpoints"
	KeyReplset           = "replset"
	KeyVersion           = "version"
	KeyTLS               = "tls"
	KeyTLSCA             = "tls-ca"
	KeyUsername          = "username"
	KeyPassword          = "password"
	KeyURIs              = "uris"
	KeyReadOnlyURIs      = "read-only-uris"
)

// SecretGroup is one of the library's secret groups: the fields of a
// group travel together in one Juju secret.
type SecretGroup string

// The library's SECRET_GROUPS.
const (
	GroupUser   SecretGroup = "user"
	GroupTLS    SecretGroup = "tls"
	GroupMTLS   SecretGroup = "mtls"
	GroupEntity SecretGroup = "entity"
	GroupExtra  SecretGroup = "extra"
)

// groups is SECRET_GROUPS in the library's order.
var groups = [...]SecretGroup{GroupUser, GroupTLS, GroupMTLS, GroupEntity, GroupExtra}

// Groups returns every secret group (a fresh slice).
func Groups() []SecretGroup { return slices.Clone(groups[:]) }

// GroupOf is the library's SECRET_LABEL_MAP: the group a field belongs
// to, GroupExtra for any field the map does not name.
func GroupOf(field string) SecretGroup {
	switch field {
	case KeyUsername, KeyPassword, KeyURIs, KeyReadOnlyURIs:
		return GroupUser
	case KeyTLS, KeyTLSCA:
		return GroupTLS
	case "mtls-cert":
		return GroupMTLS
	case "entity-name", "entity-password":
		return GroupEntity
	}
	return GroupExtra
}

// Field is the provider databag key holding the group's secret URI,
// "secret-<group>".
func (g SecretGroup) Field() string { return "secret-" + string(g) }

// SecretLabel is the label the library gives a group's secret, on the
// owner side and (with its own endpoint) on the consumer side:
// "<endpoint>.<relation id>.<group>.secret".
func SecretLabel(endpoint string, relID int, g SecretGroup) string {
	return endpoint + "." + strconv.Itoa(relID) + "." + string(g) + ".secret"
}

// Response is what the provider publishes for one relation.
type Response struct {
	// Database is the database created (or the requested prefix).
	Database string
	// Endpoints is the primary's "host:port" (a comma-separated list in
	// general); ReadOnlyEndpoints likewise for the replicas.
	Endpoints         string
	ReadOnlyEndpoints string
	// Version is the server version, e.g. "14.15".
	Version string
	// TLS is written as "True"/"False", as postgresql-k8s does; TLSCA
	// only when not empty.
	TLS   bool
	TLSCA string
	// Username and Password are the relation's database user; URIs and
	// ReadOnlyURIs the libpq connection URIs built from them.
	Username, Password string
	URIs, ReadOnlyURIs string
}

// String leaves the password and URIs out, so that a Response can be
// logged or wrapped into an error.
func (r Response) String() string {
	return fmt.Sprintf("{Database:%s Endpoints:%s ReadOnlyEndpoints:%s Version:%s TLS:%t Username:%s Password:<redacted> URIs:<redacted>}",
		r.Database, r.Endpoints, r.ReadOnlyEndpoints, r.Version, r.TLS, r.Username)
}

// GoString is String, for %#v.
func (r Response) GoString() string { return "postgresqlclient.Response" + r.String() }

// fields is r as field → value, every managed field present ("" for
// absent ones, which the charm layer deletes).
func (r Response) fields() map[string]string {
	return map[string]string{
		KeyDatabase:          r.Database,
		KeyEndpoints:         r.Endpoints,
		KeyReadOnlyEndpoints: r.ReadOnlyEndpoints,
		KeyVersion:           r.Version,
		KeyTLS:               databag.Bool(r.TLS),
		KeyTLSCA:             r.TLSCA,
		KeyUsername:          r.Username,
		KeyPassword:          r.Password,
		KeyURIs:              r.URIs,
		KeyReadOnlyURIs:      r.ReadOnlyURIs,
	}
}

// Validate checks that r is a complete answer: database, endpoints,
// username and password set, endpoints well formed.
func (r Response) Validate() error {
	for _, kv := range [...][2]string{
		{KeyDatabase, r.Database}, {KeyEndpoints, r.Endpoints},
		{KeyUsername, r.Username}, {KeyPassword, r.Password},
	} {
		if kv[1] == "" {
			return &databag.KeyError{Key: kv[0], Err: databag.ErrMissing}
		}
	}
	if _, err := parseEndpoints(KeyEndpoints, r.Endpoints); err != nil {
		return err
	}
	if r.ReadOnlyEndpoints != "" {
		if _, err := parseEndpoints(KeyReadOnlyEndpoints, r.ReadOnlyEndpoints); err != nil {
			return err
		}
	}
	return nil
}

// Encoded is a response laid out as the provider writes it.
type Encoded struct {
	// Databag holds the plain keys and values of the app databag, not
	// counting the secret URIs and the "data" snapshot that the charm
	// layer adds.
	Databag map[string]string
	// Secrets holds each group's secret content.
	Secrets map[SecretGroup]map[string]string
}

// UsesPlainData is the library's fallback: a relation whose provider
// databag (local) already holds one of the requested secret fields in
// plain form started before secrets were in use, and stays on plain data.
func UsesPlainData(requested []string, local map[string]string) bool {
	for _, f := range requested {
		if local[f] != "" {
			return true
		}
	}
	return false
}

// EncodeResponse lays resp out as the library's provider does: fields the
// requirer listed in requested (its requested-secrets; nil when it has
// none) go into their group's secret, unless UsesPlainData(requested,
// local), local being the provider's current app databag; the rest are
// plain keys. Empty optional fields are not written.
func EncodeResponse(resp Response, requested []string, local map[string]string) (Encoded, error) {
	if err := resp.Validate(); err != nil {
		return Encoded{}, err
	}
	out := Encoded{Databag: map[string]string{}, Secrets: map[SecretGroup]map[string]string{}}
	secret := secretPlacement(requested, local)
	for f, v := range resp.fields() {
		switch {
		case v == "":
		case secret(f):
			g := GroupOf(f)
			if out.Secrets[g] == nil {
				out.Secrets[g] = map[string]string{}
			}
			out.Secrets[g][f] = v
		default:
			out.Databag[f] = v
		}
	}
	return out, nil
}

// secretPlacement returns whether a field goes into a secret.
func secretPlacement(requested []string, local map[string]string) func(string) bool {
	if len(requested) == 0 || UsesPlainData(requested, local) {
		return func(string) bool { return false }
	}
	return func(f string) bool { return slices.Contains(requested, f) }
}

// DecodeResponse reads a provider's application databag on the requirer
// side, with the content of the group secrets its secret-<group> keys
// name (secrets[g], nil when there is none). A field is taken from its
// group's secret when the secret holds it and from the plain databag
// otherwise: the library's per-group fallback, which also reads legacy
// providers that share credentials in plain data.
//
// database, username, password and endpoints are required (a *KeyError
// wrapping databag.ErrMissing names the first one missing); tls must be a
// boolean, endpoints host[:port] items. Errors never quote values.
func DecodeResponse(bag map[string]string, secrets map[SecretGroup]map[string]string) (Response, error) {
	get := func(f string) string {
		if v, ok := secrets[GroupOf(f)][f]; ok {
			return v
		}
		return bag[f]
	}
	r := Response{
		Database:          get(KeyDatabase),
		Endpoints:         get(KeyEndpoints),
		ReadOnlyEndpoints: get(KeyReadOnlyEndpoints),
		Version:           get(KeyVersion),
		TLSCA:             get(KeyTLSCA),
		Username:          get(KeyUsername),
		Password:          get(KeyPassword),
		URIs:              get(KeyURIs),
		ReadOnlyURIs:      get(KeyReadOnlyURIs),
	}
	if tls := get(KeyTLS); tls != "" {
		b, err := databag.ParseBool(tls)
		if err != nil {
			// Not databag.GetBool: its error quotes the value, which may
			// come from a secret.
			return Response{}, databag.Errorf(KeyTLS, "not a boolean (want True or False)")
		}
		r.TLS = b
	}
	if err := r.Validate(); err != nil {
		return Response{}, err
	}
	return r, nil
}

// SplitEndpoints splits a comma-separated endpoint list, trimming blanks
// and dropping empty items.
func SplitEndpoints(s string) []string { return splitList(s) }

// parseEndpoints splits and checks an endpoint list: every item a host
// or host:port (IPv6 in brackets) that can go into a URL's host part.
func parseEndpoints(key, s string) ([]string, error) {
	eps := SplitEndpoints(s)
	if len(eps) == 0 {
		return nil, &databag.KeyError{Key: key, Err: databag.ErrMissing}
	}
	for i, ep := range eps {
		if err := checkEndpoint(ep); err != nil {
			return nil, databag.Errorf(key, "item %d: %v", i, err)
		}
	}
	return eps, nil
}

func checkEndpoint(ep string) error {
	if strings.ContainsAny(ep, "/?#@\\ \t\r\n%") || strings.ContainsFunc(ep, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("not a host:port")
	}
	host, port := ep, ""
	if strings.HasPrefix(ep, "[") {
		end := strings.IndexByte(ep, ']')
		if end < 0 {
			return fmt.Errorf("unclosed IPv6 bracket")
		}
		host, port = ep[1:end], ep[end+1:]
		if port != "" {
			p, ok := strings.CutPrefix(port, ":")
			if !ok {
				return fmt.Errorf("not a host:port")
			}
			port = p
			if port == "" {
				return fmt.Errorf("empty port")
			}
		}
		if host == "" || strings.ContainsAny(host, "[]") {
			return fmt.Errorf("not an IPv6 address in brackets")
		}
	} else if i := strings.IndexByte(ep, ':'); i >= 0 {
		host, port = ep[:i], ep[i+1:]
		if port == "" {
			return fmt.Errorf("empty port")
		}
	}
	if host == "" || (!strings.HasPrefix(ep, "[") && strings.ContainsAny(host, "[]")) {
		return fmt.Errorf("empty host")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return fmt.Errorf("port is not a number from 1 to 65535")
		}
	}
	return nil
}

// Snapshot is the library's "data" value for a databag: json.dumps of the
// bag without its own "data" key. The library dumps the dict ops built
// from relation-get's JSON, whose keys Juju sorts, so keys are sorted.
func Snapshot(bag map[string]string) (string, error) {
	m := maps.Clone(bag)
	if m == nil {
		m = map[string]string{}
	}
	delete(m, KeyData)
	return databag.PyJSON(m)
}
