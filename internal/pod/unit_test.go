package pod

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests need no root.

func TestRenderHosts(t *testing.T) {
	t.Parallel()
	got := string(renderHosts("m", "b-1", []hostEntry{
		{app: "b", unit: 1, addr: netip.MustParseAddr("10.213.0.4")},
		{app: "a", unit: 0, addr: netip.MustParseAddr("10.213.0.2")},
		{app: "b", unit: 0, addr: netip.MustParseAddr("10.213.0.3")},
	}))
	want := `# /etc/hosts of pod b-1 in model m, written by the local pod runtime.
# Rewritten when units come and go; edits are lost.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback

# pods: <app>-<n>.<app>-endpoints.<model>.svc.cluster.local
10.213.0.2	a-0.a-endpoints.m.svc.cluster.local a-0
10.213.0.3	b-0.b-endpoints.m.svc.cluster.local b-0
10.213.0.4	b-1.b-endpoints.m.svc.cluster.local b-1

# services: one line per unit, lowest unit first
10.213.0.2	a.m.svc.cluster.local a-endpoints.m.svc.cluster.local
10.213.0.3	b.m.svc.cluster.local b-endpoints.m.svc.cluster.local
10.213.0.4	b.m.svc.cluster.local b-endpoints.m.svc.cluster.local
`
	if got != want {
		t.Errorf("hosts:\n%s\nwant:\n%s", got, want)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	s := PodSpec{Model: "dev", Application: "kratos", Unit: 2}
	for got, want := range map[string]string{
		s.Name():                         "kratos-2",
		s.CharmPath():                    "/var/lib/juju/agents/unit-kratos-2/charm",
		s.ToolsPath():                    "/var/lib/juju/tools/unit-kratos-2",
		PodFQDN("dev", "kratos", 2):      "kratos-2.kratos-endpoints.dev.svc.cluster.local",
		ServiceFQDN("dev", "kratos"):     "kratos.dev.svc.cluster.local",
		EndpointsFQDN("dev", "kratos"):   "kratos-endpoints.dev.svc.cluster.local",
		prependPath("/t", "/a:/t:/b"):    "/t:/a:/b",
		prependPath("/t", ""):            "/t",
		unescapeMountPath(`/a\040b\134`): `/a b\`,
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestSpecValidation(t *testing.T) {
	t.Parallel()
	ok := func() PodSpec {
		return PodSpec{Model: "m", Application: "app", Unit: 0, Containers: []ContainerSpec{{
			Name:   "w",
			Files:  []File{{Path: "/usr/local/bin/x", Source: "/bin/true"}},
			Mounts: []Mount{{Storage: "data", Location: "/var/lib/data"}},
			Users:  []string{"postgres"},
			Env:    map[string]string{"A": "b"},
		}}}
	}
	tests := []struct {
		name   string
		mutate func(*PodSpec)
		err    string // "" for valid
	}{
		{"valid", func(*PodSpec) {}, ""},
		{"bad model", func(s *PodSpec) { s.Model = "My_Model" }, "model name"},
		{"bad app", func(s *PodSpec) { s.Application = "9app" }, "application name"},
		{"negative unit", func(s *PodSpec) { s.Unit = -1 }, "negative"},
		{"relative charm dir", func(s *PodSpec) { s.CharmDir = "charm" }, "not absolute"},
		{"charm-named workload", func(s *PodSpec) { s.Containers[0].Name = CharmContainer }, "used twice"},
		{"duplicate container", func(s *PodSpec) { s.Containers = append(s.Containers, s.Containers[0]) }, "used twice"},
		{"relative file", func(s *PodSpec) { s.Containers[0].Files[0].Path = "x" }, "absolute"},
		{"file on /etc", func(s *PodSpec) { s.Containers[0].Files[0].Path = "/etc" }, "system directory"},
		{"file under /proc", func(s *PodSpec) { s.Containers[0].Files[0].Path = "/proc/x" }, "managed by the runtime"},
		{"file on /etc/hosts", func(s *PodSpec) { s.Containers[0].Files[0].Path = "/etc/hosts" }, "managed by the runtime"},
		{"unclean path", func(s *PodSpec) { s.Containers[0].Files[0].Path = "/usr/../etc" }, "clean"},
		{"comma in path", func(s *PodSpec) { s.Containers[0].Files[0].Path = "/a,b" }, "comma"},
		{"relative source", func(s *PodSpec) { s.Containers[0].Files[0].Source = "true" }, "not absolute"},
		{"storage on a file", func(s *PodSpec) { s.Containers[0].Mounts[0].Location = "/usr/local/bin/x" }, "twice"},
		{"bad storage name", func(s *PodSpec) { s.Containers[0].Mounts[0].Storage = "Data" }, "storage name"},
		{"bad user", func(s *PodSpec) { s.Containers[0].Users = []string{"root:x"} }, "user name"},
		{"bad env", func(s *PodSpec) { s.Containers[0].Env["A=B"] = "" }, "environment"},
		{"charm container mounts checked", func(s *PodSpec) { s.Charm.Mounts = []Mount{{Storage: "d", Location: "/dev/x"}} }, "managed by the runtime"},
	}
	for _, tt := range tests {
		s := ok()
		tt.mutate(&s)
		err := s.validate()
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.err)
		}
	}
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	t.Parallel()
	pebble := filepath.Join(t.TempDir(), "pebble")
	if err := os.WriteFile(pebble, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	cfg, err := Config{StateDir: state, Pebble: pebble, RunDir: t.TempDir()}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bridge != "ipgc0" || cfg.Subnet != DefaultSubnet || cfg.bridgeAddr().String() != "10.213.0.1" {
		t.Errorf("defaults: %s %s %s", cfg.Bridge, cfg.Subnet, cfg.bridgeAddr())
	}
	if cfg.addr(2).String() != "10.213.0.2" || cfg.addr(300).String() != "10.213.1.44" || cfg.maxIndex() != 65534 {
		t.Errorf("addresses: %s %s %d", cfg.addr(2), cfg.addr(300), cfg.maxIndex())
	}
	// The longest bridge name and index still fit Linux's 15 characters.
	cfg.Bridge = "ipgc12345"
	if n := cfg.linkName(cfg.maxIndex()); len(n) > 15 {
		t.Errorf("link name %q is longer than 15 characters", n)
	}
	for _, bad := range []Config{
		{Pebble: pebble},
		{StateDir: state},
		{StateDir: state, Pebble: pebble, Bridge: "br0"},
		{StateDir: state, Pebble: pebble, Bridge: "ipgc123456"},
		{StateDir: state, Pebble: pebble, Subnet: netip.MustParsePrefix("10.0.0.0/8")},
		{StateDir: state, Pebble: pebble, Subnet: netip.MustParsePrefix("fd00::/64")},
		{StateDir: state, Pebble: state},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}
