package images

import (
	"fmt"
	"regexp"
	"strings"
)

// Docker's reference grammar (github.com/distribution/reference), reduced to
// what image names in charm resources use: no IPv6 registry hosts.
var (
	domainPattern    = regexp.MustCompile(`^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$`)
	componentPattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagPattern       = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
)

const (
	defaultDomain = "docker.io"
	legacyDomain  = "index.docker.io"
	officialRepo  = "library/"
	defaultTag    = "latest"
	maxNameLength = 255 // of the repository part, as Docker limits it
)

// NormalizeName returns the fully qualified form of an image reference, the
// way Docker normalises it: the registry defaults to docker.io, a one-part
// Docker Hub repository gets "library/", and a reference with neither tag
// nor digest gets ":latest". So "traefik:v3.6", "docker.io/traefik:v3.6" and
// "docker.io/library/traefik:v3.6" are all "docker.io/library/traefik:v3.6".
func NormalizeName(ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("image name is empty")
	}
	rest, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestPattern.MatchString(digest) {
		return "", fmt.Errorf("image name %q: invalid digest %q", ref, digest)
	}
	name, tag := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		name, tag = rest[:i], rest[i+1:]
		if !tagPattern.MatchString(tag) {
			return "", fmt.Errorf("image name %q: invalid tag %q", ref, tag)
		}
	}

	domain, path := defaultDomain, name
	if i := strings.IndexByte(name, '/'); i >= 0 {
		first := name[:i]
		// As Docker decides: the first component is a registry host when it
		// looks like one (has a dot or a port, is localhost, or has upper case).
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			domain, path = first, name[i+1:]
		}
	}
	if !domainPattern.MatchString(domain) {
		return "", fmt.Errorf("image name %q: invalid registry %q", ref, domain)
	}
	if domain == legacyDomain {
		domain = defaultDomain
	}
	if domain == defaultDomain && !strings.Contains(path, "/") {
		path = officialRepo + path
	}
	for _, c := range strings.Split(path, "/") {
		if !componentPattern.MatchString(c) {
			return "", fmt.Errorf("image name %q: invalid repository component %q (lower-case letters, digits and separators)", ref, c)
		}
	}
	if len(domain)+1+len(path) > maxNameLength {
		return "", fmt.Errorf("image name %q: repository name longer than %d characters", ref, maxNameLength)
	}

	var b strings.Builder
	b.WriteString(domain + "/" + path)
	switch {
	case tag != "":
		b.WriteString(":" + tag)
	case !hasDigest:
		b.WriteString(":" + defaultTag)
	}
	if hasDigest {
		b.WriteString("@" + digest)
	}
	return b.String(), nil
}
