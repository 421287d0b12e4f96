package main

import (
	"fmt"
	"slices"
	"strings"
)

// logLevels are the levels Hydra's logger (logrusx) accepts.
var logLevels = []string{"panic", "fatal", "error", "warn", "info", "debug", "trace"}

// settings is the charm configuration, checked.
type settings struct {
	logLevel        string
	jwtAccessTokens bool
	dev             bool
	autoMigrate     bool
	// initialSystemSecret and initialCookieSecret are the URIs of user
	// secrets holding the first keys ("" when not set).
	initialSystemSecret string
	initialCookieSecret string
}

// defaultSettings are the charmcraft.yaml defaults, for callers that must
// go on when the configuration is invalid (actions).
func defaultSettings() settings {
	return settings{logLevel: "info", jwtAccessTokens: true}
}

// configError names the option that is wrong and why; it never quotes a
// secret.
type configError struct {
	option string
	reason string
}

func (e *configError) Error() string { return e.option + " " + e.reason }

// parseSettings turns config-get output into settings. Juju has already
// checked the types against charmcraft.yaml; they are checked again so
// that a hand-made config cannot panic the charm.
func parseSettings(cfg map[string]any) (settings, error) {
	s := defaultSettings()
	var err error
	if s.logLevel, err = stringOption(cfg, "log_level", s.logLevel); err != nil {
		return settings{}, err
	}
	// The reference charm's template falls back to info for anything else;
	// a typo is better reported than silently ignored.
	s.logLevel = strings.TrimSpace(s.logLevel)
	if !slices.Contains(logLevels, s.logLevel) {
		return settings{}, &configError{"log_level", "must be one of " + strings.Join(logLevels, ", ")}
	}
	for _, b := range []struct {
		name string
		v    *bool
	}{{"jwt_access_tokens", &s.jwtAccessTokens}, {"dev", &s.dev}, {"auto_migrate", &s.autoMigrate}} {
		if *b.v, err = boolOption(cfg, b.name, *b.v); err != nil {
			return settings{}, err
		}
	}
	for _, o := range []struct {
		name string
		v    *string
	}{{"initial_system_secret_id", &s.initialSystemSecret}, {"initial_cookie_secret_id", &s.initialCookieSecret}} {
		if *o.v, err = stringOption(cfg, o.name, ""); err != nil {
			return settings{}, err
		}
		*o.v = strings.TrimSpace(*o.v)
		if *o.v != "" && !strings.HasPrefix(*o.v, "secret:") {
			return settings{}, &configError{o.name, "must be a secret URI (secret:…)"}
		}
	}
	return s, nil
}

func stringOption(cfg map[string]any, name, def string) (string, error) {
	v, ok := cfg[name]
	if !ok || v == nil {
		return def, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", &configError{name, fmt.Sprintf("must be a string, got %T", v)}
	}
	return s, nil
}

func boolOption(cfg map[string]any, name string, def bool) (bool, error) {
	v, ok := cfg[name]
	if !ok || v == nil {
		return def, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, &configError{name, fmt.Sprintf("must be a boolean, got %T", v)}
	}
	return b, nil
}
