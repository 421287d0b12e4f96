package ingress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Interface is the interface name in metadata; DefaultEndpoint is the
// endpoint name Traefik provides and most requirers use. Hydra and Kratos
// require it twice, on PublicEndpoint and AdminEndpoint.
const (
	Interface       = "ingress"
	DefaultEndpoint = "ingress"
	PublicEndpoint  = "public-ingress"
	AdminEndpoint   = "admin-ingress"
)

// Versions of the interface.
const (
	V1 = 1
	V2 = 2
)

// Databag keys. The requirer's application keys; v1 adds KeyHost there.
const (
	KeyModel         = "model"
	KeyName          = "name"
	KeyPort          = "port"
	KeyScheme        = "scheme"
	KeyStripPrefix   = "strip-prefix"
	KeyRedirectHTTPS = "redirect-https"
	KeyIsPortOpen    = "is_port_open"
	KeyHealthcheck   = "healthcheck_params"
	// KeyHost and KeyIP are the v2 requirer's unit keys; KeyHost is also
	// a v1 application key.
	KeyHost = "host"
	KeyIP   = "ip"
	// KeyIngress is the provider's application key.
	KeyIngress = "ingress"
)

// Scheme values; DefaultScheme is written by leaving "scheme" out.
const (
	SchemeHTTP    = "http"
	SchemeHTTPS   = "https"
	SchemeH2C     = "h2c"
	DefaultScheme = SchemeHTTP
)

// Health-check defaults the library fills in (IngressHealthCheck).
const (
	DefaultHealthcheckInterval = "30s"
	DefaultHealthcheckTimeout  = "5s"
)

// HealthCheck is the v2 "healthcheck_params" object (IngressHealthCheck),
// which Traefik turns into loadBalancer.healthCheck. Empty strings and a
// zero Port mean "not set" (the library's None); empty Interval and
// Timeout mean the defaults, which decoding fills in (also for an
// explicit "", which the library would pass on to Traefik).
type HealthCheck struct {
	Path     string
	Scheme   string
	Hostname string
	Port     int
	Interval string
	Timeout  string
}

// RequirerApp is the v2 requirer's application databag
// (IngressRequirerAppData). An empty Scheme means DefaultScheme.
type RequirerApp struct {
	Model         string
	Name          string
	Port          int
	Scheme        string
	StripPrefix   bool
	RedirectHTTPS bool
	IsPortOpen    bool
	HealthCheck   *HealthCheck
}

// RequirerUnit is the v2 requirer's unit databag (IngressRequirerUnitData).
// IP is empty when the unit could not tell it.
type RequirerUnit struct {
	Host string
	IP   string
}

// ProviderApp is the provider's application databag in either version.
type ProviderApp struct {
	URL string
}

// RequirerAppV1 is a v1 requirer's application databag. Name is what the
// requirer sent: an application name, or with some v1 requirers the
// leader's unit name ("app/0").
type RequirerAppV1 struct {
	Model         string
	Name          string
	Host          string
	Port          int
	StripPrefix   bool
	RedirectHTTPS bool
}

// requirerAppKeys and requirerUnitKeys are the vocabularies the library's
// models load (by alias); other keys are ignored. requirerAppKeysV1 is
// what the v1 provider reads.
var (
	requirerAppKeys   = []string{KeyModel, KeyName, KeyPort, KeyIsPortOpen, KeyHealthcheck, KeyStripPrefix, KeyRedirectHTTPS, KeyScheme}
	requirerUnitKeys  = []string{KeyHost, KeyIP}
	requirerAppKeysV1 = []string{KeyModel, KeyName, KeyHost, KeyPort, KeyStripPrefix, KeyRedirectHTTPS}
)

// validPort is the library's validate_port: 0 < port < 65535 (65535
// itself is refused, as upstream does).
func validPort(p int) error {
	if p <= 0 || p >= 65535 {
		return fmt.Errorf("port %d out of TCP range (1-65534)", p)
	}
	return nil
}

func checkScheme(s string) error {
	switch s {
	case SchemeHTTP, SchemeHTTPS, SchemeH2C:
		return nil
	}
	return fmt.Errorf("invalid scheme %s: should be one of http|https|h2c", databag.Quote(s))
}

// ---- v2 requirer application databag ----

// healthcheckJSON has IngressHealthCheck's field order; omitempty plays
// exclude_defaults (interval and timeout are cleared when default).
type healthcheckJSON struct {
	Path     string `json:"path"`
	Scheme   string `json:"scheme,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	Port     int    `json:"port,omitempty"`
	Interval string `json:"interval,omitempty"`
	Timeout  string `json:"timeout,omitempty"`
}

// EncodeRequirerApp returns the v2 requirer's application databag, byte
// for byte what IngressRequirerAppData.dump writes: every value
// json.dumps'ed, defaults left out. It refuses what the library's
// validators refuse (empty model or name are allowed, as there).
func EncodeRequirerApp(a RequirerApp) (map[string]string, error) {
	if err := validPort(a.Port); err != nil {
		return nil, &databag.KeyError{Key: KeyPort, Err: err}
	}
	scheme := a.Scheme
	if scheme == "" {
		scheme = DefaultScheme
	}
	if err := checkScheme(scheme); err != nil {
		return nil, &databag.KeyError{Key: KeyScheme, Err: err}
	}
	bag := make(map[string]string, 8)
	if err := putJSON(bag, KeyModel, a.Model); err != nil {
		return nil, err
	}
	if err := putJSON(bag, KeyName, a.Name); err != nil {
		return nil, err
	}
	bag[KeyPort] = strconv.Itoa(a.Port)
	if a.IsPortOpen {
		bag[KeyIsPortOpen] = "true"
	}
	if hc := a.HealthCheck; hc != nil {
		// An empty path passes pydantic's str, so it is written too.
		j := healthcheckJSON{Path: hc.Path, Scheme: hc.Scheme, Hostname: hc.Hostname, Port: hc.Port, Interval: hc.Interval, Timeout: hc.Timeout}
		if j.Interval == DefaultHealthcheckInterval {
			j.Interval = ""
		}
		if j.Timeout == DefaultHealthcheckTimeout {
			j.Timeout = ""
		}
		if err := putJSON(bag, KeyHealthcheck, j); err != nil {
			return nil, err
		}
	}
	if a.StripPrefix {
		bag[KeyStripPrefix] = "true"
	}
	if a.RedirectHTTPS {
		bag[KeyRedirectHTTPS] = "true"
	}
	if scheme != DefaultScheme {
		if err := putJSON(bag, KeyScheme, scheme); err != nil {
			return nil, err
		}
	}
	return bag, nil
}

func putJSON(bag map[string]string, key string, v any) error {
	if err := databag.PutJSON(bag, key, v); err != nil {
		return &databag.KeyError{Key: key, Err: err}
	}
	return nil
}

// DecodeRequirerApp parses a v2 requirer's application databag as
// IngressRequirerAppData.load does: each known key must hold JSON; model
// and name are strings, port an integer in range, scheme one of http,
// https, h2c; the booleans accept what pydantic's lax mode accepts (and
// null for strip-prefix and redirect-https, which are Optional); unknown
// keys are ignored. A boolean JSON port, which Python's isinstance(…, int)
// lets through as 0 or 1, is refused.
func DecodeRequirerApp(bag map[string]string) (RequirerApp, error) {
	raw, err := loadJSON(bag, requirerAppKeys)
	if err != nil {
		return RequirerApp{}, err
	}
	var a RequirerApp
	if a.Model, err = requiredString(raw, KeyModel); err != nil {
		return RequirerApp{}, err
	}
	if a.Name, err = requiredString(raw, KeyName); err != nil {
		return RequirerApp{}, err
	}
	pv, ok := raw[KeyPort]
	if !ok {
		return RequirerApp{}, &databag.KeyError{Key: KeyPort, Err: databag.ErrMissing}
	}
	if a.Port, err = strictInt(pv); err != nil {
		return RequirerApp{}, &databag.KeyError{Key: KeyPort, Err: err}
	}
	if err := validPort(a.Port); err != nil {
		return RequirerApp{}, &databag.KeyError{Key: KeyPort, Err: err}
	}
	if v, ok := raw[KeyIsPortOpen]; ok {
		b, null, err := laxBool(v)
		if err == nil && null {
			err = errors.New("null is not a boolean")
		}
		if err != nil {
			return RequirerApp{}, &databag.KeyError{Key: KeyIsPortOpen, Err: err}
		}
		a.IsPortOpen = b
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{KeyStripPrefix, &a.StripPrefix}, {KeyRedirectHTTPS, &a.RedirectHTTPS}} {
		if v, ok := raw[f.key]; ok {
			b, _, err := laxBool(v)
			if err != nil {
				return RequirerApp{}, &databag.KeyError{Key: f.key, Err: err}
			}
			*f.dst = b
		}
	}
	a.Scheme = DefaultScheme
	if v, ok := raw[KeyScheme]; ok {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			// null, numbers, lists…: not in the library's set either.
			return RequirerApp{}, databag.Errorf(KeyScheme, "invalid scheme: should be one of http|https|h2c")
		}
		if err := checkScheme(s); err != nil {
			return RequirerApp{}, &databag.KeyError{Key: KeyScheme, Err: err}
		}
		a.Scheme = s
	}
	if v, ok := raw[KeyHealthcheck]; ok && string(v) != "null" {
		hc, err := decodeHealthcheck(v)
		if err != nil {
			return RequirerApp{}, &databag.KeyError{Key: KeyHealthcheck, Err: err}
		}
		a.HealthCheck = hc
	}
	return a, nil
}

// loadJSON json.loads the values of the known keys, as DatabagModel.load
// does; an empty value counts as absent (Juju deletes a key set empty).
func loadJSON(bag map[string]string, keys []string) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		v, ok := bag[k]
		if !ok || v == "" {
			continue
		}
		if !json.Valid([]byte(v)) {
			return nil, databag.Errorf(k, "invalid databag contents: expecting JSON, got %s", databag.Quote(v))
		}
		out[k] = json.RawMessage(bytes.TrimSpace([]byte(v)))
	}
	return out, nil
}

func requiredString(raw map[string]json.RawMessage, key string) (string, error) {
	v, ok := raw[key]
	if !ok {
		return "", &databag.KeyError{Key: key, Err: databag.ErrMissing}
	}
	s, err := jsonString(v)
	if err != nil {
		return "", &databag.KeyError{Key: key, Err: err}
	}
	return s, nil
}

func jsonString(v json.RawMessage) (string, error) {
	if len(v) == 0 || v[0] != '"' {
		return "", fmt.Errorf("want a JSON string, got %s", databag.Quote(string(v)))
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("want a JSON string: %w", err)
	}
	return s, nil
}

// strictInt accepts a JSON integer only (the library asserts isinstance
// int before pydantic sees the value).
func strictInt(v json.RawMessage) (int, error) {
	s := string(v)
	if s == "" || strings.ContainsAny(s, ".eE") || (s[0] != '-' && !isDigit(s[0])) {
		return 0, fmt.Errorf("want a JSON integer, got %s", databag.Quote(s))
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("integer %s out of range", databag.Quote(s))
	}
	return n, nil
}

// laxInt is pydantic's lax int from JSON: an integer, a float with no
// fraction, or a string holding an integer.
func laxInt(v json.RawMessage) (int, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return 0, err
	}
	var s string
	switch t := x.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, fmt.Errorf("want an integer, got %s", databag.Quote(string(v)))
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) && f >= -1<<53 && f <= 1<<53 {
		return int(f), nil
	}
	return 0, fmt.Errorf("want an integer, got %s", databag.Quote(string(v)))
}

// laxBool is pydantic's lax bool from JSON: true/false, the numbers 0 and
// 1, and the strings 0/1, f/t, n/y, no/yes, off/on, false/true in any
// case. null reports null (for Optional[bool] fields).
func laxBool(v json.RawMessage) (b, null bool, err error) {
	switch s := string(v); s {
	case "true":
		return true, false, nil
	case "false":
		return false, false, nil
	case "null":
		return false, true, nil
	}
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return false, false, err
	}
	switch t := x.(type) {
	case float64:
		switch t {
		case 0:
			return false, false, nil
		case 1:
			return true, false, nil
		}
	case string:
		switch strings.ToLower(t) {
		case "0", "f", "n", "no", "off", "false":
			return false, false, nil
		case "1", "t", "y", "yes", "on", "true":
			return true, false, nil
		}
	}
	return false, false, fmt.Errorf("want a boolean, got %s", databag.Quote(string(v)))
}

func decodeHealthcheck(v json.RawMessage) (*HealthCheck, error) {
	var obj map[string]json.RawMessage
	if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &obj) != nil {
		return nil, fmt.Errorf("want a JSON object, got %s", databag.Quote(string(v)))
	}
	hc := &HealthCheck{Interval: DefaultHealthcheckInterval, Timeout: DefaultHealthcheckTimeout}
	p, ok := obj["path"]
	if !ok {
		return nil, errors.New("path: missing")
	}
	var err error
	if hc.Path, err = jsonString(p); err != nil {
		return nil, fmt.Errorf("path: %w", err)
	}
	for _, f := range []struct {
		key      string
		dst      *string
		optional bool
	}{
		{"scheme", &hc.Scheme, true},
		{"hostname", &hc.Hostname, true},
		{"interval", &hc.Interval, false},
		{"timeout", &hc.Timeout, false},
	} {
		v, ok := obj[f.key]
		if !ok || (f.optional && string(v) == "null") {
			continue
		}
		if *f.dst, err = jsonString(v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	if v, ok := obj["port"]; ok && string(v) != "null" {
		if hc.Port, err = laxInt(v); err != nil {
			return nil, fmt.Errorf("port: %w", err)
		}
	}
	// An explicit "" would reach Traefik as an empty duration; the
	// default is what was meant.
	if hc.Interval == "" {
		hc.Interval = DefaultHealthcheckInterval
	}
	if hc.Timeout == "" {
		hc.Timeout = DefaultHealthcheckTimeout
	}
	return hc, nil
}

// ---- v2 requirer unit databag ----

// EncodeRequirerUnit returns a v2 requirer unit's databag as
// IngressRequirerUnitData.dump writes it; "ip" is left out when empty.
func EncodeRequirerUnit(u RequirerUnit) (map[string]string, error) {
	if u.IP != "" {
		if err := validIP(u.IP); err != nil {
			return nil, &databag.KeyError{Key: KeyIP, Err: err}
		}
	}
	bag := make(map[string]string, 2)
	if err := putJSON(bag, KeyHost, u.Host); err != nil {
		return nil, err
	}
	if u.IP != "" {
		if err := putJSON(bag, KeyIP, u.IP); err != nil {
			return nil, err
		}
	}
	return bag, nil
}

// DecodeRequirerUnit parses a v2 requirer unit's databag: "host" a JSON
// string (required), "ip" a JSON string holding an IPv4 or IPv6 address,
// or null. Other keys (Juju's ingress-address…) are ignored.
func DecodeRequirerUnit(bag map[string]string) (RequirerUnit, error) {
	raw, err := loadJSON(bag, requirerUnitKeys)
	if err != nil {
		return RequirerUnit{}, err
	}
	var u RequirerUnit
	if u.Host, err = requiredString(raw, KeyHost); err != nil {
		return RequirerUnit{}, err
	}
	if v, ok := raw[KeyIP]; ok && string(v) != "null" {
		if u.IP, err = jsonString(v); err != nil {
			return RequirerUnit{}, &databag.KeyError{Key: KeyIP, Err: err}
		}
		if err := validIP(u.IP); err != nil {
			return RequirerUnit{}, &databag.KeyError{Key: KeyIP, Err: err}
		}
	}
	return u, nil
}

// validIP is the library's validate_ip: Python's IPv4Address or
// IPv6Address (which takes a scope, "fe80::1%eth0", but one '%' only).
func validIP(s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || strings.Count(s, "%") > 1 || (a.Is4() && a.Zone() != "") {
		return fmt.Errorf("%s is not a valid ip address", databag.Quote(s))
	}
	return nil
}

// ---- provider application databag ----

type urlJSON struct {
	URL string `json:"url"`
}

// EncodeProviderApp returns the v2 provider's application databag:
// "ingress" = json.dumps({"url": url}) with the URL as pydantic
// serializes it (see NormalizeURL). An invalid URL is a *KeyError.
func EncodeProviderApp(p ProviderApp) (map[string]string, error) {
	u, err := NormalizeURL(p.URL)
	if err != nil {
		return nil, &databag.KeyError{Key: KeyIngress, Err: err}
	}
	bag := make(map[string]string, 1)
	if err := putJSON(bag, KeyIngress, urlJSON{u}); err != nil {
		return nil, err
	}
	return bag, nil
}

// DecodeProviderApp parses the v2 provider's application databag as
// IngressProviderAppData.load does and returns the URL normalized as the
// library's requirer sees it (str of an AnyHttpUrl). An absent "ingress",
// or JSON null, is a *KeyError wrapping ErrMissing: not published yet.
func DecodeProviderApp(bag map[string]string) (ProviderApp, error) {
	raw, err := loadJSON(bag, []string{KeyIngress})
	if err != nil {
		return ProviderApp{}, err
	}
	v, ok := raw[KeyIngress]
	if !ok || string(v) == "null" {
		return ProviderApp{}, &databag.KeyError{Key: KeyIngress, Err: databag.ErrMissing}
	}
	var obj map[string]json.RawMessage
	if v[0] != '{' || json.Unmarshal(v, &obj) != nil {
		return ProviderApp{}, databag.Errorf(KeyIngress, "want a JSON object with a url, got %s", databag.Quote(string(v)))
	}
	uv, ok := obj["url"]
	if !ok {
		return ProviderApp{}, databag.Errorf(KeyIngress, "url: missing")
	}
	s, err := jsonString(uv)
	if err != nil {
		return ProviderApp{}, databag.Errorf(KeyIngress, "url: %v", err)
	}
	u, err := NormalizeURL(s)
	if err != nil {
		return ProviderApp{}, databag.Errorf(KeyIngress, "url: %v", err)
	}
	return ProviderApp{URL: u}, nil
}

// ---- v1 ----

// EncodeRequirerAppV1 returns a v1 requirer's application databag as the
// v1 library writes it: plain strings, "strip-prefix" and
// "redirect-https" only when true. Only tests and compatibility checks
// need it: our requirers speak v2.
func EncodeRequirerAppV1(a RequirerAppV1) (map[string]string, error) {
	for _, f := range []struct{ key, val string }{{KeyModel, a.Model}, {KeyName, a.Name}, {KeyHost, a.Host}} {
		if f.val == "" {
			return nil, &databag.KeyError{Key: f.key, Err: databag.ErrMissing}
		}
	}
	if err := validPort(a.Port); err != nil {
		return nil, &databag.KeyError{Key: KeyPort, Err: err}
	}
	bag := map[string]string{KeyModel: a.Model, KeyName: a.Name, KeyHost: a.Host, KeyPort: strconv.Itoa(a.Port)}
	if a.StripPrefix {
		bag[KeyStripPrefix] = "true"
	}
	if a.RedirectHTTPS {
		bag[KeyRedirectHTTPS] = "true"
	}
	return bag, nil
}

// DecodeRequirerAppV1 parses a v1 requirer's application databag as the
// v1 provider does: model, name, host and port are required; the flags
// are true only when exactly "true". The library int()s the port and
// would crash the hook on anything else; here a port that is not a
// decimal number, or out of v2's range, is a *KeyError.
func DecodeRequirerAppV1(bag map[string]string) (RequirerAppV1, error) {
	var a RequirerAppV1
	for _, f := range []struct {
		key string
		dst *string
	}{{KeyModel, &a.Model}, {KeyName, &a.Name}, {KeyHost, &a.Host}} {
		v, err := databag.Required(bag, f.key)
		if err != nil {
			return RequirerAppV1{}, err
		}
		*f.dst = v
	}
	ps, err := databag.Required(bag, KeyPort)
	if err != nil {
		return RequirerAppV1{}, err
	}
	// Python's int() takes surrounding whitespace and a sign.
	t := strings.TrimPrefix(strings.TrimSpace(ps), "+")
	if t == "" || strings.Trim(t, "0123456789") != "" {
		return RequirerAppV1{}, databag.Errorf(KeyPort, "not a decimal port: %s", databag.Quote(ps))
	}
	if a.Port, err = strconv.Atoi(t); err != nil || validPort(a.Port) != nil {
		return RequirerAppV1{}, databag.Errorf(KeyPort, "port %s out of TCP range (1-65534)", databag.Quote(ps))
	}
	a.StripPrefix = bag[KeyStripPrefix] == "true"
	a.RedirectHTTPS = bag[KeyRedirectHTTPS] == "true"
	return a, nil
}

// EncodeProviderAppV1 returns the v1 provider's application databag:
// "ingress" = yaml.safe_dump({"url": url}). The URL is written as given
// (v1 does not normalize it) and must be a valid http(s) URL made of
// printable ASCII without spaces, for which PyYAML writes a plain scalar
// unless the URL ends with ':' (then it single-quotes it).
func EncodeProviderAppV1(p ProviderApp) (map[string]string, error) {
	if _, err := NormalizeURL(p.URL); err != nil {
		return nil, &databag.KeyError{Key: KeyIngress, Err: err}
	}
	for i := 0; i < len(p.URL); i++ {
		if c := p.URL[i]; c <= ' ' || c >= 0x7f {
			return nil, databag.Errorf(KeyIngress, "URL must be printable ASCII without spaces")
		}
	}
	return map[string]string{KeyIngress: "url: " + yamlPlainOrQuoted(p.URL) + "\n"}, nil
}

// yamlPlainOrQuoted is PyYAML's scalar style choice for a printable-ASCII
// string without spaces that starts with a letter: plain, unless ':' ends
// it (": " and " #" cannot occur without spaces).
func yamlPlainOrQuoted(s string) string {
	if strings.HasSuffix(s, ":") {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// DecodeProviderAppV1 parses a v1 provider's "ingress" YAML and checks
// the URL as the v1 schema does (AnyHttpUrl); the URL is returned as
// written.
func DecodeProviderAppV1(bag map[string]string) (ProviderApp, error) {
	v, err := databag.Required(bag, KeyIngress)
	if err != nil {
		return ProviderApp{}, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(v), &doc); err != nil || doc == nil {
		return ProviderApp{}, databag.Errorf(KeyIngress, "want YAML with a url, got %s", databag.Quote(v))
	}
	u, ok := doc["url"].(string)
	if !ok {
		return ProviderApp{}, databag.Errorf(KeyIngress, "url: missing or not a string")
	}
	if _, err := NormalizeURL(u); err != nil {
		return ProviderApp{}, databag.Errorf(KeyIngress, "url: %v", err)
	}
	return ProviderApp{URL: u}, nil
}

// ---- version detection and whole requests ----

// IngressRequest is one requirer application's request as the provider
// sees it. For v1, App carries the v1 fields (Scheme is http: v1 has no
// other) and Units holds one unit, the host the leader sent: Traefik
// serves v1 "per leader". Err is nil when the request is ready; otherwise
// it is (or wraps) a *databag.KeyError, prefixed with the unit name when a
// unit databag is at fault.
type IngressRequest struct {
	RelationID int
	RemoteApp  string
	Version    int
	App        RequirerApp
	Units      []RequirerUnit
	Err        error
}

// DetectVersion says which version a requirer speaks, as Traefik's charm
// decides it: V2 when the application databag and every unit databag
// validate as v2, otherwise V1 when the application databag validates as
// v1. Data that validates as neither is not ready (Traefik wipes its URL);
// DetectVersion then names the version it looks like — V2 when the
// application databag's values are JSON (or it is empty), V1 when they
// are plain strings — so that the error reported is the useful one.
func DetectVersion(app map[string]string, units map[string]map[string]string) int {
	return DecodeRequest(app, units).Version
}

// DecodeRequest decodes one relation's requirer databags: app is the
// remote application's, units maps each joined remote unit's name
// ("hydra/1") to its databag. Units come out sorted by unit number. The
// result's RelationID and RemoteApp are left for the caller.
func DecodeRequest(app map[string]string, units map[string]map[string]string) IngressRequest {
	v2, err2 := decodeV2(app, units)
	if err2 == nil {
		return v2
	}
	a1, err1 := DecodeRequirerAppV1(app)
	if err1 == nil {
		return IngressRequest{
			Version: V1,
			App: RequirerApp{Model: a1.Model, Name: a1.Name, Port: a1.Port, Scheme: SchemeHTTP,
				StripPrefix: a1.StripPrefix, RedirectHTTPS: a1.RedirectHTTPS},
			Units: []RequirerUnit{{Host: a1.Host}},
		}
	}
	if looksV1(app) {
		return IngressRequest{Version: V1, Err: err1}
	}
	return IngressRequest{Version: V2, Err: err2}
}

func decodeV2(app map[string]string, units map[string]map[string]string) (IngressRequest, error) {
	a, err := DecodeRequirerApp(app)
	if err != nil {
		return IngressRequest{}, err
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return unitLess(names[i], names[j]) })
	out := make([]RequirerUnit, 0, len(names))
	for _, n := range names {
		u, err := DecodeRequirerUnit(units[n])
		if err != nil {
			return IngressRequest{}, fmt.Errorf("unit %s: %w", n, err)
		}
		out = append(out, u)
	}
	return IngressRequest{Version: V2, App: a, Units: out}, nil
}

// unitLess orders unit names by number ("app/2" before "app/10").
func unitLess(a, b string) bool {
	na, ea := unitNumber(a)
	nb, eb := unitNumber(b)
	if ea == nil && eb == nil && na != nb {
		return na < nb
	}
	return a < b
}

func unitNumber(name string) (int, error) {
	i := strings.LastIndexByte(name, '/')
	return strconv.Atoi(name[i+1:])
}

// looksV1 reports whether the application databag holds v1's plain
// strings: a model, name, port or host value that is not JSON.
func looksV1(app map[string]string) bool {
	for _, k := range []string{KeyModel, KeyName, KeyPort, KeyHost} {
		if v := app[k]; v != "" && !json.Valid([]byte(v)) {
			return true
		}
	}
	return false
}
