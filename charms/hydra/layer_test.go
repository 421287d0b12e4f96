package main

import (
	"testing"

	"github.com/canonical/pebble/internals/plan"
)

func TestPebbleLayer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  settings
	}{
		{"hydra-layer", defaultSettings()},
		{"hydra-layer-dev", settings{logLevel: "info", dev: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := pebbleLayer(tc.set)
			// Pebble itself must accept it.
			l, err := plan.ParseLayer(0, layerLabel, out)
			if err != nil {
				t.Fatalf("Pebble rejects the layer: %v\n%s", err, out)
			}
			if _, err := plan.CombineLayers(l); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, out)
		})
	}
}
