package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/workload"
)

// Names the charm gives its container, service, check and layer; tests
// and the package doc rely on them.
const (
	containerName = "app"
	serviceName   = "app"
	checkName     = "alive"
	layerLabel    = "workload"
)

// Status messages.
const (
	msgNoPebble = "waiting for Pebble in container " + containerName
	msgRunning  = serviceName + " running"
)

// workloadCharm is the charm under the record.Charm wrapper.
type workloadCharm struct{}

// dataDirRule keeps data-dir to characters that need no quoting in the
// shell command lines of the layer.
var dataDirRule = regexp.MustCompile(`^/[A-Za-z0-9._/-]*$`)

// dataDir reads the data-dir option; an unusable value is reported, not
// retried.
func dataDir(c *charm.Context) (string, error) {
	raw, _, err := c.Tools.ConfigGet(c.Context(), "data-dir")
	if err != nil {
		return "", fmt.Errorf("reading config: %w", err)
	}
	dir, _ := raw.(string)
	if !dataDirRule.MatchString(dir) {
		return "", &badConfigError{fmt.Sprintf("data-dir %q must be an absolute path of letters, digits, '.', '_', '-' and '/'", dir)}
	}
	return strings.TrimSuffix(dir, "/"), nil
}

type badConfigError struct{ msg string }

func (e *badConfigError) Error() string { return e.msg }

// layer is the Pebble layer for data directory dir: a service writing the
// date to dir/heartbeat every second, and an exec check that fails while
// dir/health says "unhealthy".
func layer(dir string) ([]byte, error) {
	l := map[string]any{
		"summary": "test workload",
		"services": map[string]any{
			serviceName: map[string]any{
				"override": "replace",
				"summary":  "writes the date to " + dir + "/heartbeat every second",
				"command":  `/bin/sh -c "while true; do date > ` + dir + `/heartbeat; sleep 1; done"`,
				"startup":  "enabled",
			},
		},
		"checks": map[string]any{
			checkName: map[string]any{
				"override":  "replace",
				"level":     "alive",
				"period":    "2s",
				"timeout":   "1s",
				"threshold": 2,
				"exec": map[string]any{
					"command": `/bin/sh -c "! grep -qx unhealthy ` + dir + `/health"`,
				},
			},
		},
	}
	b, err := yaml.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("encoding the layer: %w", err)
	}
	return b, nil
}

// Reconcile configures and starts the service once Pebble answers, and
// reports the service and check in the status: waiting while Pebble is
// not reachable, the service is not running or the check is down;
// active otherwise.
func (workloadCharm) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	ct := c.Container(containerName)
	if !ct.CanConnect(ctx) {
		return setStatus(c, hooktool.StatusWaiting, msgNoPebble)
	}
	dir, err := dataDir(c)
	var bad *badConfigError
	if errors.As(err, &bad) {
		return setStatus(c, hooktool.StatusBlocked, bad.msg)
	}
	if err != nil {
		return err
	}
	l, err := layer(dir)
	if err != nil {
		return err
	}
	if err := ct.AddLayer(ctx, layerLabel, l, true); err != nil {
		return err
	}
	if err := ct.Replan(ctx); err != nil {
		return err
	}
	setWorkloadVersion(c, ct)

	services, err := ct.Services(ctx, serviceName)
	if err != nil {
		return err
	}
	if svc, ok := services[serviceName]; !ok || !svc.Active() {
		current := "missing"
		if ok {
			current = svc.Current
		}
		return setStatus(c, hooktool.StatusWaiting, fmt.Sprintf("service %s is %s", serviceName, current))
	}
	checks, err := ct.Checks(ctx, checkName)
	if err != nil {
		return err
	}
	if chk, ok := checks[checkName]; ok && !chk.Up() {
		return setStatus(c, hooktool.StatusWaiting, fmt.Sprintf("check %s is %s", checkName, chk.Status))
	}
	return setStatus(c, hooktool.StatusActive, msgRunning)
}

// setWorkloadVersion sets the workload version to the container's kernel
// release (`uname -r`, run through Pebble). Failing to learn it is logged,
// not fatal: the version is cosmetic.
func setWorkloadVersion(c *charm.Context, ct *workload.Container) {
	ctx := c.Context()
	res, err := ct.Exec(ctx, workload.ExecRequest{Command: []string{"uname", "-r"}})
	switch {
	case err != nil:
		logWarning(c, fmt.Sprintf("workload version: %v", err))
		return
	case res.ExitCode != 0:
		logWarning(c, fmt.Sprintf("workload version: uname -r exited with status %d", res.ExitCode))
		return
	}
	if err := c.Tools.ApplicationVersionSet(ctx, strings.TrimSpace(string(res.Stdout))); err != nil {
		logWarning(c, fmt.Sprintf("workload version: %v", err))
	}
}

func logWarning(c *charm.Context, msg string) {
	// A lost warning must not fail the hook.
	_ = c.Tools.Log(c.Context(), hooktool.LevelWarning, msg)
}

func setStatus(c *charm.Context, name, msg string) error {
	return c.Tools.StatusSet(c.Context(), hooktool.Status{Name: name, Message: msg}, false)
}

func (workloadCharm) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"set-health": setHealthAction}
}

// setHealthAction writes "healthy" or "unhealthy" (and a newline) to
// <data-dir>/health; result "health" is what it wrote.
func setHealthAction(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	health := "unhealthy"
	if healthy, _ := params["healthy"].(bool); healthy {
		health = "healthy"
	}
	dir, err := dataDir(c)
	if err != nil {
		return c.Tools.ActionFail(ctx, err.Error())
	}
	ct := c.Container(containerName)
	if !ct.CanConnect(ctx) {
		return c.Tools.ActionFail(ctx, msgNoPebble)
	}
	if err := ct.Push(ctx, dir+"/health", []byte(health+"\n"), workload.PushOptions{MakeDirs: true}); err != nil {
		return c.Tools.ActionFail(ctx, err.Error())
	}
	return c.Tools.ActionSet(ctx, map[string]string{"health": health})
}
