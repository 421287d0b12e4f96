package api

import (
	"path"
	"slices"
	"strings"
)

var severities = map[string]int{"TRACE": 1, "DEBUG": 2, "INFO": 3, "WARNING": 4, "ERROR": 5, "CRITICAL": 6}

// Keep reports whether rec passes the request's filters, as Juju's
// apiserver applies them (apiserver/logstream filters): entities match as
// glob patterns ("unit-hydra-*"), modules by dotted prefix
// ("juju.worker" keeps "juju.worker.uniter"), labels exactly, and the
// level is the lowest severity kept. Includes of one kind are ORed,
// the kinds ANDed; an exclude wins.
func (r DebugLogRequest) Keep(rec LogRecord) bool {
	if r.Level != "" && severities[strings.ToUpper(rec.Severity)] < severities[strings.ToUpper(r.Level)] {
		return false
	}
	if len(r.IncludeEntity) > 0 && !slices.ContainsFunc(r.IncludeEntity, entityMatch(rec.Entity)) {
		return false
	}
	if slices.ContainsFunc(r.ExcludeEntity, entityMatch(rec.Entity)) {
		return false
	}
	if len(r.IncludeModule) > 0 && !slices.ContainsFunc(r.IncludeModule, moduleMatch(rec.Module)) {
		return false
	}
	if slices.ContainsFunc(r.ExcludeModule, moduleMatch(rec.Module)) {
		return false
	}
	if len(r.IncludeLabel) > 0 && !slices.ContainsFunc(r.IncludeLabel, func(l string) bool { return slices.Contains(rec.Labels, l) }) {
		return false
	}
	if slices.ContainsFunc(r.ExcludeLabel, func(l string) bool { return slices.Contains(rec.Labels, l) }) {
		return false
	}
	return true
}

func entityMatch(entity string) func(string) bool {
	return func(pattern string) bool {
		ok, err := path.Match(pattern, entity)
		return err == nil && ok
	}
}

func moduleMatch(module string) func(string) bool {
	return func(prefix string) bool {
		return module == prefix || strings.HasPrefix(module, prefix+".")
	}
}
