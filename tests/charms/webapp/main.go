// Command dispatch is the webapp test charm (not shipped, not in the
// bundle), for the local controller's Traefik integration test.
//
// The workload is this binary: on every hook, once container web's Pebble
// answers, the charm pushes its own executable to /opt/webapp/webapp
// (when the copy there differs, judged by a SHA-256 stamp file next to
// it), adds layer "webapp" with service web:
//
//	/opt/webapp/webapp serve --port <port> --unit <unit name>
//
// and replans. In serve mode the binary answers every request with one
// line, "<unit name> <method> <path>", e.g. "webapp/0 GET /".
//
// It asks for ingress on endpoint ingress (v2, port and strip-prefix from
// its config) and its unit status says what it got:
//
//	waiting "waiting for Pebble in container web"
//	waiting "waiting for the ingress relation"
//	waiting "waiting for the ingress URL"
//	active  "Serving at <url>"
package main

import (
	"os"

	"github.com/identity-platform-go/charms/internal/charm"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			os.Stderr.WriteString("webapp: " + err.Error() + "\n")
			os.Exit(1)
		}
		return
	}
	charm.Main(webapp{self: ownExecutable})
}
