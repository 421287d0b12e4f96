package main

import "strconv"

// Where Traefik's static configuration goes, the diagnostics entry point
// (ping and Prometheus metrics) and the Pebble names.
const (
	staticConfigPath = "/etc/traefik/traefik.yaml"
	diagnosticsPort  = 8082
	webPort          = 80
	websecurePort    = 443

	containerName = "traefik"
	serviceName   = "traefik"
	layerLabel    = "traefik"
	pingCheck     = "ping"
)

// staticConfig is Traefik's static configuration (pkg/config/static), the
// reference charm's (rev 176 and HEAD's additions) adapted to v3:
//   - global: no update checks nor usage reports (HEAD turns the first
//     off; pods may have no route out);
//   - entry points web :80 and websecure :443 keep v2's "no read timeout"
//     (v3 defaults to 60s, which would cut long uploads and streams), and
//     diagnostics :8082 serves ping and Prometheus metrics;
//   - the file provider watches the directory of per-relation files.
//
// Logs go to stdout (Pebble's log buffer) at INFO without colours.
func staticConfig() map[string]any {
	noReadTimeout := map[string]any{"respondingTimeouts": map[string]any{"readTimeout": "0s"}}
	return map[string]any{
		"global": map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false},
		"log":    map[string]any{"level": "INFO", "noColor": true},
		"entryPoints": map[string]any{
			"diagnostics": map[string]any{"address": ":" + strconv.Itoa(diagnosticsPort)},
			"web":         map[string]any{"address": ":" + strconv.Itoa(webPort), "transport": noReadTimeout},
			"websecure":   map[string]any{"address": ":" + strconv.Itoa(websecurePort), "transport": noReadTimeout},
		},
		"metrics": map[string]any{"prometheus": map[string]any{
			"addRoutersLabels":  true,
			"addServicesLabels": true,
			"entryPoint":        "diagnostics",
		}},
		"ping":      map[string]any{"entryPoint": "diagnostics"},
		"providers": map[string]any{"file": map[string]any{"directory": dynamicDir, "watch": true}},
	}
}

// pebbleLayer runs Traefik with the static configuration above (found by
// path, not through Traefik's search list, so that a stray
// ./traefik.yaml cannot win) and checks it answers ping.
func pebbleLayer() map[string]any {
	return map[string]any{
		"summary":     "traefik layer",
		"description": "Pebble config layer for Traefik",
		"services": map[string]any{serviceName: map[string]any{
			"override": "replace",
			"summary":  "Traefik",
			"command":  "traefik --configFile=" + staticConfigPath,
			"startup":  "enabled",
		}},
		"checks": map[string]any{pingCheck: map[string]any{
			"override":  "replace",
			"level":     "ready",
			"period":    "10s",
			"threshold": 3,
			"http":      map[string]any{"url": "http://localhost:" + strconv.Itoa(diagnosticsPort) + "/ping"},
		}},
	}
}
