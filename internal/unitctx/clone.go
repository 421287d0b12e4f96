package unitctx

import "maps"

// Clone returns a deep copy of s: a hook never writes into the caller's
// State, and the State it returns shares nothing with the input.
func (s State) Clone() State {
	out := s
	out.Config = maps.Clone(s.Config)
	out.Stored = maps.Clone(s.Stored)
	out.Relations = cloneSlice(s.Relations, Relation.clone)
	out.Secrets = cloneSlice(s.Secrets, Secret.clone)
	out.Containers = cloneSlice(s.Containers, Container.clone)
	out.OpenedPorts = cloneSlice(s.OpenedPorts, Port.clone)
	return out
}

func cloneSlice[T any](in []T, clone func(T) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = clone(v)
	}
	return out
}

func cloneStrings(in []string) []string {
	if in == nil {
		return nil
	}
	return append([]string(nil), in...)
}

func (r Relation) clone() Relation {
	out := r
	out.LocalAppData = maps.Clone(r.LocalAppData)
	out.LocalUnitData = maps.Clone(r.LocalUnitData)
	out.RemoteAppData = maps.Clone(r.RemoteAppData)
	if r.RemoteUnits != nil {
		out.RemoteUnits = make(map[int]map[string]string, len(r.RemoteUnits))
		for n, data := range r.RemoteUnits {
			out.RemoteUnits[n] = maps.Clone(data)
		}
	}
	return out
}

func (s Secret) clone() Secret {
	out := s
	out.Content = maps.Clone(s.Content)
	out.TrackedContent = maps.Clone(s.TrackedContent)
	if s.Grants != nil {
		out.Grants = make(map[int][]string, len(s.Grants))
		for id, subjects := range s.Grants {
			out.Grants[id] = cloneStrings(subjects)
		}
	}
	out.RemovedRevisions = append([]int(nil), s.RemovedRevisions...)
	if s.RemovedRevisions == nil {
		out.RemovedRevisions = nil
	}
	return out
}

func (p Port) clone() Port {
	p.Endpoints = cloneStrings(p.Endpoints)
	return p
}

func (c Container) clone() Container {
	out := c
	out.Layers = maps.Clone(c.Layers)
	out.LayerOrder = cloneStrings(c.LayerOrder)
	if c.Files != nil {
		out.Files = make(map[string]File, len(c.Files))
		for p, f := range c.Files {
			f.Content = append([]byte(nil), f.Content...)
			out.Files[p] = f
		}
	}
	out.Services = maps.Clone(c.Services)
	out.Checks = maps.Clone(c.Checks)
	out.Execs = cloneSlice(c.Execs, func(e Exec) Exec {
		e.Command = cloneStrings(e.Command)
		return e
	})
	out.ExecLog = cloneSlice(c.ExecLog, cloneStrings)
	out.Notices = cloneSlice(c.Notices, func(n Notice) Notice {
		n.Data = maps.Clone(n.Data)
		return n
	})
	return out
}
