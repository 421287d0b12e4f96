package main

import (
	"fmt"
	"strconv"
)

// The workload: container, service, layer label and ports.
const (
	containerName = "hydra"
	serviceName   = "hydra"
	layerLabel    = "hydra"
	readyCheck    = "ready"
	aliveCheck    = "alive"
	publicPort    = 4444
	adminPort     = 4445
)

// layer is a Pebble layer (github.com/canonical/pebble internals/plan),
// reduced to what the charm writes.
type layer struct {
	Summary     string             `yaml:"summary"`
	Description string             `yaml:"description"`
	Services    map[string]service `yaml:"services"`
	Checks      map[string]check   `yaml:"checks"`
}

type service struct {
	Override    string            `yaml:"override"`
	Summary     string            `yaml:"summary"`
	Command     string            `yaml:"command"`
	Startup     string            `yaml:"startup"`
	Environment map[string]string `yaml:"environment"`
}

type check struct {
	Override  string    `yaml:"override"`
	Level     string    `yaml:"level"`
	Threshold int       `yaml:"threshold,omitempty"`
	HTTP      httpCheck `yaml:"http"`
}

type httpCheck struct {
	URL string `yaml:"url"`
}

// pebbleLayer is the reference charm's layer (§1.4): the service starts
// only when the charm starts it, once hydra.yaml is in place; the ready
// check is what "running" means to the charm and its actions.
func pebbleLayer(s settings) []byte {
	admin := "http://localhost:" + strconv.Itoa(adminPort)
	l := layer{
		Summary:     "hydra-operator layer",
		Description: "pebble config layer for hydra-operator",
		Services: map[string]service{
			serviceName: {
				Override: "replace",
				Summary:  "entrypoint of the hydra-operator image",
				Command:  "hydra serve all --config " + configPath,
				Startup:  "disabled",
				Environment: map[string]string{
					"DEV":             strconv.FormatBool(s.dev),
					"TRACING_ENABLED": "false",
				},
			},
		},
		Checks: map[string]check{
			readyCheck: {Override: "replace", Level: "ready", Threshold: 3, HTTP: httpCheck{URL: admin + "/health/ready"}},
			aliveCheck: {Override: "replace", Level: "alive", HTTP: httpCheck{URL: admin + "/health/alive"}},
		},
	}
	b, err := marshalYAML(l)
	if err != nil {
		// Plain strings and maps always marshal.
		panic(fmt.Sprintf("marshalling the Pebble layer: %v", err))
	}
	return b
}
