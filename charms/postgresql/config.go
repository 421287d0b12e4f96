package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// plugins maps each plugin option to the extension it enables; the
// reference charm's option names (plugin_<name>_enable).
var plugins = map[string]string{
	"plugin_pg_trgm_enable":   "pg_trgm",
	"plugin_btree_gin_enable": "btree_gin",
}

// intParam is an int option that becomes a postgresql.conf parameter.
type intParam struct {
	option, param string
	min, max      int64
	unit          string // for the error message
}

// intParams are the tuning options, in the order they are written.
var intParams = []intParam{
	{"memory_shared_buffers", "shared_buffers", 16, 1073741823, "8 kB pages"},
	{"memory_work_mem", "work_mem", 64, 2147483647, "kB"},
	{"memory_maintenance_work_mem", "maintenance_work_mem", 1024, 2147483647, "kB"},
	{"experimental_max_connections", "max_connections", 10, 10000, "connections"},
	{"connection_authentication_timeout", "authentication_timeout", 1, 600, "seconds"},
}

// settings is the checked configuration.
type settings struct {
	// extensions maps each plugin's extension to whether it is enabled.
	extensions map[string]bool
	// params are the postgresql.conf parameters the options set; unset
	// options are absent (PostgreSQL's defaults apply).
	params map[string]int64
}

// configError names the option that is wrong and how to fix it.
type configError struct{ option, reason string }

func (e *configError) Error() string { return e.option + " " + e.reason }

// parseSettings checks config-get output: plugin options must be
// booleans, tuning options whole numbers within PostgreSQL's range (a
// value PostgreSQL refuses would keep the server from starting).
func parseSettings(cfg map[string]any) (settings, error) {
	s := settings{extensions: map[string]bool{}, params: map[string]int64{}}
	for _, opt := range slices.Sorted(maps.Keys(plugins)) {
		switch v := cfg[opt].(type) {
		case nil:
			s.extensions[plugins[opt]] = false
		case bool:
			s.extensions[plugins[opt]] = v
		default:
			return settings{}, &configError{opt, "must be true or false"}
		}
	}
	for _, p := range intParams {
		v, ok := cfg[p.option]
		if !ok || v == nil {
			continue
		}
		f, isNum := v.(float64)
		if !isNum || f != math.Trunc(f) || f < float64(p.min) || f > float64(p.max) {
			return settings{}, &configError{p.option, fmt.Sprintf("must be a whole number from %d to %d (%s)", p.min, p.max, p.unit)}
		}
		s.params[p.param] = int64(f)
	}
	return s, nil
}

// Where things are in the workload container: Debian's PostgreSQL 15
// layout (the postgres:15 image's), the cluster in a subdirectory of the
// storage, whose root may hold lost+found, which initdb refuses.
const (
	pgBin     = "/usr/lib/postgresql/15/bin/"
	pgStorage = "/var/lib/postgresql/data"
	pgData    = pgStorage + "/pgdata"
	// socketDir is where the server puts its unix socket: Debian's
	// compiled-in /var/run/postgresql does not exist in a fresh container.
	socketDir = "/tmp"
	pgPort    = 5432
)

// postgresqlConf renders postgresql.conf: the whole file, so nothing of
// initdb's sample (or of an operator's edits) lingers. Parameters not
// written take PostgreSQL's defaults.
func postgresqlConf(s settings) []byte {
	var b strings.Builder
	b.WriteString("# Written by the postgresql-k8s charm from its configuration; edits are overwritten.\n")
	for _, kv := range [][2]string{
		{"listen_addresses", "'*'"},
		{"port", strconv.Itoa(pgPort)},
		{"unix_socket_directories", "'" + socketDir + "'"},
		{"password_encryption", "'scram-sha-256'"},
		// Pebble collects the server's stderr as the service's log.
		{"logging_collector", "off"},
		{"log_destination", "'stderr'"},
		{"log_line_prefix", "'%m [%p] %q%u@%d '"},
		{"log_timezone", "'UTC'"},
		{"timezone", "'UTC'"},
		{"datestyle", "'iso, mdy'"},
		{"lc_messages", "'C'"},
		{"dynamic_shared_memory_type", "posix"},
	} {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
	}
	for _, p := range intParams {
		v, ok := s.params[p.param]
		if !ok {
			continue
		}
		switch p.param {
		case "shared_buffers":
			fmt.Fprintf(&b, "%s = %d\n", p.param, v) // in pages: no unit
		case "work_mem", "maintenance_work_mem":
			fmt.Fprintf(&b, "%s = '%dkB'\n", p.param, v)
		case "authentication_timeout":
			fmt.Fprintf(&b, "%s = '%ds'\n", p.param, v)
		default:
			fmt.Fprintf(&b, "%s = %d\n", p.param, v)
		}
	}
	return []byte(b.String())
}
