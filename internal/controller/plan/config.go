package plan

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/juju/charm/v12"
	coreconfig "github.com/juju/juju/core/config"
	"github.com/juju/juju/core/secrets"
	"gopkg.in/juju/environschema.v1"
	"gopkg.in/yaml.v2"
)

// TrustKey is the application-config key that grants an application
// access to the cloud credential (apiserver/facades/client/application
// trust.go).
const TrustKey = "trust"

// appConfigSchema is the application (not charm) configuration a
// Kubernetes model accepts: trust plus the CAAS keys (caas/config.go and
// internal/provider/kubernetes/config.go in Juju 3.6.11). `juju config`
// and `juju deploy --config` route these keys to the application and
// everything else to the charm. The local runtime stores them but acts
// only on trust.
var appConfigSchema = environschema.Fields{
	TrustKey:                                       {Type: environschema.Tbool},
	"juju-external-hostname":                       {Type: environschema.Tstring},
	"juju-application-path":                        {Type: environschema.Tstring},
	"kubernetes-service-type":                      {Type: environschema.Tstring},
	"kubernetes-service-annotations":               {Type: environschema.Tattrs},
	"kubernetes-service-external-ips":              {Type: environschema.Tstring},
	"kubernetes-service-target-port":               {Type: environschema.Tstring},
	"kubernetes-service-loadbalancer-ip":           {Type: environschema.Tstring},
	"kubernetes-service-loadbalancer-sourceranges": {Type: environschema.Tstring},
	"kubernetes-service-externalname":              {Type: environschema.Tstring},
	"kubernetes-ingress-class":                     {Type: environschema.Tstring},
	"kubernetes-ingress-ssl-redirect":              {Type: environschema.Tbool},
	"kubernetes-ingress-ssl-passthrough":           {Type: environschema.Tbool},
	"kubernetes-ingress-allow-http":                {Type: environschema.Tbool},
}

// IsAppConfigKey reports whether key is application configuration rather
// than a charm option.
func IsAppConfigKey(key string) bool {
	_, ok := appConfigSchema[key]
	return ok
}

// ConfigChange is what one `juju config <app> …` invocation asks for,
// parsed and validated. Juju applies the parts in this order: reset, get,
// set.
type ConfigChange struct {
	// GetAll is `juju config <app>` with nothing else.
	GetAll bool
	// Get is the single key of `juju config <app> <key>`.
	Get string
	// Reset are the charm options to put back to their defaults
	// (--reset a,b), in the order given.
	Reset []string
	// ResetApp are the application-config keys among the --reset keys.
	ResetApp []string
	// Set are the typed charm settings of key=value arguments: string
	// and secret options as string, int as int64, float as float64,
	// boolean as bool (charm.Config.ParseSettingsStrings).
	Set map[string]any
	// SetApp is the typed application config among key=value arguments
	// (trust as bool, …).
	SetApp map[string]any
}

// ConfigApplication splits `juju config` arguments into the application
// name and the rest, as the command's Init does: `no application name
// specified` when there is none or the first argument is a key=value.
func ConfigApplication(args []string) (string, []string, error) {
	if len(args) == 0 || strings.Contains(args[0], "=") {
		return "", nil, errors.New("no application name specified")
	}
	return args[0], args[1:], nil
}

// The actions of `juju config` and `juju model-config`, as Juju names
// them in its errors (cmd/juju/config config.go Action).
const (
	ConfigGetOne  = "get value"
	ConfigGetAll  = "get all values"
	ConfigSetArgs = "set key=value pairs"
	ConfigSetFile = "use --file flag"
	ConfigReset   = "use --reset flag"
)

// ConfigCommand is what the arguments of `juju config` or `juju
// model-config` ask for, before anything is looked up.
type ConfigCommand struct {
	// Actions are the actions to take, in Juju's order: file, reset, get,
	// set; just ConfigGetAll when nothing else is asked.
	Actions []string
	// KeyToGet is the key of a ConfigGetOne.
	KeyToGet string
	// SetArgs are the key=value arguments as typed, in order.
	SetArgs []string
	// ResetKeys are the --reset values split at their commas.
	ResetKeys []string
}

// ParseConfigCommand is cmd/juju/config ConfigCommandBase.Init: file
// tells whether --file was given, reset are the --reset values as typed
// (each a comma-separated list), cantReset the keys --reset refuses
// (model-config's read-only ones) and args the arguments after the
// application name, if any. Its errors are the client's, which Juju
// reports before it connects (exit code 2): `"k" cannot be reset`,
// `--reset accepts a comma delimited set of keys "a,b,c", received: "k=v"`,
// `expected "key=value", got "=v"`, `key "k" specified more than once`,
// `cannot use --reset flag and get value simultaneously`,
// `cannot specify multiple keys to get`,
// `cannot set and reset key "k" simultaneously`.
func ParseConfigCommand(file bool, reset, cantReset, args []string) (ConfigCommand, error) {
	var c ConfigCommand
	if file {
		c.Actions = append(c.Actions, ConfigSetFile)
	}
	if len(reset) > 0 {
		for _, value := range reset {
			c.ResetKeys = append(c.ResetKeys, strings.Split(strings.Trim(value, ","), ",")...)
		}
		for _, k := range c.ResetKeys {
			if slices.Contains(cantReset, k) {
				return ConfigCommand{}, fmt.Errorf("%q cannot be reset", k)
			}
			if strings.Contains(k, "=") {
				return ConfigCommand{}, fmt.Errorf(`--reset accepts a comma delimited set of keys "a,b,c", received: %q`, k)
			}
		}
		c.Actions = append(c.Actions, ConfigReset)
	}
	vals := map[string]bool{}
	var get []string
	for _, arg := range args {
		key, _, ok := strings.Cut(arg, "=")
		if !ok {
			get = append(get, arg)
			continue
		}
		if key == "" {
			return ConfigCommand{}, fmt.Errorf(`expected "key=value", got %q`, arg)
		}
		if vals[key] {
			return ConfigCommand{}, fmt.Errorf("key %q specified more than once", key)
		}
		vals[key] = true
		c.SetArgs = append(c.SetArgs, arg)
	}
	if len(get) > 0 {
		c.Actions = append(c.Actions, ConfigGetOne)
	}
	if len(c.SetArgs) > 0 {
		c.Actions = append(c.Actions, ConfigSetArgs)
	}
	if len(c.Actions) == 0 {
		c.Actions = []string{ConfigGetAll}
		return c, nil
	}
	if len(c.Actions) > 1 && len(get) > 0 {
		return ConfigCommand{}, multiActionError(c.Actions)
	}
	if len(get) > 1 {
		return ConfigCommand{}, errors.New("cannot specify multiple keys to get")
	}
	if len(get) == 1 {
		c.KeyToGet = get[0]
	}
	for _, k := range c.ResetKeys {
		if vals[k] {
			return ConfigCommand{}, fmt.Errorf("cannot set and reset key %q simultaneously", k)
		}
	}
	return c, nil
}

// maxValueSize is the largest @file value Juju reads (5 MiB,
// cmd/juju/application/utils/utils.go).
const maxValueSize = 5242880

// ParseConfigArgs validates `juju config <app> [--reset k[,k]] [k=v …] [k]`
// against the application's charm. args are the arguments after the
// application name; reset are the values of the --reset flags (each a
// comma-separated list). It follows, in order:
//
//   - cmd/juju/config/config.go ConfigCommandBase.Init, that is
//     ParseConfigCommand (without --file, every key resettable);
//   - cmd/juju/application/config.go: @file values (read relative to
//     the working directory, at most 5M), `value for option "k" contains
//     non-UTF-8 sequences`, and for a get `key "k" not found in "app"
//     application config or charm settings.`;
//   - the controller (apiserver/facades/client/application/application.go
//     setConfig, unsetApplicationConfig; state Application.UpdateCharmConfig):
//     `parsing settings for application: unknown option "k"`,
//     `parsing settings for application: option "port" expected int, got "x"`,
//     `parsing settings for application: trust: expected bool, got string("x")`,
//     `updating application charm settings: unknown option "k"` for a reset,
//     and an invalid secret URI for a secret option.
//
// Several bad keys: Juju reports whichever its map iteration meets first;
// here the first in sorted order.
func ParseConfigArgs(ch *Charm, app string, args, reset []string) (*ConfigChange, error) {
	c := &ConfigChange{}
	parsed, err := ParseConfigCommand(false, reset, nil, args)
	if err != nil {
		return nil, err
	}
	if slices.Contains(parsed.Actions, ConfigGetAll) {
		c.GetAll = true
		return c, nil
	}
	vals := map[string]string{}
	var valKeys []string
	for _, arg := range parsed.SetArgs {
		key, value, _ := strings.Cut(arg, "=")
		vals[key] = value
		valKeys = append(valKeys, key)
	}

	// Run: reset, get, set.
	cfg := ch.Config()
	var unknown []string
	for _, k := range parsed.ResetKeys {
		if IsAppConfigKey(k) {
			c.ResetApp = append(c.ResetApp, k)
			continue
		}
		if _, ok := cfg.Options[k]; !ok {
			unknown = append(unknown, k)
		}
		c.Reset = append(c.Reset, k)
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("updating application charm settings: unknown option %q", unknown[0])
	}
	if slices.Contains(parsed.Actions, ConfigGetOne) {
		key := parsed.KeyToGet
		if _, ok := cfg.Options[key]; !ok && !IsAppConfigKey(key) {
			return nil, fmt.Errorf("key %q not found in %q application config or charm settings.", key, app)
		}
		c.Get = key
	}
	if len(vals) == 0 {
		return c, nil
	}
	for _, k := range valKeys {
		v := vals[k]
		if strings.HasPrefix(v, "@") {
			read, err := readValue(v[1:])
			if err != nil {
				return nil, err
			}
			v = read
		}
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("value for option %q contains non-UTF-8 sequences", k)
		}
		vals[k] = v
	}
	charmStrings, appAttrs := splitAppConfig(vals)
	appCfg, err := validateAppConfig(appAttrs)
	if err != nil {
		return nil, fmt.Errorf("parsing settings for application: %w", err)
	}
	settings, err := parseSettingsStrings(cfg, charmStrings)
	if err != nil {
		return nil, fmt.Errorf("parsing settings for application: %w", err)
	}
	if err := validateSecretOptions(cfg, settings); err != nil {
		return nil, fmt.Errorf("parsing settings for application: %w", err)
	}
	c.Set, c.SetApp = settings, appCfg
	return c, nil
}

// multiActionError is config.go's multiActionError.
func multiActionError(actions []string) error {
	var b strings.Builder
	for i, a := range actions {
		switch {
		case i == 0:
		case i == len(actions)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(a)
	}
	return fmt.Errorf("cannot %s simultaneously", b.String())
}

// readValue is utils.ReadValue: an @file value's content.
func readValue(name string) (string, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", fmt.Errorf("cannot read option from file %q: %v", name, err)
	}
	if fi.Size() > maxValueSize {
		return "", errors.New("size of option file is larger than 5M")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("cannot read option from file %q: %v", name, err)
	}
	return string(data), nil
}

// splitAppConfig is splitApplicationAndCharmConfig.
func splitAppConfig(in map[string]string) (charmCfg map[string]string, appCfg map[string]any) {
	charmCfg, appCfg = map[string]string{}, map[string]any{}
	for k, v := range in {
		if IsAppConfigKey(k) {
			appCfg[k] = v
		} else {
			charmCfg[k] = v
		}
	}
	return charmCfg, appCfg
}

// validateAppConfig coerces application config with Juju's own checker
// (core/config.NewConfig: YAML-typed strings, then the schema).
func validateAppConfig(attrs map[string]any) (map[string]any, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	cfg, err := coreconfig.NewConfig(attrs, appConfigSchema, nil)
	if err != nil {
		return nil, err
	}
	return cfg.Attributes(), nil
}

// parseSettingsStrings is charm.Config.ParseSettingsStrings one key at a
// time in sorted order, so that the first error is always the same one.
func parseSettingsStrings(cfg *charm.Config, values map[string]string) (map[string]any, error) {
	out := map[string]any{}
	keys := sortedKeys(values)
	for _, k := range keys {
		s, err := cfg.ParseSettingsStrings(map[string]string{k: values[k]})
		if err != nil {
			return nil, err
		}
		out[k] = s[k]
	}
	return out, nil
}

// validateSecretOptions is the controller's validateSecretConfig: a
// non-empty secret option must be a valid secret URI.
func validateSecretOptions(cfg *charm.Config, settings map[string]any) error {
	for _, name := range sortedKeys(settings) {
		opt, ok := cfg.Options[name]
		if !ok {
			return fmt.Errorf("unknown option %q not valid", name)
		}
		if opt.Type != "secret" {
			continue
		}
		value := settings[name]
		if value == nil {
			continue
		}
		s, ok := value.(string)
		if !ok {
			// Juju formats the name with %T here.
			return fmt.Errorf("secret value should be a string, got %T instead not valid", name)
		}
		if s == "" {
			continue
		}
		if _, err := secrets.ParseURI(s); err != nil {
			return fmt.Errorf("invalid secret URI for option %q: %w", name, err)
		}
	}
	return nil
}

// ValidateConfig checks typed settings — bundle options, a config YAML
// file's values — against the charm's options, as the controller does
// before storing them (charm.Config.ValidateSettings, then the secret URI
// check). It returns the coerced settings (ints as int64, floats as
// float64; nil means "reset to default"). Application-config keys (trust,
// kubernetes-*) are left out of the result and validated separately; use
// SplitConfig to get them.
func ValidateConfig(ch *Charm, settings map[string]any) (map[string]any, error) {
	charmSettings, _, err := SplitConfig(ch, settings)
	return charmSettings, err
}

// SplitConfig validates settings like ValidateConfig and also returns the
// application config among them, coerced by Juju's schema.
func SplitConfig(ch *Charm, settings map[string]any) (charmSettings, appConfig map[string]any, err error) {
	cfg := ch.Config()
	appAttrs := map[string]any{}
	charmSettings = map[string]any{}
	for _, k := range sortedKeys(settings) {
		if IsAppConfigKey(k) {
			appAttrs[k] = settings[k]
			continue
		}
		s, err := cfg.ValidateSettings(charm.Settings{k: settings[k]})
		if err != nil {
			return nil, nil, err
		}
		charmSettings[k] = s[k]
	}
	if appConfig, err = validateAppConfig(appAttrs); err != nil {
		return nil, nil, err
	}
	if err := validateSecretOptions(cfg, charmSettings); err != nil {
		return nil, nil, err
	}
	return charmSettings, appConfig, nil
}

// DeployConfig is the configuration of `juju deploy --config … [--trust]`.
type DeployConfig struct {
	// Charm are the typed charm settings.
	Charm map[string]any
	// App is the application config (trust, kubernetes-*).
	App map[string]any
}

// ParseDeployConfig validates the --config values of `juju deploy
// <charm> [<app>]` and --trust against the charm, following
// common.ConfigFlag.Set and utils.ProcessConfig on the client and
// parseCharmSettings on the controller:
//
//   - a value with "=" is key=value (the last one wins, "@file" reads a
//     file), one without is a YAML file of the form `<app>: {key: value}`
//     (at most one: `only a single config YAML file can be specified, got 2`);
//   - --trust sets trust=true; without it a trust=… pair is dropped;
//   - key=value pairs override the file; an empty value resets the
//     option to its default (nil in the result), as the controller's
//     parseSettingsCompatible does when a file is given, and is parsed as
//     an empty string otherwise;
//   - errors are the controller's: `unknown option "k"`,
//     `option "port" expected int, got "x"`, `no settings found for "app"`.
func ParseDeployConfig(ch *Charm, app string, configFlags []string, trust bool) (*DeployConfig, error) {
	var files []string
	pairs := map[string]string{}
	for _, s := range configFlags {
		if s == "" {
			return nil, errors.New("empty string not valid")
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			files = append(files, s)
			continue
		}
		pairs[k] = v
	}
	if len(files) > 1 {
		return nil, fmt.Errorf("only a single config YAML file can be specified, got %d", len(files))
	}
	for k, v := range pairs {
		if strings.HasPrefix(v, "@") {
			read, err := readValue(v[1:])
			if err != nil {
				return nil, err
			}
			pairs[k] = read
		}
	}
	// --trust sets trust=true over any --config trust=…; without it the
	// key is dropped, as the deploy command does (deployer/charm.go). A
	// config file's trust still applies.
	if trust {
		pairs[TrustKey] = strconv.FormatBool(trust)
	} else {
		delete(pairs, TrustKey)
	}
	charmStrings, appAttrs := splitAppConfig(pairs)
	cfg := ch.Config()
	out := &DeployConfig{Charm: map[string]any{}}
	if len(files) == 0 {
		settings, err := parseSettingsStrings(cfg, charmStrings)
		if err != nil {
			return nil, err
		}
		out.Charm = settings
	} else {
		data, err := os.ReadFile(files[0])
		if err != nil {
			return nil, err
		}
		fileApp, fileCharm, err := settingsFromYAML(cfg, data, app)
		if err != nil {
			return nil, err
		}
		for k, v := range fileApp {
			if _, ok := appAttrs[k]; !ok {
				appAttrs[k] = v
			}
		}
		out.Charm = fileCharm
		// parseSettingsCompatible: "" unsets, the rest is parsed.
		set := map[string]string{}
		for k, v := range charmStrings {
			if v == "" {
				if _, err := cfg.ValidateSettings(charm.Settings{k: nil}); err != nil {
					return nil, err
				}
				out.Charm[k] = nil
				continue
			}
			set[k] = v
		}
		parsed, err := parseSettingsStrings(cfg, set)
		if err != nil {
			return nil, err
		}
		for k, v := range parsed {
			out.Charm[k] = v
		}
	}
	var err error
	if out.App, err = validateAppConfig(appAttrs); err != nil {
		return nil, err
	}
	if err := validateSecretOptions(cfg, out.Charm); err != nil {
		return nil, err
	}
	return out, nil
}

// settingsFromYAML reads a deploy config file: the application's section,
// split into application config and charm settings
// (splitApplicationAndCharmConfigFromYAML, charm.Config.ParseSettingsYAML).
func settingsFromYAML(cfg *charm.Config, data []byte, app string) (map[string]any, map[string]any, error) {
	var all map[string]any
	if err := yaml.Unmarshal(data, &all); err != nil {
		return nil, nil, fmt.Errorf("cannot parse settings data: %w", err)
	}
	section, ok := all[app].(map[any]any)
	if !ok {
		return nil, nil, fmt.Errorf("no settings found for %q", app)
	}
	appAttrs := map[string]any{}
	for k, v := range section {
		if key, ok := k.(string); ok && IsAppConfigKey(key) {
			appAttrs[key] = v
			delete(section, k)
		}
	}
	if len(section) == 0 {
		return appAttrs, map[string]any{}, nil
	}
	rest, err := yaml.Marshal(map[string]any{app: section})
	if err != nil {
		return nil, nil, fmt.Errorf("cannot marshall charm settings: %w", err)
	}
	settings, err := cfg.ParseSettingsYAML(rest, app)
	if err != nil {
		return nil, nil, err
	}
	return appAttrs, settings, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
