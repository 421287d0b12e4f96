// Package postgresqlclient speaks the postgresql_client relation interface
// (v0) between a PostgreSQL charm (provider, endpoint "database") and its
// clients (requirers; Hydra and Kratos use endpoint "pg-database"), wire
// compatible with Canonical's data_interfaces library, so that our charms
// mix with postgresql-k8s and with Canonical's Hydra and Kratos.
//
// Upstream: canonical/charm-relation-interfaces:
// interfaces/postgresql_client/v0/{README.md,schema.py};
// canonical/data-platform-libs: lib/charms/data_platform_libs/v0/data_interfaces.py
// (DatabaseRequires / DatabaseProvides, read at LIBPATCH 59; a same-model
// database relation carries the same bytes from LIBPATCH 50, the copy in
// Canonical's Hydra, to 59; postgresql-k8s ships 58);
// canonical/postgresql-k8s-operator: src/relations/postgresql_provider.py
// for what the provider publishes.
//
// Not spoken: the cross-model additions of LIBPATCH 59 (the provider's
// "encryption-secret" and Fernet-encrypted mtls-cert; the requirer then
// omits mtls-cert from provided-secrets), relation statuses ("status"),
// "prefix-databases", subordinate "subordinated"/"state", and entity
// (custom role) answers; entity requests are decoded so a provider can
// refuse them.
//
// # Requirer → provider
//
// The requirer's leader writes, all plain strings:
//
//   - application databag: "database" (a name, or a prefix ending in "*"
//     with at least three characters before it), "requested-secrets" (the
//     fields the provider must put in Juju secrets: a JSON list written by
//     json.dumps, default ["username", "password", "tls", "tls-ca", "uris",
//     "read-only-uris", "entity-name", "entity-password"]),
//     "provided-secrets" (json.dumps of ["mtls-cert"]: the fields the
//     requirer itself would share as secrets), and when asked for
//     "extra-user-roles" (comma-joined, e.g. "SUPERUSER"),
//     "extra-group-roles", "external-node-connectivity" ("true"),
//     "entity-type", "entity-permissions", "requested-entity-secret",
//     "prefix-matching";
//   - its unit databag: "requested-secrets" and "provided-secrets" again,
//     byte for byte the same (the library reads them back from there).
//
// # Provider → requirer
//
// The provider's leader writes its application databag:
//
//   - plain: "database", "endpoints" and "read-only-endpoints"
//     (comma-separated host:port), "version";
//   - "username", "password", "uris", "read-only-uris" (group "user"),
//     "tls" ("True"/"False") and "tls-ca" (group "tls"), and any other
//     field go into one application-owned Juju secret per group when the
//     requirer listed them in requested-secrets: the secret is labelled
//     "<endpoint>.<relation id>.<group>.secret", granted to the relation,
//     its content keys are the field names, and its URI is written to
//     "secret-<group>". Otherwise (no requested-secrets, or a relation that
//     already carries one of the requested fields in plain form) they are
//     plain keys;
//   - "data": json.dumps of the requirer's application databag without its
//     own "data" key, keys sorted (the library's change-detection
//     snapshot; the Python requirer reads "entity-type" from it).
//
// Nothing but endpoints, read-only-endpoints and replset may be written
// before the requirer's "database" key is there (the library's
// PrematureDataAccessError): see ErrPremature.
//
// Python requirers fire database_created when "secret-user" (or both
// "username" and "password") first appears in the provider's databag, so
// Publish writes every field of a response, the secret URIs included, in
// one relation-set.
//
// The Go requirer does not keep the library's "data" snapshot in its unit
// databag: nothing on the provider side reads it, and reconcile needs no
// change detection.
package postgresqlclient
