package ingress

import (
	"strings"
	"testing"
)

// normalizeTests follow the WHATWG URL standard as the Rust url crate
// (behind pydantic-core's Url) implements it.
var normalizeTests = []struct {
	in, want string // want "" means refused
}{
	{"http://ready-app.com", "http://ready-app.com/"},
	{"https://10.64.140.43/iam-hydra", "https://10.64.140.43/iam-hydra"},
	{"http://iam-hydra.example.com/", "http://iam-hydra.example.com/"},
	{"HTTP://Foo.BAR:80/Model-App", "http://foo.bar/Model-App"},
	{"https://foo.bar:443", "https://foo.bar/"},
	{"https://foo.bar:80", "https://foo.bar:80/"},
	{"http://foo.bar:0080/x", "http://foo.bar/x"},
	{"http://a:/", "http://a/"},
	{"http://foo.bar:8080/a/./b/../c", "http://foo.bar:8080/a/c"},
	{"http://h/a/..", "http://h/"},
	{"http://h/a/%2E%2e/b/%2e", "http://h/b/"},
	{"http://h//a", "http://h//a"},
	{`http://10.206.54.240/"openstack"-"keystone"`, "http://10.206.54.240/%22openstack%22-%22keystone%22"},
	{"http://[2001:DB8:0:0:0:0:0:1]:8080/x", "http://[2001:db8::1]:8080/x"},
	{"http://[::ffff:1.2.3.4]/", "http://[::ffff:102:304]/"},
	{"http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/"},
	{"http://[1:0:2:3:4:5:6:7]/", "http://[1:0:2:3:4:5:6:7]/"},
	{"http://0x7f.1/", "http://127.0.0.1/"},
	{"http://2130706433/", "http://127.0.0.1/"},
	{"http://010.0.0.1./", "http://8.0.0.1/"},
	{"  http://a/b c\t\n ", "http://a/b%20c"},
	{"http://a/p?q=1 2&x='y'#f g`", "http://a/p?q=1%202&x=%27y%27#f%20g%60"},
	{"http://a/p#f?g#h", "http://a/p#f?g#h"},
	{`http:\\a\b\c`, "http://a/b/c"},
	{"http:a.example", "http://a.example/"},
	{"http:///x", "http://x/"},
	{"http://user:pa ss@a/", "http://user:pa%20ss@a/"},
	{"http://@a/", "http://a/"},
	{"http://:pw@a/", "http://:pw@a/"},
	{"http://a/{x}`^|", "http://a/%7Bx%7D%60^|"},
	{"http://a/é", "http://a/%C3%A9"},
	{"http://%41.example/", "http://a.example/"},
	{"http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/"},
	// Refused.
	{"ftp://a/", ""},
	{"a/b", ""},
	{"10.0.0.1:80/x", ""},
	{"http://", ""},
	{"http:///", ""},
	{"http://user@/", ""},
	{"http://a:99999/", ""},
	{"http://a:8x/", ""},
	{"http://bücher.de/", ""},
	{"http://[fe80::1%25eth0]/", ""},
	{"http://[1.2.3.4]/", ""},
	{"http://[::1/", ""},
	{"http://[::1]x/", ""},
	{"http://a b/", ""},
	{"http://a%20b/", ""},
	{"http://a<b/", ""},
	{"http://1.2.3.256/", ""},
	{"http://foo.123/", ""},
	{"http://1.2.3.4.5/", ""},
	{"http://0x/", "http://0.0.0.0/"},
	{"http://" + strings.Repeat("a", maxURLLength) + "/", ""},
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for _, tt := range normalizeTests {
		got, err := NormalizeURL(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("NormalizeURL(%q) = %q, want an error", tt.in, got)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
