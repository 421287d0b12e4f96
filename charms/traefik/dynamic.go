package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/interfaces/ingress"
)

// dynamicDir is the file provider's directory (on the configurations
// volume); every file in it is one relation's routes.
const dynamicDir = "/opt/traefik/juju"

// configFile is the file of one ingress relation, named as the reference
// charm names it: juju_ingress_<endpoint>_<relation id>_<remote app>.yaml.
func configFile(endpoint string, relID int, remoteApp string) string {
	return fmt.Sprintf("%s/juju_ingress_%s_%d_%s.yaml", dynamicDir, endpoint, relID, remoteApp)
}

// gateway is where Traefik is reached from outside: the external host
// and the scheme (always http until the charm terminates TLS).
type gateway struct {
	scheme string
	host   string
	mode   routingMode
}

// urlHost is the host as it goes into a URL (IPv6 in brackets).
func (g gateway) urlHost() string {
	if a, err := netip.ParseAddr(g.host); err == nil && a.Is6() {
		return "[" + g.host + "]"
	}
	return g.host
}

// url is what the gateway itself is reached at, for the status and the
// show-proxied-endpoints action.
func (g gateway) url() string { return g.scheme + "://" + g.urlHost() }

// prefix is the route's name and path for one requirer: <model>-<name>,
// with the "/" of a v1 requirer's unit name made a "-".
func prefix(app ingress.RequirerApp) string {
	return app.Model + "-" + strings.ReplaceAll(app.Name, "/", "-")
}

// routeURL is the URL published to a requirer: in path mode
// <scheme>://<host>/<prefix> (no trailing slash), in subdomain mode
// <scheme>://<prefix>.<host>/.
func (g gateway) routeURL(p string) string {
	if g.mode == subdomainMode {
		return g.scheme + "://" + p + "." + g.urlHost() + "/"
	}
	return g.scheme + "://" + g.urlHost() + "/" + p
}

// rule is the Traefik router rule matching a requirer's requests.
func (g gateway) rule(p string) string {
	if g.mode == subdomainMode {
		return "Host(`" + p + "." + g.host + "`)"
	}
	return "PathPrefix(`/" + p + "`)"
}

// The file provider's document, in the shape of Traefik's dynamic
// configuration (pkg/config/dynamic). Only what the charm writes.
type (
	dynamicConfig struct {
		HTTP httpConfig `yaml:"http"`
	}
	httpConfig struct {
		Routers           map[string]router           `yaml:"routers"`
		Services          map[string]service          `yaml:"services"`
		Middlewares       map[string]middleware       `yaml:"middlewares,omitempty"`
		ServersTransports map[string]serversTransport `yaml:"serversTransports,omitempty"`
	}
	router struct {
		Rule        string   `yaml:"rule"`
		Service     string   `yaml:"service"`
		EntryPoints []string `yaml:"entryPoints"`
		Middlewares []string `yaml:"middlewares,omitempty"`
	}
	service struct {
		LoadBalancer loadBalancer `yaml:"loadBalancer"`
	}
	loadBalancer struct {
		Servers          []server     `yaml:"servers"`
		ServersTransport string       `yaml:"serversTransport,omitempty"`
		HealthCheck      *healthCheck `yaml:"healthCheck,omitempty"`
	}
	server struct {
		URL string `yaml:"url"`
	}
	healthCheck struct {
		Path     string `yaml:"path"`
		Scheme   string `yaml:"scheme,omitempty"`
		Hostname string `yaml:"hostname,omitempty"`
		Port     int    `yaml:"port,omitempty"`
		Interval string `yaml:"interval,omitempty"`
		Timeout  string `yaml:"timeout,omitempty"`
	}
	middleware struct {
		StripPrefix    *stripPrefix    `yaml:"stripPrefix,omitempty"`
		RedirectScheme *redirectScheme `yaml:"redirectScheme,omitempty"`
	}
	// stripPrefix leaves out forceSlash, which Traefik v3 deprecates
	// (the reference charm writes false, v3's only behaviour).
	stripPrefix struct {
		Prefixes []string `yaml:"prefixes"`
	}
	redirectScheme struct {
		Scheme    string `yaml:"scheme"`
		Port      string `yaml:"port"`
		Permanent bool   `yaml:"permanent"`
	}
	serversTransport struct {
		InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
	}
)

// routeConfig is the reference charm's per-application block for one
// ready request: a router on the web entry point, a load-balanced service
// with one server per requirer unit (v1: the one host it sent), and the
// middlewares it asked for.
func (g gateway) routeConfig(req ingress.IngressRequest) dynamicConfig {
	p := prefix(req.App)
	routerName, serviceName := "juju-"+p+"-router", "juju-"+p+"-service"
	scheme := req.App.Scheme
	if scheme == "" {
		scheme = ingress.DefaultScheme
	}

	lb := loadBalancer{Servers: make([]server, 0, len(req.Units))}
	for _, u := range req.Units {
		lb.Servers = append(lb.Servers, server{URL: scheme + "://" + serverHost(u.Host) + ":" + strconv.Itoa(req.App.Port)})
	}
	if hc := req.App.HealthCheck; hc != nil {
		lb.HealthCheck = &healthCheck{Path: hc.Path, Scheme: hc.Scheme, Hostname: hc.Hostname, Port: hc.Port,
			Interval: hc.Interval, Timeout: hc.Timeout}
	}
	var transports map[string]serversTransport
	if scheme == ingress.SchemeHTTPS && g.scheme != ingress.SchemeHTTPS {
		// Traefik terminates plain HTTP and speaks TLS to the upstream,
		// verifying its certificate.
		lb.ServersTransport = "reverseTerminationTransport"
		transports = map[string]serversTransport{lb.ServersTransport: {InsecureSkipVerify: false}}
	}

	// Middlewares in the reference charm's order; YAML maps are sorted,
	// so the order that matters is the router's list.
	mws := map[string]middleware{}
	var names []string
	if g.mode == pathMode && req.App.StripPrefix {
		n := "juju-sidecar-noprefix-" + p
		mws[n] = middleware{StripPrefix: &stripPrefix{Prefixes: []string{"/" + p}}}
		names = append(names, n)
	}
	if req.App.RedirectHTTPS && scheme == ingress.SchemeHTTPS {
		n := "juju-sidecar-redir-https-" + p
		mws[n] = middleware{RedirectScheme: &redirectScheme{Scheme: "https", Port: "443", Permanent: true}}
		names = append(names, n)
	}
	if len(mws) == 0 {
		mws = nil
	}
	return dynamicConfig{HTTP: httpConfig{
		Routers: map[string]router{routerName: {
			Rule: g.rule(p), Service: serviceName, EntryPoints: []string{"web"}, Middlewares: names,
		}},
		Services:          map[string]service{serviceName: {LoadBalancer: lb}},
		Middlewares:       mws,
		ServersTransports: transports,
	}}
}

// serverHost brackets an IPv6 address for a server URL.
func serverHost(h string) string {
	if a, err := netip.ParseAddr(h); err == nil && a.Is6() {
		return "[" + h + "]"
	}
	return h
}

// renderYAML writes v as YAML with two-space indents. Maps come out with
// sorted keys, so the same input gives the same bytes and an unchanged
// file is never pushed again.
func renderYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("rendering YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering YAML: %w", err)
	}
	return b.Bytes(), nil
}
