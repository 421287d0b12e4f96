package postgresqlclient

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Interface is the interface name in metadata; DefaultEndpoint is the
// provider's endpoint in postgresql-k8s (and ours); RequirerEndpoint is
// the endpoint Hydra and Kratos require it on.
const (
	Interface        = "postgresql_client"
	DefaultEndpoint  = "database"
	RequirerEndpoint = "pg-database"
)

// Requirer application databag keys.
const (
	KeyDatabase                 = "database"
	KeyRequestedSecrets         = "requested-secrets"
	KeyProvidedSecrets          = "provided-secrets"
	KeyExtraUserRoles           = "extra-user-roles"
	KeyExtraGroupRoles          = "extra-group-roles"
	KeyExternalNodeConnectivity = "external-node-connectivity"
	KeyEntityType               = "entity-type"
	KeyEntityPermissions        = "entity-permissions"
	KeyRequestedEntitySecret    = "requested-entity-secret"
	KeyPrefixMatching           = "prefix-matching"
	// KeyData is the library's change-detection snapshot (see Snapshot).
	KeyData = "data"
)

// Entity types the library accepts in entity-type.
const (
	EntityUser  = "USER"
	EntityGroup = "GROUP"
)

// requirerSecretFields is the library's RequirerData.SECRET_FIELDS, in
// its order: what a requirer asks to receive as secrets by default. On
// the wire it is json.dumps'ed with ", " separators (the reference notes
// print it compact; the library's set_encoded_field uses json.dumps'
// defaults).
var requirerSecretFields = [...]string{
	"username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password",
}

// DefaultRequestedSecrets returns the library's default requested-secrets
// (a fresh slice).
func DefaultRequestedSecrets() []string { return slices.Clone(requirerSecretFields[:]) }

// DefaultProvidedSecrets returns what the library's requirer writes as
// provided-secrets in a same-model relation: the SECRET_LABEL_MAP fields
// it does not request, i.e. ["mtls-cert"] (a fresh slice). The reference
// notes do not list this key; the library writes it (app and unit bag)
// since LIBPATCH 44, so we do too.
func DefaultProvidedSecrets() []string { return []string{"mtls-cert"} }

// Request is what a requirer asks for.
type Request struct {
	// Database is the database name, or a prefix ending in "*" (see
	// ValidateDatabase).
	Database string
	// ExtraUserRoles are comma-joined into extra-user-roles (Hydra and
	// Kratos send SUPERUSER).
	ExtraUserRoles []string
	// ExtraGroupRoles are comma-joined into extra-group-roles.
	ExtraGroupRoles []string
	// RequestedSecrets are the fields the provider is to share through
	// Juju secrets. Nil means DefaultRequestedSecrets; an empty non-nil
	// slice asks for none, and then the key is not written (the library
	// skips an empty list). Decoded: nil when the key is absent.
	RequestedSecrets []string
	// ProvidedSecrets, likewise: nil means DefaultProvidedSecrets.
	ProvidedSecrets []string
	// ExternalNodeConnectivity writes external-node-connectivity "true";
	// the provider library reads any other value as false.
	ExternalNodeConnectivity bool
	// EntityType (USER or GROUP) asks for a custom entity instead of a
	// database user; EntityPermissions is its JSON permission list;
	// RequestedEntitySecret is the URI of a secret naming it. Our
	// PostgreSQL does not serve entity requests; they are decoded so
	// that it can say so.
	EntityType            string
	EntityPermissions     string
	RequestedEntitySecret string
	// PrefixMatching is passed through as the library does.
	PrefixMatching string
}

// maxDatabaseName is PostgreSQL's NAMEDATALEN-1: a longer name is
// silently truncated by the server, and the requirer would then connect
// to a database whose name is not the one it asked for.
const maxDatabaseName = 63

// ValidateDatabase checks a requested database name: not empty, at most
// 63 bytes, and, in the prefix form the interface README allows, a "*" at
// the end only, after at least three other characters. The library
// itself checks nothing; these are the interface's rules and PostgreSQL's.
func ValidateDatabase(name string) error {
	switch {
	case name == "":
		return &databag.KeyError{Key: KeyDatabase, Err: databag.ErrMissing}
	case len(name) > maxDatabaseName:
		return databag.Errorf(KeyDatabase, "longer than %d bytes", maxDatabaseName)
	case strings.ContainsRune(name, 0):
		return databag.Errorf(KeyDatabase, "contains a NUL character")
	}
	prefix, isPrefix := strings.CutSuffix(name, "*")
	if strings.Contains(prefix, "*") {
		return databag.Errorf(KeyDatabase, `"*" may only end a prefix`)
	}
	if isPrefix && len([]rune(prefix)) < 3 {
		return databag.Errorf(KeyDatabase, `a prefix needs at least three characters before "*"`)
	}
	return nil
}

// IsPrefix reports whether the request is for every database starting
// with a prefix ("name*") rather than for one database.
func (r Request) IsPrefix() bool { return strings.HasSuffix(r.Database, "*") }

// secretKeyRE is Juju's rule for secret content keys: a field the
// requirer wants in a secret must be one, or secret-add fails.
var secretKeyRE = regexp.MustCompile(`^[a-z](?:-?[a-z0-9]){2,}$`)

func validateSecretFields(key string, fields []string) error {
	for i, f := range fields {
		if !secretKeyRE.MatchString(f) {
			return databag.Errorf(key, "item %d is not a valid Juju secret key", i)
		}
	}
	return nil
}

func validateRoles(key string, roles []string) error {
	for i, r := range roles {
		if r == "" || strings.Contains(r, ",") {
			return databag.Errorf(key, "role %d is empty or contains a comma", i)
		}
	}
	return nil
}

// validateEntity applies the library's _validate_entity_type and
// _validate_entity_permissions.
func (r Request) validateEntity() error {
	switch r.EntityType {
	case "", EntityUser, EntityGroup:
	default:
		return databag.Errorf(KeyEntityType, "must be %s or %s", EntityUser, EntityGroup)
	}
	if r.EntityType == EntityUser && len(r.ExtraGroupRoles) > 0 {
		return databag.Errorf(KeyExtraGroupRoles, "must be empty for entity type %s (use extra-user-roles)", EntityUser)
	}
	if r.EntityType == EntityGroup && len(r.ExtraUserRoles) > 0 {
		return databag.Errorf(KeyExtraUserRoles, "must be empty for entity type %s (use extra-group-roles)", EntityGroup)
	}
	if r.EntityPermissions == "" {
		return nil
	}
	var perms []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.EntityPermissions), &perms); err != nil || perms == nil {
		return databag.Errorf(KeyEntityPermissions, "not a JSON list of objects")
	}
	for i, p := range perms {
		if !hasExactly(p, "resource_name", "resource_type", "privileges") {
			return databag.Errorf(KeyEntityPermissions, "item %d must have exactly resource_name, resource_type and privileges", i)
		}
	}
	return nil
}

func hasExactly(m map[string]json.RawMessage, keys ...string) bool {
	if len(m) != len(keys) {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// Validate checks r as the library's requirer checks its arguments, plus
// the database name rules of ValidateDatabase and Juju's secret key rule
// for requested secrets.
func (r Request) Validate() error {
	if err := ValidateDatabase(r.Database); err != nil {
		return err
	}
	if err := validateRoles(KeyExtraUserRoles, r.ExtraUserRoles); err != nil {
		return err
	}
	if err := validateRoles(KeyExtraGroupRoles, r.ExtraGroupRoles); err != nil {
		return err
	}
	if err := validateSecretFields(KeyRequestedSecrets, r.RequestedSecrets); err != nil {
		return err
	}
	if err := validateSecretFields(KeyProvidedSecrets, r.ProvidedSecrets); err != nil {
		return err
	}
	return r.validateEntity()
}

// EncodeRequest returns what the library's requirer leader writes on
// relation-created: its application databag and its unit databag.
// requested-secrets and provided-secrets are json.dumps'ed lists, written
// to both bags; everything else is a plain string in the app bag.
func EncodeRequest(r Request) (app, unit map[string]string, err error) {
	if r.RequestedSecrets == nil {
		r.RequestedSecrets = DefaultRequestedSecrets()
	}
	if r.ProvidedSecrets == nil {
		r.ProvidedSecrets = DefaultProvidedSecrets()
	}
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	app, unit = map[string]string{}, map[string]string{}
	for _, l := range []struct {
		key    string
		fields []string
	}{{KeyRequestedSecrets, r.RequestedSecrets}, {KeyProvidedSecrets, r.ProvidedSecrets}} {
		if len(l.fields) == 0 {
			continue
		}
		if err := databag.PutJSON(app, l.key, l.fields); err != nil {
			return nil, nil, err
		}
		unit[l.key] = app[l.key]
	}
	app[KeyDatabase] = r.Database
	putNonEmpty(app, KeyExtraUserRoles, strings.Join(r.ExtraUserRoles, ","))
	putNonEmpty(app, KeyExtraGroupRoles, strings.Join(r.ExtraGroupRoles, ","))
	putNonEmpty(app, KeyEntityType, r.EntityType)
	putNonEmpty(app, KeyEntityPermissions, r.EntityPermissions)
	putNonEmpty(app, KeyRequestedEntitySecret, r.RequestedEntitySecret)
	putNonEmpty(app, KeyPrefixMatching, r.PrefixMatching)
	if r.ExternalNodeConnectivity {
		app[KeyExternalNodeConnectivity] = "true"
	}
	return app, unit, nil
}

func putNonEmpty(bag map[string]string, key, value string) {
	if value != "" {
		bag[key] = value
	}
}

// requestKeys are the requirer app keys EncodeRequest may write: the
// charm layer deletes those a new request no longer has.
var requestKeys = [...]string{
	KeyDatabase, KeyRequestedSecrets, KeyProvidedSecrets, KeyExtraUserRoles, KeyExtraGroupRoles,
	KeyExternalNodeConnectivity, KeyEntityType, KeyEntityPermissions, KeyRequestedEntitySecret, KeyPrefixMatching,
}

// DecodeRequest reads a requirer's application databag on the provider
// side. A request without "database" has not been made yet: the error is
// then a *databag.KeyError for "database" wrapping databag.ErrMissing.
// requested-secrets and provided-secrets must be JSON lists of valid
// secret keys (the library would crash on invalid JSON, and secret-add
// would refuse the keys); roles are split on "," with blanks dropped.
func DecodeRequest(bag map[string]string) (Request, error) {
	var r Request
	var err error
	if r.RequestedSecrets, err = decodeFieldList(bag, KeyRequestedSecrets); err != nil {
		return Request{}, err
	}
	if r.ProvidedSecrets, err = decodeFieldList(bag, KeyProvidedSecrets); err != nil {
		return Request{}, err
	}
	r.Database = bag[KeyDatabase]
	r.ExtraUserRoles = splitList(bag[KeyExtraUserRoles])
	r.ExtraGroupRoles = splitList(bag[KeyExtraGroupRoles])
	r.ExternalNodeConnectivity = bag[KeyExternalNodeConnectivity] == "true"
	r.EntityType = bag[KeyEntityType]
	r.EntityPermissions = bag[KeyEntityPermissions]
	r.RequestedEntitySecret = bag[KeyRequestedEntitySecret]
	r.PrefixMatching = bag[KeyPrefixMatching]
	if err := r.Validate(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// decodeFieldList reads an optional JSON list of secret field names.
func decodeFieldList(bag map[string]string, key string) ([]string, error) {
	if bag[key] == "" {
		return nil, nil
	}
	var fields []string
	if err := databag.GetJSON(bag, key, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, databag.Errorf(key, "is null, expected a list")
	}
	if err := validateSecretFields(key, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// splitList splits a comma-joined list (roles, endpoints), trimming blanks
// and dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
