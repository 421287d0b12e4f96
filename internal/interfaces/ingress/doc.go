// Package ingress speaks the ingress relation interface: version 2 on both
// sides, and version 1 on the provider side only, as Traefik's charm does.
//
// Upstream: canonical/charm-relation-interfaces: interfaces/ingress/v2/
// (README.md, schema.py, interface_tests/test_provider.py) and
// interfaces/ingress/v1/; canonical/traefik-k8s-operator:
// lib/charms/traefik_k8s/v2/ingress.py (LIBAPI 2, LIBPATCH 21),
// lib/charms/traefik_k8s/v1/ingress.py (LIBAPI 1, LIBPATCH 21) and
// src/charm.py (_provider_from_relation, _provide_ingress).
//
// # Version 2 (every value is json.dumps'ed)
//
// The requirer's leader writes its application databag: "model", "name"
// (JSON strings), "port" (JSON integer, 0 < port < 65535), and, only when
// they differ from their defaults (the library dumps with
// exclude_defaults), "scheme" ("https" or "h2c"; default "http"),
// "strip-prefix", "redirect-https", "is_port_open" (JSON true; default
// false) and "healthcheck_params" (a JSON object path, scheme, hostname,
// port, interval, timeout, itself without defaults). Every requirer unit
// writes its unit databag: "host" (JSON string, the pod's FQDN by default)
// and "ip" (JSON string, IPv4 or IPv6; left out when unknown). Values use
// json.dumps' defaults: separators ", " and ": ", ensure_ascii.
//
// The provider's leader answers in its application databag: "ingress" =
// json.dumps({"url": url}), e.g. `{"url": "http://10.0.0.1/iam-hydra"}`,
// where url is what pydantic's AnyHttpUrl makes of the URL (see
// NormalizeURL). Its unit databags stay empty.
//
// A provider considers a relation ready when the application databag and
// every joined unit's databag validate; with no unit joined, the
// application databag alone makes it ready, as in the library.
//
// # Version 1 (legacy, plain strings, provider side)
//
// A v1 requirer's leader writes only its application databag, in plain
// strings: "model", "name", "host", "port" (decimal) and, when set,
// "strip-prefix" and "redirect-https" as "true". Traefik serves it "per
// leader": one server, http://host:port. The provider answers "ingress" =
// yaml.safe_dump({"url": url}), e.g. "url: http://10.0.0.1/iam-hydra\n".
//
// Traefik's charm tells the versions apart by trying v2 first: a relation
// whose data validates as v2 is v2, anything else is handled as v1 (and is
// not ready unless it validates as v1). DetectVersion does the same.
package ingress
