package controller

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/model"
)

// Model configuration keys the local controller knows (Juju's
// environs/config names). The other keys of Juju's model configuration
// (proxies, logging-config, default-base, …) mean nothing on one machine.
const (
	// keyAgentVersion is read-only: "upgrade-model" changes it in Juju.
	keyAgentVersion = "agent-version"
	// keyCharmHubURL is read-only too ("add-model" sets it); the local
	// controller has no Charmhub, so it is refused, not listed.
	keyCharmHubURL = "charmhub-url"
	// keyUpdateStatusInterval is how often units run update-status.
	keyUpdateStatusInterval = "update-status-hook-interval"
)

// ModelConfig returns the model's configuration as `juju model-config`
// shows it.
func (c *Controller) ModelConfig(_ context.Context, req api.ModelConfigRequest) (api.ModelConfig, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return nil, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	interval := effectiveInterval(mr.m.UpdateStatusInterval)
	source := "model"
	if interval == c.cfg.UpdateStatusInterval {
		// The model cannot tell "set to the default" from "never set";
		// Juju would say "model" for the former.
		source = "default"
	}
	return api.ModelConfig{
		keyAgentVersion:         {Value: JujuVersion, Source: "model"},
		keyUpdateStatusInterval: {Value: formatInterval(interval), Source: source},
	}, nil
}

// SetModelConfig sets and resets model configuration. Every key is
// checked before anything changes; a new update-status interval reaches
// the units at once (each agent restarts its timer with it, as Juju's
// remote-state watcher does on a model-config change).
func (c *Controller) SetModelConfig(_ context.Context, req api.SetModelConfigRequest) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	var interval time.Duration // 0: unchanged
	for _, key := range req.Reset {
		switch key {
		case keyAgentVersion, keyCharmHubURL:
			return api.Errorf(api.CodeNotValid, "%q cannot be reset", key)
		case keyUpdateStatusInterval:
			interval = c.cfg.UpdateStatusInterval
		}
		// Juju unsets a key the model does not have without complaint.
	}
	for _, key := range slices.Sorted(maps.Keys(req.Set)) {
		switch key {
		case keyAgentVersion:
			return api.Errorf(api.CodeNotValid, `%q must be set via "upgrade-model"`, key)
		case keyCharmHubURL:
			return api.Errorf(api.CodeNotValid, `%q must be set via "add-model"`, key)
		case keyUpdateStatusInterval:
			d, err := parseInterval(req.Set[key])
			if err != nil {
				return err
			}
			interval = d
		default:
			return api.Errorf(api.CodeNotSupported, "model config key %q is not supported by the local controller (it knows %s)",
				key, strings.Join([]string{keyAgentVersion, keyUpdateStatusInterval}, ", "))
		}
	}
	if interval == 0 {
		return nil
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.m.UpdateStatusInterval == interval {
		return nil
	}
	mr.m.UpdateStatusInterval = interval
	mr.save()
	mr.poke()
	return nil
}

// parseInterval validates an update-status-hook-interval as Juju 3.6's
// environs/config Validate does in effect: the value must be a string
// time.ParseDuration accepts. Juju's range check (1m to 60m) annotates a
// nil error, which juju/errors turns into no error, so Juju accepts any
// duration — charm test suites set "10s". A duration that is not
// positive is refused here: Juju's timer would panic on it.
func parseInterval(v any) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, api.Errorf(api.CodeNotValid, "%s: expected string, got %T(%v)", keyUpdateStatusInterval, v, v)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, api.Errorf(api.CodeNotValid, "invalid update status hook interval in model configuration: %v", err)
	}
	if d <= 0 {
		return 0, api.Errorf(api.CodeNotValid, "invalid update status hook interval in model configuration: %q is not a positive duration", s)
	}
	return d, nil
}

// effectiveInterval is the interval the agents use (a model saved
// before the interval was recorded has none).
func effectiveInterval(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return model.DefaultUpdateStatusInterval
}

// formatInterval writes a duration as an operator types it: "5m", "1h",
// "1m30s", "10s" (time.Duration's String says "5m0s").
func formatInterval(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
