package main

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/ingress"
	"github.com/identity-platform-go/charms/internal/workload"
)

const endpoint = ingress.DefaultEndpoint

// Status messages: the reference charm's words.
const (
	msgServingPrefix  = "Serving at "
	msgNoGateway      = "gateway address unavailable"
	msgWaitingService = "waiting for service: '" + serviceName + "'"
	msgRelationFailed = "setup of some ingress relation failed"
)

// traefikCharm is the traefik-k8s charm: Traefik in the traefik container,
// one file-provider document per ingress relation, and the URL of each
// route published to its requirer.
type traefikCharm struct{}

func (traefikCharm) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"show-proxied-endpoints": showProxiedEndpoints}
}

// route is what the charm does for one live ingress relation: serve it
// (file holds its document, url what the requirer is told), or not, and
// then why (pending: the requirer has not written everything yet; failed:
// what it wrote cannot be served).
type route struct {
	req     ingress.IngressRequest
	file    string
	content []byte
	url     string
	pending bool
	failed  error
}

func (r route) served() bool { return r.content != nil }

// Reconcile makes the container and the relations match the configuration
// and the requests: config problems withdraw every route, as the
// reference charm's wipe does; otherwise Traefik runs with one file per
// ready relation and the leader publishes their URLs.
func (traefikCharm) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	reqs, err := ingress.Requests(c, endpoint)
	if err != nil {
		return err
	}
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("is-leader: %w", err)
	}
	ctr := c.Container(containerName)
	connected := ctr.CanConnect(ctx)

	gw, problem, err := resolveGateway(c)
	if err != nil {
		return err
	}
	if problem != nil {
		logf(c, hooktool.LevelError, "%s", problem.log)
		if err := withdrawAll(c, ctr, connected, leader, reqs); err != nil {
			return err
		}
		return c.Tools.StatusSet(ctx, problem.status, false)
	}

	routes := plan(gw, reqs)
	if !connected {
		// Nothing is known about what Traefik serves: withdraw only what
		// cannot be served anyway, and wait for pebble-ready.
		if err := publish(c, leader, routes, false); err != nil {
			return err
		}
		return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusWaiting, Message: msgWaitingService}, false)
	}
	if err := configure(c, ctr, routes); err != nil {
		return err
	}
	if err := publish(c, leader, routes, true); err != nil {
		return err
	}
	st, err := unitStatus(c, ctr, gw, routes)
	if err != nil {
		return err
	}
	return c.Tools.StatusSet(ctx, st, false)
}

// problem is a reason the charm serves nothing, with its status.
type problem struct {
	status hooktool.Status
	log    string
}

// resolveGateway reads the configuration and finds the external host:
// external_hostname, else the unit's ingress address from network-get
// (the reference charm's load balancer address; on this runtime, and on
// any cluster without a load balancer, the pod's address).
func resolveGateway(c *charm.Context) (gateway, *problem, error) {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return gateway{}, nil, fmt.Errorf("reading config: %w", err)
	}
	set, err := parseSettings(cfg)
	var ce *configError
	if errors.As(err, &ce) {
		return gateway{}, &problem{status: hooktool.Status{Name: hooktool.StatusBlocked, Message: ce.status}, log: ce.log}, nil
	}
	if err != nil {
		return gateway{}, nil, err
	}
	gw := gateway{scheme: "http", host: set.externalHostname, mode: set.mode}
	if gw.host == "" {
		n, err := c.Tools.NetworkGet(ctx, endpoint, -1)
		if err != nil {
			return gateway{}, nil, fmt.Errorf("network-get %s: %w", endpoint, err)
		}
		if a, err := netip.ParseAddr(n.IngressAddress()); err == nil {
			gw.host = a.Unmap().String()
		}
		if gw.host == "" {
			return gateway{}, &problem{
				status: hooktool.Status{Name: hooktool.StatusWaiting, Message: msgNoGateway},
				log:    "no ingress address for this unit yet and external_hostname is unset",
			}, nil
		}
	}
	return gw, nil, nil
}

// validPrefix is what a route name may be made of: Juju model and
// application names (lower-case letters, digits, hyphens). Anything else
// could break out of the router rule's backquotes.
var validPrefix = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// validServerHost is a host name or address as requirers send it.
var validServerHost = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9.])?$`)

// plan decides, per live relation, what Traefik serves. Two relations
// asking for the same route name (one application related twice) cannot
// both be served: the older relation keeps it.
func plan(gw gateway, reqs []ingress.IngressRequest) []route {
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].RelationID < reqs[j].RelationID })
	taken := map[string]int{}
	out := make([]route, 0, len(reqs))
	for _, req := range reqs {
		r := route{req: req, file: configFile(endpoint, req.RelationID, req.RemoteApp)}
		switch {
		case req.Err != nil:
			if _, missing := databag.MissingKey(req.Err); missing {
				r.pending = true
			} else {
				r.failed = req.Err
			}
		case !validPrefix.MatchString(prefix(req.App)):
			r.failed = fmt.Errorf("model %q and name %q do not make a route name (lower-case letters, digits and hyphens)", req.App.Model, req.App.Name)
		default:
			p := prefix(req.App)
			if other, dup := taken[p]; dup {
				r.failed = fmt.Errorf("route %s is already served for relation %d", p, other)
				break
			}
			for _, u := range req.Units {
				if _, err := netip.ParseAddr(u.Host); err != nil && !validServerHost.MatchString(u.Host) {
					r.failed = fmt.Errorf("unit host %q is not a host name or IP address", u.Host)
				}
			}
			if r.failed != nil {
				break
			}
			content, err := renderYAML(gw.routeConfig(req))
			if err != nil {
				r.failed = err
				break
			}
			taken[p] = req.RelationID
			r.content, r.url = content, gw.routeURL(p)
		}
		out = append(out, r)
	}
	return out
}

// configure makes the container run Traefik with the static configuration
// and exactly the served routes. A fresh start (the service not running:
// a new pod, or after a crash) begins with an empty file-provider
// directory, since the volume outlives pods. Traefik is restarted only when
// its static configuration changed; it reloads route files itself.
func configure(c *charm.Context, ctr *workload.Container, routes []route) error {
	ctx := c.Context()
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return err
	}
	wasActive := svcs[serviceName].Active()
	if !wasActive {
		if err := run(c, ctr, "sh", "-c", "mkdir -p "+dynamicDir+" && rm -f "+dynamicDir+"/*.yaml"); err != nil {
			return err
		}
	}
	static, err := renderYAML(staticConfig())
	if err != nil {
		return err
	}
	staticChanged, err := ctr.PushIfChanged(ctx, staticConfigPath, static, workload.PushOptions{MakeDirs: true})
	if err != nil {
		return err
	}
	// Pebble writes a pushed file to a temporary name in the same
	// directory and renames it (osutil.AtomicWrite): Traefik never reads
	// a half-written route, and skips the temporary "….yaml.<random>~"
	// names (it loads .yaml, .yml and .toml only).
	for _, r := range routes {
		if r.served() {
			if _, err := ctr.PushIfChanged(ctx, r.file, r.content, workload.PushOptions{MakeDirs: true}); err != nil {
				return err
			}
			continue
		}
		if err := removeFile(c, ctr, r.file); err != nil {
			return err
		}
	}
	if f, ok := brokenFile(c); ok {
		if err := removeFile(c, ctr, f); err != nil {
			return err
		}
	}
	layer, err := renderYAML(pebbleLayer())
	if err != nil {
		return err
	}
	if err := ctr.AddLayer(ctx, layerLabel, layer, true); err != nil {
		return err
	}
	switch {
	case staticChanged && wasActive:
		logf(c, hooktool.LevelInfo, "static configuration changed: restarting traefik")
		if err := ctr.Restart(ctx, serviceName); err != nil {
			return err
		}
	case !wasActive || c.Event.Kind == charm.UpgradeCharm || c.Event.Kind == charm.PebbleReady:
		// The layer changes only with the charm, and a replan costs a
		// Pebble change (15-40 ms) even when it has nothing to do: skip
		// it while Traefik runs. Checks follow AddLayer without one.
		if err := ctr.Replan(ctx); err != nil {
			return err
		}
	}
	if c.Event.Kind == charm.PebbleReady {
		setWorkloadVersion(c, ctr)
	}
	return nil
}

// brokenFile is the file of the relation being broken in this hook.
func brokenFile(c *charm.Context) (string, bool) {
	ev := c.Event
	if ev.Kind != charm.RelationBroken || ev.Relation != endpoint || ev.RemoteApp == "" {
		return "", false
	}
	return configFile(endpoint, ev.RelationID, ev.RemoteApp), true
}

// removeFile deletes a route file if it is there (Pebble's API has no
// remove call in the charm's client, so rm runs in the container).
func removeFile(c *charm.Context, ctr *workload.Container, path string) error {
	_, err := ctr.Pull(c.Context(), path)
	if errors.Is(err, workload.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	logf(c, hooktool.LevelInfo, "removing %s", path)
	return run(c, ctr, "rm", "-f", path)
}

func run(c *charm.Context, ctr *workload.Container, argv ...string) error {
	res, err := ctr.Exec(c.Context(), workload.ExecRequest{Command: argv})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("container %q: %s exited with %d: %s", containerName, argv[0], res.ExitCode,
			strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

var versionLine = regexp.MustCompile(`Version:\s*v?(\S+)`)

// setWorkloadVersion reports `traefik version`'s version; failing to is
// only logged.
func setWorkloadVersion(c *charm.Context, ctr *workload.Container) {
	res, err := ctr.Exec(c.Context(), workload.ExecRequest{Command: []string{"traefik", "version"}})
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit status %d", res.ExitCode)
	}
	if err != nil {
		logf(c, hooktool.LevelWarning, "traefik version: %v", err)
		return
	}
	m := versionLine.FindSubmatch(res.Stdout)
	if m == nil {
		logf(c, hooktool.LevelWarning, "traefik version: no version in its output")
		return
	}
	if err := c.Tools.ApplicationVersionSet(c.Context(), string(m[1])); err != nil {
		logf(c, hooktool.LevelWarning, "application-version-set: %v", err)
	}
}

// publish syncs the URLs in the requirers' databags (leader only):
// served routes get theirs when routed is true; every other relation's
// URL is withdrawn.
func publish(c *charm.Context, leader bool, routes []route, routed bool) error {
	if !leader {
		return nil
	}
	for _, r := range routes {
		if r.served() {
			if !routed {
				continue
			}
			if err := ingress.PublishURL(c, r.req.RelationID, r.req.Version, r.url); err != nil {
				return err
			}
			continue
		}
		if err := ingress.ClearURL(c, r.req.RelationID); err != nil {
			return err
		}
	}
	return nil
}

// withdrawAll removes every route: files (when the container answers;
// a fresh start wipes them anyway) and published URLs.
func withdrawAll(c *charm.Context, ctr *workload.Container, connected, leader bool, reqs []ingress.IngressRequest) error {
	if connected {
		for _, req := range reqs {
			if err := removeFile(c, ctr, configFile(endpoint, req.RelationID, req.RemoteApp)); err != nil {
				return err
			}
		}
		if f, ok := brokenFile(c); ok {
			if err := removeFile(c, ctr, f); err != nil {
				return err
			}
		}
	}
	if !leader {
		return nil
	}
	for _, req := range reqs {
		if err := ingress.ClearURL(c, req.RelationID); err != nil {
			return err
		}
	}
	return nil
}

// unitStatus reports, after configure, the most important thing: Traefik
// not running, relations that cannot be served, or where it serves.
func unitStatus(c *charm.Context, ctr *workload.Container, gw gateway, routes []route) (hooktool.Status, error) {
	ctx := c.Context()
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return hooktool.Status{}, err
	}
	if !svcs[serviceName].Active() {
		return hooktool.Status{Name: hooktool.StatusWaiting, Message: msgWaitingService}, nil
	}
	checks, err := ctr.Checks(ctx, pingCheck)
	if err != nil {
		return hooktool.Status{}, err
	}
	if ch, ok := checks[pingCheck]; ok && !ch.Up() {
		return hooktool.Status{Name: hooktool.StatusWaiting, Message: msgWaitingService + " (ping check failing)"}, nil
	}
	var failed []string
	for _, r := range routes {
		if r.failed != nil {
			logf(c, hooktool.LevelError, "ingress relation %d (%s): %v", r.req.RelationID, r.req.RemoteApp, r.failed)
			failed = append(failed, fmt.Sprintf("%s:%d (%s)", endpoint, r.req.RelationID, r.req.RemoteApp))
		}
	}
	if len(failed) > 0 {
		return hooktool.Status{Name: hooktool.StatusBlocked,
			Message: msgRelationFailed + ": " + strings.Join(failed, ", ") + "; see logs"}, nil
	}
	return hooktool.Status{Name: hooktool.StatusActive, Message: msgServingPrefix + gw.url()}, nil
}

func logf(c *charm.Context, level hooktool.Level, format string, args ...any) {
	// A failed log line must not fail the hook.
	_ = c.Tools.Log(c.Context(), level, fmt.Sprintf(format, args...))
}
