package externalprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// field is one wire key of a provider, in the order pydantic serializes
// the reference models: BaseProvider's fields first, then the subclass's.
type field struct {
	key      string
	value    func(p *Provider) string
	nullable bool // written as null when empty
}

var baseFields = []field{
	{"provider", func(p *Provider) string { return p.Type }, false},
	{"client_id", func(p *Provider) string { return p.ClientID }, false},
	{"scope", func(p *Provider) string { return strings.Join(p.Scope, " ") }, false},
	{"id", func(p *Provider) string { return p.ID }, true},
	{"label", func(p *Provider) string { return p.Label }, true},
	{"jsonnet_mapper", func(p *Provider) string { return p.JsonnetMapper }, true},
	{"mapper_url", func(p *Provider) string { return p.MapperURL }, true},
}

var (
	clientSecretField = field{"client_secret", func(p *Provider) string { return p.ClientSecret }, false}
	issuerField       = field{"issuer_url", func(p *Provider) string { return p.IssuerURL }, false}
	tenantField       = field{"microsoft_tenant", func(p *Provider) string { return p.MicrosoftTenant }, false}
	appleFields       = []field{
		{"apple_team_id", func(p *Provider) string { return p.AppleTeamID }, false},
		{"apple_private_key_id", func(p *Provider) string { return p.ApplePrivateKeyID }, false},
		{"apple_private_key", func(p *Provider) string { return p.ApplePrivateKey }, false},
	}
)

// typeFields are the subclass fields of the reference model for a type.
func typeFields(typ string) []field {
	switch typ {
	case "generic", "auth0":
		return []field{issuerField, clientSecretField}
	case "microsoft":
		return []field{clientSecretField, tenantField}
	case "apple":
		return appleFields
	default:
		return []field{clientSecretField}
	}
}

// EncodeProviders renders the provider app databag value: byte for byte
// what the reference library's Providers.model_dump_json() writes (compact
// JSON, model field order, nulls kept, non-ASCII unescaped). Providers are
// validated first, so a broken provider never reaches the databag.
func EncodeProviders(providers []Provider) (string, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range providers {
		p := providers[i]
		p.Normalize()
		if err := p.Validate(); err != nil {
			return "", fmt.Errorf("provider %d: %w", i, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		fields := append(append([]field(nil), baseFields...), typeFields(p.Type)...)
		for j, f := range fields {
			if j > 0 {
				b.WriteByte(',')
			}
			writeString(&b, f.key)
			b.WriteByte(':')
			if v := f.value(&p); v == "" && f.nullable {
				b.WriteString("null")
			} else {
				writeString(&b, v)
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String(), nil
}

// writeString writes s as a JSON string the way pydantic-core does:
// only '"', '\\' and control characters are escaped; everything else,
// including '<', '>', '&' and U+2028, is written as UTF-8.
func writeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // invalid UTF-8 becomes U+FFFD, as in Python's decode
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}

// DecodeProviders parses a provider app databag value as the reference
// requirer does: a JSON list of providers; "provider_id" is accepted for
// "id" and "microsoft_tenant_id" for "microsoft_tenant"; scope is a
// space-separated string; unknown keys are ignored. Each provider is
// normalized and validated; errors name the list index and key.
func DecodeProviders(raw string) ([]Provider, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, databag.Errorf(DataKey, "not a JSON list of objects: %w", err)
	}
	out := make([]Provider, 0, len(items))
	for i, item := range items {
		p, err := decodeProvider(item)
		if err != nil {
			return nil, databag.Errorf(DataKey, "item %d: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func decodeProvider(item map[string]json.RawMessage) (Provider, error) {
	if item == nil {
		return Provider{}, errors.New("is null, expected an object")
	}
	var p Provider
	var scope string
	targets := []struct {
		keys []string // first present wins, like pydantic AliasChoices
		dst  *string
	}{
		{[]string{"provider"}, &p.Type},
		{[]string{"client_id"}, &p.ClientID},
		{[]string{"client_secret"}, &p.ClientSecret},
		{[]string{"scope"}, &scope},
		{[]string{"id", "provider_id"}, &p.ID},
		{[]string{"label"}, &p.Label},
		{[]string{"jsonnet_mapper"}, &p.JsonnetMapper},
		{[]string{"mapper_url"}, &p.MapperURL},
		{[]string{"issuer_url"}, &p.IssuerURL},
		{[]string{"microsoft_tenant", "microsoft_tenant_id"}, &p.MicrosoftTenant},
		{[]string{"apple_team_id"}, &p.AppleTeamID},
		{[]string{"apple_private_key_id"}, &p.ApplePrivateKeyID},
		{[]string{"apple_private_key"}, &p.ApplePrivateKey},
	}
	for _, t := range targets {
		for _, k := range t.keys {
			raw, ok := item[k]
			if !ok {
				continue
			}
			s, err := decodeOptionalString(raw)
			if err != nil {
				return Provider{}, &FieldError{k, err.Error()}
			}
			*t.dst = s
			break
		}
	}
	if p.Type == "apple" {
		// The reference Apple model has no client_secret field: a stray one
		// is dropped, not an error.
		p.ClientSecret = ""
	}
	p.Scope = ParseScope(scope)
	p.Normalize()
	if err := p.Validate(); err != nil {
		return Provider{}, err
	}
	return p, nil
}

func decodeOptionalString(raw json.RawMessage) (string, error) {
	if string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, nil
}

// EncodeRegistrations renders the requirer app databag value, as the
// reference RequirerProviders.model_dump_json() writes it.
func EncodeRegistrations(regs []Registration) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range regs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"provider_id":`)
		writeString(&b, r.ProviderID)
		b.WriteString(`,"redirect_uri":`)
		writeString(&b, r.RedirectURI)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// DecodeRegistrations parses the requirer app databag value. Both keys are
// required strings, as in the reference model.
func DecodeRegistrations(raw string) ([]Registration, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, databag.Errorf(DataKey, "not a JSON list of objects: %w", err)
	}
	out := make([]Registration, 0, len(items))
	for i, item := range items {
		var r Registration
		for _, f := range []struct {
			key string
			dst *string
		}{{"provider_id", &r.ProviderID}, {"redirect_uri", &r.RedirectURI}} {
			raw, ok := item[f.key]
			if !ok {
				return nil, databag.Errorf(DataKey, "item %d: %s is required", i, f.key)
			}
			if err := json.Unmarshal(raw, f.dst); err != nil || string(raw) == "null" {
				return nil, databag.Errorf(DataKey, "item %d: %s must be a string", i, f.key)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
