package hooktool

import (
	"context"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeToolOutput feeds arbitrary bytes, as if printed by the tool,
// to every method that decodes output. None may panic, and a decode error
// must not quote the output (it may be secret content).
func FuzzDecodeToolOutput(f *testing.F) {
	seeds := []string{
		"null\n", "true\n", `"unknown"` + "\n", "[]\n", "{}\n", "",
		`{"debug":true,"port":8080,"x":null}`,
		`["database:10","database:2"]`,
		`{"application-status":{"message":"m","status":"active","status-data":{},"units":{"unit-a-0":{"status":"active"}}}}`,
		`{"application-status":null}`,
		`["10-20/tcp (foo)","80/tcp (*)","icmp (*)","63/udp (bar, baz)"]`,
		`{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":[{"hostname":"","value":"10.1.0.10","cidr":""}]}],"ingress-addresses":["1.2.3.4"]}`,
		`{"units":{"a/0":{"status":"active","since":"2200-11-05 15:29:12Z"}},"relations":{"db":{"b/0":{"status":"joined"}}}}`,
		`{"9m4e2mr0ui3e8a215n4g":{"revision":1,"owner":"unit","expiry":"2030-01-01T00:00:00Z","access":[{"target":"t","scope":"s","role":"view"}]}}`,
		`{"a":{"revision":"x"}}`, `{"a":1,"b":2}`, `{"key":"s3cret-PLAINTEXT`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		ctx := context.Background()
		cl := New(&fakeRunner{stdout: string(out)})
		var errs []error
		collect := func(_ any, err error) { errs = append(errs, err) }
		collect(cl.ConfigGetAll(ctx))
		_, _, err := cl.ConfigGet(ctx, "k")
		collect(nil, err)
		collect(cl.IsLeader(ctx))
		collect(cl.RelationIDs(ctx, "ep"))
		collect(cl.RelationList(ctx, 1))
		collect(cl.RelationRemoteApp(ctx, 1))
		collect(cl.RelationGet(ctx, 1, "a/0", false))
		collect(cl.StatusGet(ctx, false))
		collect(cl.StatusGet(ctx, true))
		collect(cl.ActionGet(ctx))
		collect(cl.SecretAdd(ctx, map[string]string{"key": "v"}, SecretOptions{}))
		collect(cl.SecretGet(ctx, SecretRef{ID: secretURI}, SecretGetOptions{}))
		collect(cl.SecretInfoGet(ctx, SecretRef{Label: "l"}))
		collect(cl.SecretIDs(ctx))
		collect(cl.StateGetAll(ctx))
		_, _, err = cl.StateGet(ctx, "k")
		collect(nil, err)
		collect(cl.OpenedPorts(ctx))
		collect(cl.NetworkGet(ctx, "ep", -1))
		collect(cl.GoalState(ctx))
		// Only bytes that are a long-enough run of the output could be a
		// leak; short fragments (tool names, JSON kinds) are expected.
		if len(out) >= 16 {
			for _, e := range errs {
				if e != nil && strings.Contains(e.Error(), string(out)) {
					t.Fatalf("error quotes the tool output: %v", e)
				}
			}
		}
	})
}

// FuzzParsePort checks that anything ParsePort accepts prints back to a
// string that parses to the same port.
func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"80", "80/tcp", "1000-2000/udp", "icmp", "icmp/udp", "-", "1-", "99999", "7/ICMP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePort(s)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePort(%q) returned invalid %#v: %v", s, p, err)
		}
		again, err := ParsePort(p.String())
		if err != nil || again.String() != p.String() || again.From != p.From || again.To != p.To || again.Protocol != p.Protocol {
			t.Fatalf("round trip %q -> %q -> %#v, %v", s, p.String(), again, err)
		}
		_, _ = parseOpenedPort(s)
	})
}

// FuzzSettingsTransport checks that whatever data relation-set/state-set
// are given reaches jujuc unchanged, whether as k=v arguments (parsed like
// keyvalues.Parse) or as a YAML file (decoded like jujuc's readSettings).
func FuzzSettingsTransport(f *testing.F) {
	f.Add("key", "value", "other", "")
	f.Add("k", " padded\n", "yes", "on")
	f.Add("a=b", "\xff", "null", "~")
	f.Add("<<", "v", "? x", "- y")
	f.Add("x", strings.Repeat("z", 1000), "multi", "l1\n  l2  \n")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		data := map[string]string{k1: v1, k2: v2}
		args, stdin, err := kvArgs("relation-set", data)
		if err != nil {
			if k1 == "" || k2 == "" || !utf8.ValidString(k1+k2) {
				return
			}
			t.Fatalf("kvArgs: %v", err)
		}
		var got map[string]string
		if stdin != nil {
			if got, err = readSettingsFile(stdin); err != nil {
				t.Fatalf("YAML does not decode: %v\n%q", err, stdin)
			}
		} else if got, err = parseKeyValues(args); err != nil {
			t.Fatalf("args do not parse: %v", err)
		}
		if !maps.Equal(got, data) {
			t.Fatalf("round trip = %q, want %q (file=%v)", got, data, stdin != nil)
		}
	})
}
