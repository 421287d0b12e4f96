package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// routingMode says how a requirer's route is matched and what URL it gets.
type routingMode string

const (
	pathMode      routingMode = "path"
	subdomainMode routingMode = "subdomain"
)

// settings is the charm configuration, checked.
type settings struct {
	// externalHostname is the operator's external_hostname, "" when unset.
	externalHostname string
	mode             routingMode
}

// configError is a configuration the charm cannot serve. status is the
// blocked message (the reference charm's words first, then the fix);
// log is the longer explanation for juju-log.
type configError struct {
	status string
	log    string
}

func (e *configError) Error() string { return e.status }

// parseSettings turns config-get output into settings. Values are not
// trimmed: " example.com" is as wrong here as it is for the reference
// charm, and saying so beats silently serving something else.
func parseSettings(cfg map[string]any) (settings, error) {
	var s settings
	host, err := stringOption(cfg, "external_hostname")
	if err != nil {
		return settings{}, err
	}
	mode, err := stringOption(cfg, "routing_mode")
	if err != nil {
		return settings{}, err
	}
	if mode == "" {
		mode = string(pathMode)
	}
	switch routingMode(mode) {
	case pathMode, subdomainMode:
		s.mode = routingMode(mode)
	default:
		return settings{}, &configError{
			status: fmt.Sprintf(`invalid routing mode: %s; see logs. Set routing_mode to "path" or "subdomain"`, shorten(mode)),
			log:    fmt.Sprintf("%q is not a valid routing_mode value; valid values are: path, subdomain", mode),
		}
	}
	s.externalHostname = host
	if host != "" {
		if err := checkHost(host); err != nil {
			return settings{}, err
		}
	}
	if s.mode == subdomainMode {
		if host == "" {
			return settings{}, &configError{
				status: `"external_hostname" must be set while using routing mode "subdomain"`,
				log:    "routing_mode subdomain builds <model>-<app>.<external_hostname> host names: set external_hostname to a DNS name",
			}
		}
		if _, err := netip.ParseAddr(host); err == nil {
			return settings{}, &configError{
				status: `"external_hostname" must be a DNS name, not an IP address, while using routing mode "subdomain"`,
				log:    fmt.Sprintf("routing_mode subdomain cannot build host names under the IP address %s", host),
			}
		}
	}
	return s, nil
}

func stringOption(cfg map[string]any, name string) (string, error) {
	v, ok := cfg[name]
	if !ok || v == nil {
		return "", nil
	}
	s, isString := v.(string)
	if !isString {
		return "", &configError{
			status: fmt.Sprintf("%s must be a string; see logs", name),
			log:    fmt.Sprintf("option %s: want a string, got %T", name, v),
		}
	}
	return s, nil
}

// checkHost accepts what the reference charm accepts (a host that
// urlparse gives back unchanged: no scheme, port, path or upper case) and
// that also makes a valid URL: a DNS name or an IPv4 address. The
// address from network-get goes through it too.
func checkHost(host string) error {
	if validHost(host) {
		return nil
	}
	return &configError{
		status: fmt.Sprintf("invalid hostname: %s; see logs. Set external_hostname to a bare DNS name or IP address", shorten(host)),
		log: fmt.Sprintf("%q is not a valid hostname value; hostname must not include a scheme, port, "+
			"path or upper-case letters (a DNS name or an IP address)", host),
	}
}

func validHost(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Zone() == ""
	}
	if len(host) > 253 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	// A name whose last label is numeric would be read as an IPv4
	// address by URL parsers ("1.2.3.999").
	last := labels[len(labels)-1]
	return strings.Trim(last, "0123456789") != ""
}

// shorten keeps status messages one short line whatever the operator typed.
func shorten(s string) string {
	const max = 64
	q := fmt.Sprintf("%q", s)
	q = q[1 : len(q)-1]
	if len(q) > max {
		return q[:max] + "…"
	}
	return q
}
