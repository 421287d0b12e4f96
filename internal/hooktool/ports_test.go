package hooktool

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Port
		wantErr string
	}{
		{in: "8080", want: TCPPort(8080)},
		{in: "8080/tcp", want: TCPPort(8080)},
		{in: "53/UDP", want: UDPPort(53)},
		{in: "1000-2000/udp", want: Port{Protocol: "udp", From: 1000, To: 2000}},
		{in: "10-20", want: Port{Protocol: "tcp", From: 10, To: 20}},
		{in: "icmp", want: ICMPPort()},
		{in: "ICMP", want: ICMPPort()},
		{in: "icmp/tcp", want: ICMPPort()},
		{in: "0/tcp", want: TCPPort(0)},
		{in: "65535/tcp", want: TCPPort(65535)},
		{in: "80/icmp", wantErr: `protocol "icmp" doesn't support any ports`},
		{in: "80/sctp", wantErr: `invalid protocol "sctp"`},
		{in: "000/", wantErr: `invalid protocol ""`},
		{in: "0/icmp", wantErr: `protocol "icmp" doesn't support any ports`},
		{in: "20-10/tcp", wantErr: "invalid port range 20-10/tcp"},
		{in: "65536", wantErr: "port range bounds must be between 0 and 65535"},
		{in: "-5/tcp", wantErr: `invalid port ""`},
		{in: "1-2-3", wantErr: "invalid port range"},
		{in: "http", wantErr: `invalid port "http"`},
		{in: "", wantErr: `invalid port ""`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePort(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParsePort(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParsePort(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
			}
			// Printing and parsing again is stable.
			again, err := ParsePort(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip of %q via %q = %#v, %v", tc.in, got.String(), again, err)
			}
		})
	}
}

func TestPortString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Port
		want string
	}{
		{TCPPort(80), "80/tcp"},
		{Port{From: 80}, "80/tcp"},
		{Port{Protocol: "UDP", From: 1, To: 9}, "1-9/udp"},
		{Port{Protocol: "icmp", Endpoints: []string{"a"}}, "icmp"},
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestParseOpenedPort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Port
		wantErr bool
	}{
		{in: "80/tcp", want: TCPPort(80)},
		{in: "80/tcp (*)", want: TCPPort(80)},
		{in: "10-20/tcp (foo)", want: Port{Protocol: "tcp", From: 10, To: 20, Endpoints: []string{"foo"}}},
		{in: "icmp (a, b)", want: Port{Protocol: "icmp", Endpoints: []string{"a", "b"}}},
		{in: "80/tcp (foo", wantErr: true},
		{in: "x (*)", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseOpenedPort(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseOpenedPort(%q) = %#v, %v", tc.in, got, err)
		}
	}
}

func TestParseRelationID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{in: "database:7", want: 7},
		{in: "7", want: 7},
		{in: "a:b:12", want: 12},
		{in: "database:", wantErr: true},
		{in: "database:-1", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseRelationID(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseRelationID(%q) = %d, %v", tc.in, got, err)
		}
	}
}
