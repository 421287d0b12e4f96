// Package localpods holds end-to-end tests of the local model runtime's
// pods (internal/pod) with the real workloads the charms run, before any
// charm exists.
//
// TestHydraThroughTraefik proves that the runtime can host the identity
// platform's stack the way Juju on Kubernetes does: PostgreSQL 15, Ory
// Hydra and Traefik, each in its own pod built from the image catalog
// (internal/images), are configured and started only through their
// containers' Pebble (internal/workload: files pushed, commands exec'd,
// layers added and replanned, exactly what a charm does), find each other
// by their Kubernetes DNS names, and serve Hydra's OpenID discovery
// document through Traefik to the host. Hydra's schema is migrated with
// `hydra migrate sql` and a client created through its admin API, so the
// database really works across pods.
//
// The test needs root (network namespaces, mounts, cgroups) and the
// workloads of `make workloads`; it skips without either. It uses bridge
// ipgce0 and subnet 10.213.200.0/24 (the next free of ipgce0..ipgce4 and
// 10.213.200-204.0/24 when another run holds it), apart from the bridges
// internal/pod's own tests use.
package localpods
