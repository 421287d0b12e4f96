package main

import (
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/ingress"
)

// showProxiedEndpoints is the show-proxied-endpoints action. Like the
// reference charm (HEAD) it returns "proxied-endpoints", json.dumps of
// {"<this app>": {"url": "<scheme>://<host>"}, "<requirer app>": {"url":
// "<its URL>"}, …}, in relation order, and "{}" while Traefik is not
// serving. URLs are computed, not read back from the databags, so every
// unit answers, not only the leader.
func showProxiedEndpoints(c *charm.Context) error {
	ctx := c.Context()
	out, err := proxiedEndpoints(c)
	if err != nil {
		return err
	}
	return c.Tools.ActionSet(ctx, map[string]string{"proxied-endpoints": out})
}

func proxiedEndpoints(c *charm.Context) (string, error) {
	ctx := c.Context()
	gw, problem, err := resolveGateway(c)
	if err != nil || problem != nil {
		return "{}", err
	}
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return "{}", nil
	}
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return "", err
	}
	if !svcs[serviceName].Active() {
		return "{}", nil
	}
	reqs, err := ingress.Requests(c, endpoint)
	if err != nil {
		return "", err
	}
	entries := []string{}
	add := func(app, url string) error {
		k, err := databag.PyJSON(app)
		if err != nil {
			return err
		}
		v, err := databag.PyJSON(map[string]string{"url": url})
		if err != nil {
			return err
		}
		entries = append(entries, k+": "+v)
		return nil
	}
	if err := add(c.Env.AppName, gw.url()); err != nil {
		return "", err
	}
	for _, r := range plan(gw, reqs) {
		if !r.served() {
			continue
		}
		url := r.url
		if r.req.Version == ingress.V2 {
			// What the requirer reads back: pydantic's AnyHttpUrl form.
			if url, err = ingress.NormalizeURL(url); err != nil {
				return "", fmt.Errorf("URL for %s: %w", r.req.RemoteApp, err)
			}
		}
		if err := add(r.req.RemoteApp, url); err != nil {
			return "", err
		}
	}
	return "{" + strings.Join(entries, ", ") + "}", nil
}
