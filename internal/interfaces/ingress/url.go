package ingress

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// maxURLLength is pydantic's AnyHttpUrl limit (UrlConstraints
// max_length=2083), counted in characters of the input.
const maxURLLength = 2083

// NormalizeURL validates raw as pydantic v2's AnyHttpUrl does (an http or
// https URL with a host, at most 2083 characters) and returns the string
// that str(AnyHttpUrl(raw)) gives: pydantic-core parses URLs with the Rust
// url crate, which follows the WHATWG URL standard. So, as in
// test_ingress_per_app.py, "http://ready-app.com" becomes
// "http://ready-app.com/". In detail: surrounding spaces and control
// characters are trimmed and tabs and newlines dropped; scheme and host are
// lower-cased; the default port (80, 443) is dropped; an empty path becomes
// "/"; "\" is "/" in the path; "." and ".." segments are resolved; bytes
// outside the url crate's safe sets (spaces, quotes, <, >, `, {, },
// non-ASCII…) are percent-encoded; numeric IPv4 hosts are written dotted
// decimal and IPv6 hosts compressed.
//
// Two things the url crate accepts are refused rather than guessed:
// internationalized host names (use their xn-- form) and IPv6 zones.
func NormalizeURL(raw string) (string, error) {
	if utf8.RuneCountInString(raw) > maxURLLength {
		return "", fmt.Errorf("URL longer than %d characters", maxURLLength)
	}
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)

	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !validURLScheme(s[:colon]) {
		return "", errors.New("not an absolute URL")
	}
	scheme := strings.ToLower(s[:colon])
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("URL scheme %s is not http or https", databag.Quote(scheme))
	}
	// Special schemes ignore any run of slashes and backslashes before the
	// authority ("http:host", "http:///host" and "http:\\host" all parse).
	rest := strings.TrimLeft(s[colon+1:], `/\`)
	end := strings.IndexAny(rest, `/\?#`)
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]

	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(scheme)
	b.WriteString("://")

	hostport := authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user, pass, hasPass := strings.Cut(authority[:at], ":")
		hostport = authority[at+1:]
		if user != "" || (hasPass && pass != "") {
			b.WriteString(percentEncode(user, &userinfoSet))
			if pass != "" {
				b.WriteByte(':')
				b.WriteString(percentEncode(pass, &userinfoSet))
			}
			b.WriteByte('@')
		}
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return "", err
	}
	if host, err = parseHost(host); err != nil {
		return "", err
	}
	b.WriteString(host)
	if port, err = parsePort(port, scheme); err != nil {
		return "", err
	}
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}

	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment, hasFragment = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	writePath(&b, path)
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(percentEncode(query, &specialQuerySet))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(percentEncode(fragment, &fragmentSet))
	}
	return b.String(), nil
}

func validURLScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// splitHostPort splits at the port colon, which for a bracketed IPv6 host
// comes after the closing bracket.
func splitHostPort(hp string) (host, port string, err error) {
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", errors.New("URL host: unclosed IPv6 bracket")
		}
		host, after := hp[:end+1], hp[end+1:]
		if after == "" {
			return host, "", nil
		}
		if after[0] != ':' {
			return "", "", errors.New("URL host: junk after the IPv6 address")
		}
		return host, after[1:], nil
	}
	host, port, _ = strings.Cut(hp, ":")
	return host, port, nil
}

// forbiddenDomain holds the WHATWG forbidden domain code points (ASCII).
var forbiddenDomain = func() (set [128]bool) {
	for c := 0; c < 0x20; c++ {
		set[c] = true
	}
	for _, c := range " #%/:<>?@[\\]^|\x7f" {
		set[c] = true
	}
	return set
}()

func parseHost(h string) (string, error) {
	if h == "" {
		return "", errors.New("URL has no host")
	}
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("URL host %s is not an IPv6 address", databag.Quote(h))
		}
		return "[" + ipv6String(a) + "]", nil
	}
	d := percentDecode(h)
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= utf8.RuneSelf {
			return "", fmt.Errorf("URL host %s: internationalized names are not supported, use the xn-- form", databag.Quote(h))
		}
		if forbiddenDomain[c] {
			return "", fmt.Errorf("URL host %s has a forbidden character %q", databag.Quote(h), c)
		}
	}
	d = strings.ToLower(d)
	if endsInNumber(d) {
		return parseIPv4(d)
	}
	return d, nil
}

// percentDecode decodes %XX escapes; a '%' not followed by two hex digits
// stays, as WHATWG's percent-decode leaves it (and it is then a forbidden
// domain code point).
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }

// endsInNumber is WHATWG's "ends in a number" test: the last label (a
// trailing dot aside) is decimal digits or 0x-prefixed hex.
func endsInNumber(d string) bool {
	labels := strings.Split(d, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	if strings.HasPrefix(last, "0x") {
		return strings.TrimLeft(last[2:], "0123456789abcdef") == ""
	}
	return false
}

// parseIPv4 is WHATWG's IPv4 parser: one to four parts, each decimal,
// octal (leading 0) or hex (0x); the last part fills the remaining bytes.
func parseIPv4(d string) (string, error) {
	bad := fmt.Errorf("URL host %s is not a valid IPv4 address", databag.Quote(d))
	parts := strings.Split(d, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", bad
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" {
			if base == 10 {
				return "", bad
			}
			nums[i] = 0
			continue
		}
		n, err := strconv.ParseUint(p, base, 64)
		if err != nil {
			return "", bad
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", bad
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return "", bad
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return fmt.Sprintf("%d.%d.%d.%d", byte(v>>24), byte(v>>16), byte(v>>8), byte(v)), nil
}

// ipv6String serializes as WHATWG does: lower-case hex pieces, the first
// longest run of two or more zero pieces as "::", and no dotted IPv4 tail.
func ipv6String(a netip.Addr) string {
	b16 := a.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b16[2*i])<<8 | uint16(b16[2*i+1])
	}
	bestStart, bestLen := -1, 1
	for i := 0; i < 8; {
		if pieces[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && pieces[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestStart, bestLen = i, j-i
		}
		i = j
	}
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i == bestStart {
			b.WriteString("::")
			i += bestLen - 1
			continue
		}
		if i > 0 && i != bestStart+bestLen {
			b.WriteByte(':')
		}
		b.WriteString(strconv.FormatUint(uint64(pieces[i]), 16))
	}
	return b.String()
}

func parsePort(p, scheme string) (string, error) {
	if p == "" {
		return "", nil
	}
	if strings.Trim(p, "0123456789") != "" {
		return "", fmt.Errorf("URL port %s is not a number", databag.Quote(p))
	}
	n, err := strconv.ParseUint(p, 10, 32)
	if err != nil || n > 65535 {
		return "", fmt.Errorf("URL port %s is out of range", databag.Quote(p))
	}
	if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
		return "", nil
	}
	return strconv.FormatUint(n, 10), nil
}

// writePath writes the path as the url crate's path state does for a
// special scheme: "\" separates like "/", single- and double-dot segments
// (also as %2e) are resolved, and the rest is percent-encoded.
func writePath(b *strings.Builder, path string) {
	path = strings.ReplaceAll(path, `\`, "/")
	path = strings.TrimPrefix(path, "/")
	var out []string
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch l := strings.ToLower(seg); l {
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, percentEncode(seg, &pathSet))
		}
	}
	b.WriteByte('/')
	b.WriteString(strings.Join(out, "/"))
}

type asciiSet [128]bool

func newSet(base *asciiSet, extra string) asciiSet {
	var s asciiSet
	if base != nil {
		s = *base
	} else {
		for c := 0; c < 0x20; c++ {
			s[c] = true
		}
		s[0x7f] = true
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return s
}

// The url crate's percent-encode sets (parser.rs): controls and non-ASCII
// always, plus these.
var (
	fragmentSet     = newSet(nil, " \"<>`")
	pathSet         = newSet(&fragmentSet, "#?{}")
	userinfoSet     = newSet(&pathSet, "/:;=@[\\]^|")
	specialQuerySet = newSet(nil, " \"#<>'")
)

func percentEncode(s string, set *asciiSet) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || set[c] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || set[c] {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}
