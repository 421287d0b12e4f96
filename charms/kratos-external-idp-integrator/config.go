package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/externalprovider"
)

// settings is the charm configuration, checked.
type settings struct {
	provider externalprovider.Provider
	enabled  bool
	// ignored names options that are set but mean nothing for the
	// provider type (the reference charm logs these and carries on).
	ignored []string
}

// configError names the option that is wrong and why. It never quotes a
// secret option's value.
type configError struct {
	option string
	reason string
}

func (e *configError) Error() string { return e.option + " " + e.reason }

// optionForKey maps the interface's wire keys to the options they come from.
var optionForKey = map[string]string{
	"provider":             "provider",
	"client_id":            "client_id",
	"client_secret":        "client_secret",
	"issuer_url":           "issuer_url",
	"microsoft_tenant":     "microsoft_tenant_id",
	"apple_team_id":        "apple_team_id",
	"apple_private_key_id": "apple_private_key_id",
	"apple_private_key":    "apple_private_key",
	"id":                   "provider_id",
	"scope":                "scope",
	"label":                "label",
	"jsonnet_mapper":       "jsonnet_mapper",
}

// stringOptions are read as strings; an unset option (no default) is
// absent from config-get and reads as "".
var stringOptions = []string{
	"provider", "client_id", "client_secret", "issuer_url", "microsoft_tenant_id",
	"apple_team_id", "apple_private_key_id", "apple_private_key", "jsonnet_mapper",
	"provider_id", "label", "scope", "secret_backend",
}

// parseSettings turns config-get output into settings. Surrounding white
// space is trimmed from every option but the multi-line jsonnet mapper
// and private key, because a pasted client ID with a trailing newline
// fails at the IdP in ways that are hard to trace back.
func parseSettings(cfg map[string]any) (settings, error) {
	str := make(map[string]string, len(stringOptions))
	for _, name := range stringOptions {
		v, ok := cfg[name]
		if !ok || v == nil {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return settings{}, &configError{name, fmt.Sprintf("must be a string, got %T", v)}
		}
		if name != "jsonnet_mapper" && name != "apple_private_key" {
			s = strings.TrimSpace(s)
		}
		str[name] = s
	}
	enabled := true
	if v, ok := cfg["enabled"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return settings{}, &configError{"enabled", fmt.Sprintf("must be a boolean, got %T", v)}
		}
		enabled = b
	}

	typ := str["provider"]
	p := externalprovider.Provider{
		Type:          typ,
		ClientID:      str["client_id"],
		ClientSecret:  str["client_secret"],
		Scope:         externalprovider.ParseScope(str["scope"]),
		ID:            str["provider_id"],
		Label:         str["label"],
		JsonnetMapper: str["jsonnet_mapper"],
	}
	var ignored []string
	ignore := func(option string) {
		if str[option] != "" {
			ignored = append(ignored, option)
		}
	}
	switch typ {
	case "generic", "auth0":
		p.IssuerURL = str["issuer_url"]
	default:
		ignore("issuer_url")
	}
	if typ == "microsoft" {
		p.MicrosoftTenant = str["microsoft_tenant_id"]
	} else {
		ignore("microsoft_tenant_id")
	}
	if typ == "apple" {
		p.AppleTeamID = str["apple_team_id"]
		p.ApplePrivateKeyID = str["apple_private_key_id"]
		p.ApplePrivateKey = str["apple_private_key"]
		// Apple takes no client secret (Kratos rejects one); the reference
		// charm drops it, so an operator who set it is told, not blocked.
		ignore("client_secret")
		p.ClientSecret = ""
	} else {
		ignore("apple_team_id")
		ignore("apple_private_key_id")
		ignore("apple_private_key")
	}

	p.Normalize()
	if err := p.Validate(); err != nil {
		var fe *externalprovider.FieldError
		if errors.As(err, &fe) {
			option := optionForKey[fe.Key]
			if option == "" {
				option = fe.Key
			}
			reason := strings.ReplaceAll(fe.Reason, "microsoft_tenant", "microsoft_tenant_id")
			return settings{}, &configError{option, reason}
		}
		return settings{}, err
	}
	return settings{provider: p, enabled: enabled, ignored: ignored}, nil
}
