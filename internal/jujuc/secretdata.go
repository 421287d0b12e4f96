package jujuc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rs/xid"
	"gopkg.in/yaml.v2"
)

// SecretURI identifies a secret: "secret:<xid>" for the local model, or
// "secret://<model-uuid>/<xid>" for another model's secret.
type SecretURI struct {
	SourceUUID string
	ID         string
}

const secretScheme = "secret"

var (
	secretUUIDRule = regexp.MustCompile(`[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`)
	secretIDRule   = regexp.MustCompile(`^(?:([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})/)?([0-9a-z]{20})$`)
)

// NewSecretURI returns a fresh local secret URI (a new xid, as Juju makes).
func NewSecretURI() *SecretURI { return &SecretURI{ID: xid.New().String()} }

// ParseSecretURI parses a secret URI or a bare secret ID as Juju's
// core/secrets.ParseURI does, with its error messages.
func ParseSecretURI(s string) (*SecretURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "" {
		u.Scheme = secretScheme
	} else if u.Scheme != secretScheme {
		return nil, notValidf("secret URI scheme %q", u.Scheme)
	}
	if u.Host != "" && !secretUUIDRule.MatchString(u.Host) {
		return nil, notValidf("host controller UUID %q", u.Host)
	}
	id := strings.TrimLeft(u.Path, "/")
	if id == "" {
		id = u.Opaque
	}
	m := secretIDRule.FindStringSubmatch(id)
	if m == nil {
		return nil, notValidf("secret URI %q", s)
	}
	source := m[1]
	if source == "" {
		source = u.Host
	}
	x, err := xid.FromString(m[2])
	if err != nil {
		return nil, notValidf("secret URI %q", s)
	}
	return &SecretURI{SourceUUID: source, ID: x.String()}, nil
}

// String renders the URI as secret-add prints it.
func (u *SecretURI) String() string {
	if u == nil {
		return ""
	}
	if u.SourceUUID == "" {
		return (&url.URL{Scheme: secretScheme, Opaque: u.ID}).String()
	}
	return (&url.URL{Scheme: secretScheme, Host: u.SourceUUID, Path: u.ID}).String()
}

// SecretValue is secret content as Juju carries it: key -> base64 of the
// value. Keys ending in #base64 were given already encoded.
type SecretValue map[string]string

// Values decodes every value.
func (v SecretValue) Values() (map[string]string, error) {
	out := make(map[string]string, len(v))
	for k, enc := range v {
		dec, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, err
		}
		out[k] = string(dec)
	}
	return out, nil
}

// KeyValue returns one decoded value; "key#base64" returns it encoded.
func (v SecretValue) KeyValue(key string) (string, error) {
	raw := false
	if k, ok := strings.CutSuffix(key, secretBase64Suffix); ok {
		key, raw = k, true
	}
	enc, ok := v[key]
	if !ok {
		return "", NotFoundf("secret key value %q", key)
	}
	if raw {
		return enc, nil
	}
	dec, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(enc)))
	if err != nil {
		return "", err
	}
	return string(dec), nil
}

// EncodeSecretValue encodes plain content into a SecretValue.
func EncodeSecretValue(plain map[string]string) SecretValue {
	out := make(SecretValue, len(plain))
	for k, v := range plain {
		out[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return out
}

// SecretCreateArgs are secret-add's arguments. Owner is "application" or
// "unit".
type SecretCreateArgs struct {
	SecretUpdateArgs
	Owner string
}

// SecretUpdateArgs are secret-set's arguments; nil fields are unchanged
// and an empty Value means no new revision.
type SecretUpdateArgs struct {
	Value        SecretValue
	RotatePolicy *string
	ExpireTime   *time.Time
	Description  *string
	Label        *string
}

// SecretGrantRevokeArgs name the subject of a grant or revoke; a unit
// takes precedence over the application, as in Juju.
type SecretGrantRevokeArgs struct {
	ApplicationName *string
	UnitName        *string
	RelationKey     *string
}

// SecretMetadata is what secret-info-get shows of a secret the unit
// manages.
type SecretMetadata struct {
	// Owner is the owner kind: "application" or "unit".
	Owner            string
	Description      string
	Label            string
	RotatePolicy     string
	LatestRevision   int
	LatestExpireTime *time.Time
	NextRotateTime   *time.Time
	Access           []SecretAccess
}

// SecretAccess is one grant: Target and Scope are Juju tags
// ("application-kratos", "relation-hydra.db#kratos.db"), Role is "view".
type SecretAccess struct {
	Target string
	Scope  string
	Role   string
}

// RotatePolicies are the valid --rotate values.
var RotatePolicies = []string{"never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"}

func validRotatePolicy(p string) bool {
	for _, v := range RotatePolicies {
		if v == p {
			return true
		}
	}
	return false
}

const (
	secretFileSuffix   = "#file"
	secretBase64Suffix = "#base64"
	// Juju caps values and content at 1MB (not MiB), what every backend
	// accepts.
	maxSecretValueSize   = 1000 * 1000
	maxSecretContentSize = 1000 * 1000
)

var secretKeyRule = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

// secretDataFromArgs turns key=value, key#base64=value and key#file=path
// arguments into encoded content (Juju's CreateSecretData). Relative paths
// resolve against dir.
func secretDataFromArgs(root, dir string, args []string) (SecretValue, error) {
	data := map[string]string{}
	for _, arg := range args {
		// Padding "=" of a base64 value must not be taken for the separator.
		idx := strings.Index(strings.TrimRight(arg, "="), "=")
		if idx < 1 {
			return nil, notValidf("key value %q", arg)
		}
		key, value := arg[:idx], arg[idx+1:]
		k, isFile := strings.CutSuffix(key, secretFileSuffix)
		if !isFile {
			data[key] = value
			continue
		}
		path := rootPath(root, resolvePath(dir, value))
		if fi, err := os.Stat(path); err == nil && fi.Size() > maxSecretValueSize {
			return nil, fmt.Errorf("secret content in file %q too large: %d bytes", path, fi.Size())
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading content for secret key %q: %w", k, err)
		}
		data[k] = string(content)
	}
	return encodeSecretData(data)
}

// secretDataFromFile reads a JSON or YAML map of secret content.
func secretDataFromFile(root, dir, name string) (SecretValue, error) {
	path := rootPath(root, resolvePath(dir, name))
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxSecretContentSize {
		return nil, fmt.Errorf("secret content in file %q too large: %d bytes", path, fi.Size())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Like Juju: JSON first, then YAML into the same map.
	attrs := map[string]string{}
	if err := json.Unmarshal(raw, &attrs); err != nil {
		if err := yaml.Unmarshal(raw, &attrs); err != nil {
			return nil, err
		}
	}
	data := attrs
	return encodeSecretData(data)
}

// encodeSecretData base64-encodes values (except #base64 keys, which are
// taken as encoded), checks key names and sizes.
func encodeSecretData(in map[string]string) (SecretValue, error) {
	out := make(SecretValue, len(in))
	total := 0
	for key, value := range in {
		if k, ok := strings.CutSuffix(key, secretBase64Suffix); ok {
			key = k
		} else {
			value = base64.StdEncoding.EncodeToString([]byte(value))
		}
		if !secretKeyRule.MatchString(key) {
			return nil, notValidf("key %q", key)
		}
		if len(value) > maxSecretValueSize {
			return nil, fmt.Errorf("base64 encoded secret content for key %q too large: %d bytes", key, len(value))
		}
		out[key] = value
		total += len(value)
	}
	if total > maxSecretContentSize {
		return nil, fmt.Errorf("base64 encoded secret content too large: %d bytes", total)
	}
	return out, nil
}
