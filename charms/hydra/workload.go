package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/workload"
)

// versionRE is the reference's VERSION_REGEX over `hydra version`:
// "Version:    v2.3.0".
var versionRE = regexp.MustCompile(`Version:\s+(v\d+\.\d+\.\d+)`)

// workloadVersion runs `hydra version` in the container.
func workloadVersion(ctx context.Context, ctr *workload.Container) (string, error) {
	res, err := ctr.Exec(ctx, workload.ExecRequest{Command: []string{"hydra", "version"}, Timeout: 20 * time.Second})
	if err != nil {
		return "", fmt.Errorf("hydra version: %w", err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("hydra version: exit status %d", res.ExitCode)
	}
	m := versionRE.FindSubmatch(res.Stdout)
	if m == nil {
		return "", errors.New("hydra version: no version in its output")
	}
	return string(m[1]), nil
}

// Migration timeouts: the reference's automatic one and the action's
// default.
const (
	autoMigrationTimeout   = 60 * time.Second
	actionMigrationTimeout = 120 * time.Second
)

// migrationError is a failed `hydra migrate sql`; Output is what Hydra
// printed, with the DSN and password taken out.
type migrationError struct {
	ExitCode int
	Output   string
}

func (e *migrationError) Error() string {
	return fmt.Sprintf("hydra migrate sql exited with status %d", e.ExitCode)
}

// migrate runs `hydra migrate sql -e --yes` with the DSN in the
// environment (never in argv, which ps and Pebble's change log would
// show).
func migrate(ctx context.Context, ctr *workload.Container, dsn string, timeout time.Duration) error {
	res, err := ctr.Exec(ctx, workload.ExecRequest{
		Command:     []string{"hydra", "migrate", "sql", "-e", "--yes"},
		Environment: map[string]string{"DSN": dsn},
		Timeout:     timeout,
	})
	if err != nil {
		return fmt.Errorf("running the migration: %w", err)
	}
	if res.ExitCode != 0 {
		out := strings.TrimSpace(string(res.Stdout) + "\n" + string(res.Stderr))
		return &migrationError{ExitCode: res.ExitCode, Output: redactDSN(out, dsn)}
	}
	return nil
}

// redactDSN removes the DSN and its password, raw and escaped, from s.
func redactDSN(s, dsn string) string {
	secrets := []string{dsn}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			secrets = append(secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
			if esc := strings.TrimPrefix(strings.TrimSuffix(u.User.String(), "@"), u.User.Username()+":"); esc != "" {
				secrets = append(secrets, esc)
			}
		}
	}
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

// serviceState is the hydra service as the reference judges it.
type serviceState struct {
	// running: the service is active and the ready check up.
	running bool
	// failing: the ready check has failed at least once.
	failing bool
	active  bool
}

func readServiceState(ctx context.Context, ctr *workload.Container) (serviceState, error) {
	return readServiceStateFrom(ctx, ctr, nil)
}

// readServiceStateFrom is readServiceState with the services already read
// in this hook, when nothing changed them since (nil: read them).
func readServiceStateFrom(ctx context.Context, ctr *workload.Container, svcs map[string]workload.ServiceStatus) (serviceState, error) {
	if svcs == nil {
		var err error
		if svcs, err = ctr.Services(ctx, serviceName); err != nil {
			return serviceState{}, err
		}
	}
	svc, ok := svcs[serviceName]
	if !ok {
		return serviceState{}, nil
	}
	checks, err := ctr.Checks(ctx, readyCheck)
	if err != nil {
		return serviceState{}, err
	}
	chk, hasCheck := checks[readyCheck]
	return serviceState{
		active:  svc.Active(),
		running: svc.Active() && hasCheck && chk.Up(),
		failing: hasCheck && chk.Failures > 0,
	}, nil
}

// planned is what planWorkload left: the fingerprint of the plan and
// configuration it applied, and the services when it read them after its
// last change (nil otherwise), so that readServiceState need not again.
type planned struct {
	fingerprint string
	services    map[string]workload.ServiceStatus
}

// workloadFingerprint identifies a layer and configuration. It is a
// digest: the configuration holds the DSN and keys.
func workloadFingerprint(layer, config []byte) string {
	h := sha256.New()
	for _, b := range [][]byte{layer, config} {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// planWorkload applies the layer and the configuration: the service is
// restarted when hydra.yaml changed, started when it is not running, and
// replanned (which restarts it) when the layer changed. A steady unit
// costs no Pebble change: a no-op replan is one, and takes tens of
// milliseconds. applied is the fingerprint returned last time: when it
// still describes the layer and configuration and Pebble still has the
// service (a restarted Pebble or container has lost its plan), they are
// known to be in place, and only the service is checked: one Pebble call.
func planWorkload(ctx context.Context, ctr *workload.Container, layer, config []byte, applied string) (planned, error) {
	fingerprint := workloadFingerprint(layer, config)
	if applied == fingerprint {
		svcs, err := ctr.Services(ctx, serviceName)
		if err != nil {
			return planned{}, err
		}
		if svc, inPlan := svcs[serviceName]; inPlan && svc.Active() {
			return planned{fingerprint: applied, services: svcs}, nil
		} else if inPlan {
			if err := ctr.Start(ctx, serviceName); err != nil {
				return planned{}, err
			}
			return planned{fingerprint: applied}, nil
		}
	}
	before, err := ctr.Plan(ctx)
	if err != nil {
		return planned{}, err
	}
	if err := ctr.AddLayer(ctx, layerLabel, layer, true); err != nil {
		return planned{}, err
	}
	after, err := ctr.Plan(ctx)
	if err != nil {
		return planned{}, err
	}
	done := planned{fingerprint: fingerprint}
	changed, err := ctr.PushIfChanged(ctx, configPath, config, workload.PushOptions{Permissions: 0o600, MakeDirs: true})
	if err != nil {
		return planned{}, err
	}
	if changed {
		return done, ctr.Restart(ctx, serviceName)
	}
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return planned{}, err
	}
	switch {
	case !svcs[serviceName].Active():
		return done, ctr.Start(ctx, serviceName)
	case !bytes.Equal(before, after):
		return done, ctr.Replan(ctx)
	}
	done.services = svcs
	return done, nil
}

// stopService stops hydra if it runs.
func stopService(ctx context.Context, ctr *workload.Container) error {
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return err
	}
	if svc, ok := svcs[serviceName]; !ok || !svc.Active() {
		return nil
	}
	return ctr.Stop(ctx, serviceName)
}
