// Package controller holds the local controller's integration tests: the
// test charms (tests/charms) and the integrator deployed into real pods,
// their recorded hook order compared with Juju's, relation data and
// secret visibility, errors, retries and restarts. They need root and
// `make workloads` (CI has both) and skip otherwise.
package controller
