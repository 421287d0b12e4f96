package main

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const (
	ellipsis            = "..."
	caasMaxVersionWidth = 30
	iaasMaxVersionWidth = 15
	maxMessageLength    = 120
)

// formatStatusTabular is Juju's status FormatTabular for a Kubernetes
// model, without colour: the Model section, then App, Unit and, with
// --relations, Integration sections, each a table of its own separated by
// a blank line.
func formatStatusTabular(w io.Writer, fs formattedStatus) error {
	cloudRegion := fs.Model.Cloud
	if fs.Model.CloudRegion != "" {
		cloudRegion += "/" + fs.Model.CloudRegion
	}
	header := []string{"Model", "Controller", "Cloud/Region", "Version"}
	values := []string{fs.Model.Name, fs.Model.Controller, cloudRegion, fs.Model.Version}
	if fs.Controller != nil && fs.Controller.Timestamp != "" {
		header = append(header, "Timestamp")
		values = append(values, fs.Controller.Timestamp)
	}
	message := fs.Model.Status.Message
	if message == "" && fs.Model.AvailableVersion != "" {
		message = "upgrade available: " + fs.Model.AvailableVersion
	}
	if message != "" {
		header = append(header, "Notes")
		values = append(values, truncateMessage(message))
	}
	model := newTable()
	model.row(header...)
	if len(values) == 4 {
		// Juju prints the version with a trailing tab and then an empty
		// Println: the row ends in an empty cell.
		values = append(values, "")
	}
	model.row(values...)
	if err := model.write(w); err != nil {
		return err
	}
	if len(fs.Applications) > 0 {
		if err := printApplications(w, fs); err != nil {
			return err
		}
	}
	if len(fs.Relations) > 0 {
		if err := printRelations(w, fs.Relations); err != nil {
			return err
		}
	}
	return nil
}

func printApplications(w io.Writer, fs formattedStatus) error {
	maxVersionWidth := iaasMaxVersionWidth
	if fs.Model.Type == "caas" {
		maxVersionWidth = caasMaxVersionWidth
	}
	caas := fs.Model.Type == "caas"
	apps := newTable(3, 6)
	if caas {
		apps.row("App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Address", "Exposed", "Message")
	} else {
		apps.row("App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message")
	}
	units := map[string]unitStatus{}
	for _, name := range naturalKeys(fs.Applications) {
		app := fs.Applications[name]
		version := strings.Split(app.Version, "\n")[0]
		if caas && version != "" {
			version = imageVersion(version, maxVersionWidth)
		}
		if len(version) > maxVersionWidth {
			version = version[:maxVersionWidth-len(ellipsis)] + ellipsis
		}
		scale, _ := fs.applicationScale(name)
		exposed := "no"
		if app.Exposed {
			exposed = "yes"
		}
		row := []string{name, version, app.StatusInfo.Current, scale, app.CharmName, app.CharmChannel, strconv.Itoa(app.CharmRev)}
		if caas {
			row = append(row, app.Address)
		}
		row = append(row, exposed, truncateMessage(app.StatusInfo.Message))
		apps.row(row...)
		for un, u := range app.Units {
			units[un] = u
		}
	}
	io.WriteString(w, "\n")
	if err := apps.write(w); err != nil {
		return err
	}
	if len(units) == 0 {
		return nil
	}
	ut := newTable()
	if caas {
		ut.row("Unit", "Workload", "Agent", "Address", "Ports", "Message")
	} else {
		ut.row("Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message")
	}
	var printUnit func(name string, u unitStatus, level int)
	printUnit = func(name string, u unitStatus, level int) {
		message := u.WorkloadStatusInfo.Message
		if u.JujuStatusInfo.Current == "allocating" && message == "" {
			message = u.JujuStatusInfo.Message
		}
		if doing := agentDoing(u.JujuStatusInfo); doing != "" {
			message = fmt.Sprintf("(%s) %s", doing, message)
		}
		if u.Leader {
			name += "*"
		}
		name = strings.Repeat(" ", level*2) + name
		if caas {
			ut.row(name, u.WorkloadStatusInfo.Current, u.JujuStatusInfo.Current, u.Address, formatPorts(u.OpenedPorts), truncateMessage(message))
		} else {
			ut.row(name, u.WorkloadStatusInfo.Current, u.JujuStatusInfo.Current, u.Machine, u.PublicAddress, formatPorts(u.OpenedPorts), truncateMessage(message))
		}
		for _, sub := range naturalKeys(u.Subordinates) {
			printUnit(sub, u.Subordinates[sub], level+1)
		}
	}
	for _, name := range naturalKeys(units) {
		printUnit(name, units[name], 0)
	}
	io.WriteString(w, "\n")
	return ut.write(w)
}

// imageVersion shortens an OCI image reference as Juju does for CAAS
// workload versions: registry host dropped, long namespaces elided.
func imageVersion(version string, maxWidth int) string {
	name, tag, digest := version, "", ""
	if i := strings.Index(name, "@"); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i:], "/") {
		name, tag = name[:i], name[i+1:]
	}
	if !strings.Contains(name, "/") {
		// Not a reference Juju would parse as an image: left as it is.
		return version
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	v := strings.Join(parts, "/")
	if tag != "" {
		v += ":" + tag
	}
	if digest != "" {
		if _, hex, ok := strings.Cut(digest, ":"); ok {
			digest = hex
		}
		if len(digest) > 7 {
			digest = digest[:7]
		}
		v += "@" + digest
	}
	parts = strings.Split(v, "/")
	if len(parts) > 1 && len(v) > maxWidth {
		parts[0] = ellipsis
		v = strings.Join(parts, "/")
	}
	return v
}

var (
	hookNames = []string{
		"install", "leader-elected", "leader-settings-changed", "start", "config-changed", "stop", "remove",
		"update-status", "upgrade-charm", "post-series-upgrade", "pre-series-upgrade", "secret-changed",
		"secret-expired", "secret-remove", "secret-rotate", "collect-metrics", "meter-status-changed",
		"relation-joined", "relation-changed", "relation-departed", "relation-broken", "relation-created",
	}
	hookExp   = regexp.MustCompile(fmt.Sprintf(`running (?P<hook>%s?) hook`, strings.Join(hookNames, "|")))
	actionExp = regexp.MustCompile(`running action (?P<action>.*)`)
)

// agentDoing is the hook or action an executing agent runs, from its
// message ("running install hook" → "install").
func agentDoing(agent statusInfoContents) string {
	if agent.Current != "executing" {
		return ""
	}
	if m := hookExp.FindStringSubmatch(agent.Message); len(m) > 0 {
		return m[1]
	}
	if m := actionExp.FindStringSubmatch(agent.Message); len(m) > 0 {
		return m[1]
	}
	return ""
}

func truncateMessage(msg string) string {
	if len(msg) > maxMessageLength {
		return msg[:maxMessageLength-len(ellipsis)] + ellipsis
	}
	return msg
}

// formatPorts is output_tabular.go printPorts: ports grouped per
// protocol, consecutive numbers as ranges ("80,443/tcp 53/udp").
func formatPorts(ports []string) string {
	type proto struct {
		group      map[string]string
		groups     map[string][]string
		grouped    map[string]bool
		components map[string][]string
	}
	sorted := append([]string(nil), ports...)
	sort.Strings(sorted)
	protocols := map[string]*proto{}
	get := func(p string) *proto {
		if v, ok := protocols[p]; ok {
			return v
		}
		v := &proto{group: map[string]string{}, groups: map[string][]string{}, grouped: map[string]bool{}, components: map[string][]string{}}
		protocols[p] = v
		return v
	}
	for _, port := range sorted {
		split := strings.Split(port, "/")
		id := split[0]
		if len(split) > 1 {
			id = strings.Join(append([]string{""}, split[1:]...), "/")
		}
		p := get(id)
		p.components[port] = split
		if len(split) == 1 {
			continue
		}
		n, err := strconv.Atoi(split[0])
		if err != nil || n <= 1 {
			continue
		}
		prev := strings.Join(append([]string{strconv.Itoa(n - 1)}, split[1:]...), "/")
		if _, ok := p.components[prev]; !ok {
			continue
		}
		groupName := p.group[prev]
		if groupName == "" {
			groupName = prev
		}
		p.group[port] = groupName
		p.groups[groupName] = append(p.groups[groupName], port)
		p.grouped[port] = true
	}
	keys := make([]string, 0, len(protocols))
	for k := range protocols {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	hasOutput := false
	for _, pk := range keys {
		p := protocols[pk]
		portKeys := make([]string, 0, len(p.components))
		for k := range p.components {
			portKeys = append(portKeys, k)
		}
		sort.Slice(portKeys, func(i, j int) bool {
			if len(portKeys[i]) != len(portKeys[j]) {
				return len(portKeys[i]) < len(portKeys[j])
			}
			return portKeys[i] < portKeys[j]
		})
		hasPrev := false
		for _, port := range portKeys {
			if p.grouped[port] {
				continue
			}
			if hasOutput {
				hasOutput = false
				b.WriteString(" ")
			}
			if hasPrev {
				b.WriteString(",")
			}
			hasPrev = true
			split := p.components[port]
			if group := p.groups[port]; len(group) > 0 {
				last := p.components[group[len(group)-1]]
				b.WriteString(split[0] + "-" + last[0])
				continue
			}
			if len(split) > 1 {
				b.WriteString(split[0])
				continue
			}
			break
		}
		if hasPrev {
			hasOutput = true
			b.WriteString(pk)
		}
	}
	return b.String()
}

func printRelations(w io.Writer, relations []relationStatus) error {
	sort.Slice(relations, func(i, j int) bool {
		a, b := relations[i], relations[j]
		if a.Provider == b.Provider {
			return a.Requirer < b.Requirer
		}
		return a.Provider < b.Provider
	})
	t := newTable()
	t.row("Integration provider", "Requirer", "Interface", "Type", "Message")
	for _, r := range relations {
		// Juju prints each endpoint as app (no tab) + ":endpoint" (tab).
		if r.Status != "joined" {
			t.row(r.Provider, r.Requirer, r.Interface, r.Type, r.Status, truncateMessage(r.Message))
		} else {
			t.row(r.Provider, r.Requirer, r.Interface, r.Type, "")
		}
	}
	io.WriteString(w, "\n")
	return t.write(w)
}
