package workload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// ChangeTimeout bounds how long Replan, Start, Stop and Restart wait for
// Pebble to finish the change (a shorter context deadline wins). Starting
// a service alone takes Pebble at least one second.
const ChangeTimeout = 30 * time.Second

// AddLayer adds the layer YAML under label. With combine, a layer with the
// same label is merged into per service and check according to each
// entry's override (merge or replace); without it an existing label is an
// error. Services are not touched until Replan.
func (c *Container) AddLayer(ctx context.Context, label string, layer []byte, combine bool) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	err := c.api.AddLayer(&client.AddLayerOptions{Combine: combine, Label: label, LayerData: layer})
	if err != nil {
		return c.wrap(fmt.Sprintf("add layer %q", label), err)
	}
	return nil
}

// Plan returns the combined plan as YAML.
func (c *Container) Plan(ctx context.Context) ([]byte, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	b, err := c.api.PlanBytes(nil)
	if err != nil {
		return nil, c.wrap("get plan", err)
	}
	return b, nil
}

// Replan makes the services match the plan: services whose configuration
// changed are restarted and services with startup enabled are started.
// It waits for the change to finish.
func (c *Container) Replan(ctx context.Context) error {
	return c.serviceChange(ctx, "replan", API.Replan, nil)
}

// Start starts the services (and those they require) and waits for them.
// Starting an active service is a no-op; no names is a no-op.
func (c *Container) Start(ctx context.Context, services ...string) error {
	return c.serviceChange(ctx, "start", API.Start, services)
}

// Stop stops the services (and those that require them) and waits.
func (c *Container) Stop(ctx context.Context, services ...string) error {
	return c.serviceChange(ctx, "stop", API.Stop, services)
}

// Restart stops the services that are running and starts all of them.
func (c *Container) Restart(ctx context.Context, services ...string) error {
	return c.serviceChange(ctx, "restart", API.Restart, services)
}

func (c *Container) serviceChange(ctx context.Context, action string, call func(API, *client.ServiceOptions) (string, error), services []string) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	op := action
	if len(services) > 0 {
		op = fmt.Sprintf("%s %s", action, strings.Join(services, ", "))
	} else if action != "replan" {
		// Pebble rejects an empty name list; callers computing "what
		// changed" should not have to special-case nothing.
		return nil
	}
	id, err := call(c.api, &client.ServiceOptions{Names: services})
	if err != nil {
		return c.wrap(op, err)
	}
	if err := c.waitChange(ctx, id); err != nil {
		return c.wrap(op, err)
	}
	return nil
}

// waitChange waits for change id until ChangeTimeout or ctx's deadline.
func (c *Container) waitChange(ctx context.Context, id string) error {
	timeout := ChangeTimeout
	if deadline, ok := ctx.Deadline(); ok {
		if left := time.Until(deadline); left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		return fmt.Errorf("change %s: %w", id, context.DeadlineExceeded)
	}
	ch, err := c.api.WaitChange(id, &client.WaitChangeOptions{Timeout: timeout})
	if err != nil {
		return fmt.Errorf("wait for change %s: %w", id, err)
	}
	if ch.Err != "" {
		return fmt.Errorf("change %s: %w", id, errors.New(ch.Err))
	}
	if !ch.Ready {
		return fmt.Errorf("change %s not ready after %s (status %s)", id, timeout, ch.Status)
	}
	return nil
}

// ServiceStatus is one service as Pebble reports it.
type ServiceStatus struct {
	Startup string // enabled | disabled
	Current string // active | inactive | backoff | error
}

// Active reports whether the service is running.
func (s ServiceStatus) Active() bool { return s.Current == string(client.StatusActive) }

// Services returns the named services of the plan (all when no names are
// given), keyed by name. Names not in the plan are absent from the map.
func (c *Container) Services(ctx context.Context, names ...string) (map[string]ServiceStatus, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	infos, err := c.api.Services(&client.ServicesOptions{Names: names})
	if err != nil {
		return nil, c.wrap("list services", err)
	}
	out := make(map[string]ServiceStatus, len(infos))
	for _, s := range infos {
		out[s.Name] = ServiceStatus{Startup: string(s.Startup), Current: string(s.Current)}
	}
	return out, nil
}

// CheckStatus is one health check as Pebble reports it.
type CheckStatus struct {
	Level  string // alive | ready | "" (unset)
	Status string // up | down | inactive
	// Failures counts consecutive failures; the check is down once it
	// reaches Threshold.
	Failures, Threshold int
}

// Up reports whether the check is passing.
func (s CheckStatus) Up() bool { return s.Status == string(client.CheckStatusUp) }

// Checks returns the named checks (all when no names are given), keyed by
// name.
func (c *Container) Checks(ctx context.Context, names ...string) (map[string]CheckStatus, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	infos, err := c.api.Checks(&client.ChecksOptions{Names: names})
	if err != nil {
		return nil, c.wrap("list checks", err)
	}
	out := make(map[string]CheckStatus, len(infos))
	for _, ch := range infos {
		out[ch.Name] = CheckStatus{
			Level:     string(ch.Level),
			Status:    string(ch.Status),
			Failures:  ch.Failures,
			Threshold: ch.Threshold,
		}
	}
	return out, nil
}
