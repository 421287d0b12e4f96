package ingress

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// Request is what a requirer asks for: the application's part (Port,
// Scheme, StripPrefix, RedirectHTTPS, HealthCheck) and the unit's
// (Host, IP), each with the library's defaults.
type Request struct {
	Port          int
	Scheme        string // "" is http
	StripPrefix   bool
	RedirectHTTPS bool
	HealthCheck   *HealthCheck
	// Host defaults to the pod's FQDN (see PodFQDN), what the library's
	// socket.getfqdn() returns in a Juju Kubernetes pod.
	Host string
	// IP defaults to the relation's bind address from network-get, as
	// the library's model.get_binding(relation) gives it; it is left out
	// when Juju has none.
	IP string
}

// PodFQDN is the FQDN of a Juju Kubernetes unit's pod:
// <app>-<n>.<app>-endpoints.<model>.svc.cluster.local. A cluster with
// another DNS domain needs Request.Host.
func PodFQDN(env charm.Env) string {
	return env.AppName + "-" + strconv.Itoa(env.UnitNumber) + "." + env.AppName + "-endpoints." + env.ModelName + ".svc.cluster.local"
}

// PublishRequest publishes this unit's ingress request on every relation
// of endpoint, in v2: the leader writes the application databag (model
// and name from the environment; is_port_open is true when this unit has
// Port open, as the library computes it from opened-ports — ports opened
// in the same hook show only after it commits), and every unit writes its
// unit databag. Keys this package owns that the new request no longer
// sets are deleted; other keys (Juju's ingress-address…) are left alone.
// Unchanged values are not rewritten. Call it on every hook: it is cheap
// and it repairs what a leadership change or upgrade left behind.
func PublishRequest(c *charm.Context, endpoint string, req Request) error {
	ids, err := c.RelationIDs(endpoint)
	if err != nil || len(ids) == 0 {
		return wrap(endpoint, err)
	}
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return wrap(endpoint, err)
	}
	var appBag map[string]string
	if leader {
		open, err := portOpen(c, req.Port)
		if err != nil {
			return wrap(endpoint, err)
		}
		appBag, err = EncodeRequirerApp(RequirerApp{
			Model: c.Env.ModelName, Name: c.Env.AppName, Port: req.Port, Scheme: req.Scheme,
			StripPrefix: req.StripPrefix, RedirectHTTPS: req.RedirectHTTPS, IsPortOpen: open,
			HealthCheck: req.HealthCheck,
		})
		if err != nil {
			return wrap(endpoint, err)
		}
	}
	host := req.Host
	if host == "" {
		host = PodFQDN(c.Env)
	}
	for _, id := range ids {
		ip := req.IP
		if ip == "" {
			n, err := c.Tools.NetworkGet(ctx, endpoint, id)
			if err != nil {
				return wrapRel(endpoint, id, err)
			}
			// ops casts the address with ipaddress.ip_address, whose str()
			// is the compressed form netip also prints.
			if a, err := netip.ParseAddr(n.BindAddress()); err == nil {
				ip = a.String()
			}
		}
		unitBag, err := EncodeRequirerUnit(RequirerUnit{Host: host, IP: ip})
		if err != nil {
			return wrapRel(endpoint, id, err)
		}
		if leader {
			// "host" is a v1 application key: drop it if a v1 library
			// left one before an upgrade.
			if err := syncBag(c, id, true, c.Env.AppName, appBag, slices.Concat(requirerAppKeys, []string{KeyHost})); err != nil {
				return wrapRel(endpoint, id, err)
			}
		}
		if err := syncBag(c, id, false, c.Env.UnitName, unitBag, requirerUnitKeys); err != nil {
			return wrapRel(endpoint, id, err)
		}
	}
	return nil
}

// portOpen mirrors the library's `port in {p.port for p in
// unit.opened_ports()}`: any protocol; ops reads a range "from-to" as its
// first port (with a warning) and ICMP as no port.
func portOpen(c *charm.Context, port int) (bool, error) {
	ports, err := c.Tools.OpenedPorts(c.Context())
	if err != nil {
		return false, err
	}
	for _, p := range ports {
		if p.Protocol != "icmp" && p.From == port {
			return true, nil
		}
	}
	return false, nil
}

// syncBag makes the local databag hold want for the keys in owned: changed
// values are set, owned keys missing from want are deleted.
func syncBag(c *charm.Context, relID int, app bool, self string, want map[string]string, owned []string) error {
	cur, err := c.Tools.RelationGet(c.Context(), relID, self, app)
	if err != nil {
		return err
	}
	set := make(map[string]string, len(want))
	for k, v := range want {
		if cur[k] != v {
			set[k] = v
		}
	}
	for _, k := range owned {
		if _, keep := want[k]; !keep && cur[k] != "" {
			set[k] = ""
		}
	}
	return c.Tools.RelationSet(c.Context(), relID, app, set)
}

// URL returns the URL the provider published on the first relation of
// endpoint (the endpoint is meant to have limit 1), as the library's
// requirer reads it (normalized by AnyHttpUrl). ok is false, with a nil
// error, when there is no relation or nothing published yet; a relation
// being broken in this hook no longer counts. Data that does not validate
// is an error wrapping a *databag.KeyError.
func URL(c *charm.Context, endpoint string) (url string, ok bool, err error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil || len(ids) == 0 {
		return "", false, wrap(endpoint, err)
	}
	id := ids[0]
	_, bag, err := relation.RemoteAppData(c, id)
	if err != nil {
		return "", false, wrapRel(endpoint, id, err)
	}
	p, err := DecodeProviderApp(bag)
	if errors.Is(err, databag.ErrMissing) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrapRel(endpoint, id, err)
	}
	return p.URL, true, nil
}

// Requests reads every live relation of the provider's endpoint: the
// remote application's databag and each joined unit's. A relation is
// ready (Err nil) when its data validates as v2 (application and every
// unit) or as v1; see DetectVersion and DecodeRequest. Hook-tool failures
// are returned as the error; bad requirer data is only the request's Err.
func Requests(c *charm.Context, endpoint string) ([]IngressRequest, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return nil, wrap(endpoint, err)
	}
	ctx := c.Context()
	out := make([]IngressRequest, 0, len(ids))
	for _, id := range ids {
		app, appBag, err := relation.RemoteAppData(c, id)
		if err != nil {
			return nil, wrapRel(endpoint, id, err)
		}
		names, err := c.Tools.RelationList(ctx, id)
		if err != nil {
			return nil, wrapRel(endpoint, id, err)
		}
		units := make(map[string]map[string]string, len(names))
		for _, n := range names {
			if units[n], err = c.Tools.RelationGet(ctx, id, n, false); err != nil {
				return nil, wrapRel(endpoint, id, err)
			}
		}
		r := DecodeRequest(appBag, units)
		r.RelationID, r.RemoteApp = id, app
		out = append(out, r)
	}
	return out, nil
}

// PublishURL writes the URL for relation relID in the requirer's version:
// v2 JSON or v1 YAML. Only the leader may write application data; on
// other units it does nothing and returns nil. An invalid URL clears the
// published one and returns a *databag.KeyError, as Traefik publishes an
// empty databag and logs. Nothing is written to a relation that is being
// broken in this hook (see ClearURL).
func PublishURL(c *charm.Context, relID, version int, url string) error {
	var (
		bag map[string]string
		err error
	)
	switch version {
	case V2:
		bag, err = EncodeProviderApp(ProviderApp{URL: url})
	case V1:
		bag, err = EncodeProviderAppV1(ProviderApp{URL: url})
	default:
		return fmt.Errorf("publishing ingress URL on relation %d: unknown version %d", relID, version)
	}
	if err != nil {
		if cerr := ClearURL(c, relID); cerr != nil {
			return fmt.Errorf("publishing ingress URL on relation %d: %w", relID, errors.Join(err, cerr))
		}
		return fmt.Errorf("publishing ingress URL on relation %d: %w", relID, err)
	}
	return setProvider(c, relID, bag)
}

// ClearURL deletes the published URL of relation relID, as Traefik's
// wipe_ingress_data does when a requirer's data stops validating or the
// gateway address goes away. Leader only; on other units it does nothing.
//
// During relation-broken it writes nothing, like Traefik (which wipes
// only its config files then). Juju's rules: relation-broken runs after
// every remote unit has departed, and the relation leaves relation-ids;
// Juju 3.6 would still accept relation-set on it (the settings live until
// this unit leaves the relation's scope after the hook), but no remote
// unit will ever read them and they are deleted with the relation: the
// write is useless, and it could fail the hook's commit were the relation
// already removed.
func ClearURL(c *charm.Context, relID int) error {
	return setProvider(c, relID, map[string]string{KeyIngress: ""})
}

func setProvider(c *charm.Context, relID int, bag map[string]string) error {
	if c.Event.Kind == charm.RelationBroken && c.Event.RelationID == relID {
		return nil
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil {
		return fmt.Errorf("ingress relation %d: %w", relID, err)
	}
	if !leader {
		return nil
	}
	if err := c.Tools.RelationSet(c.Context(), relID, true, bag); err != nil {
		return fmt.Errorf("ingress relation %d: %w", relID, err)
	}
	return nil
}

func wrap(endpoint string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", endpoint, err)
}

func wrapRel(endpoint string, id int, err error) error {
	return fmt.Errorf("%s relation %d: %w", endpoint, id, err)
}
