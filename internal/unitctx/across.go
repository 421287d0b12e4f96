package unitctx

import "slices"

// Across carries one side's committed relation data and secret grants over
// to the other side, as the controller would between two hooks: it returns
// dst with its view of relation relID updated from src, the State of unit
// srcUnit of the remote application.
//
//   - src's local app databag becomes dst's RemoteAppData, and src's local
//     unit databag becomes dst's RemoteUnits[srcUnit];
//   - every secret src owns that is granted over relID becomes (or stays) a
//     consumer secret of dst with src's latest revision and content; dst's
//     own label and tracked revision are kept, as Juju keeps them per
//     consumer;
//   - a secret src removed, or no longer grants over relID, disappears
//     from dst.
//
// Both states must hold relation relID (Juju gives a relation the same ID
// on both sides). Across lets tests drive a provider and a requirer built
// from the same library through a full handshake.
func Across(src State, srcUnit int, relID int, dst State) State {
	out := dst.Clone()
	from := findRelation(src.Relations, relID)
	to := findRelation(out.Relations, relID)
	if from == nil || to == nil {
		panic("unitctx.Across: both states must hold the relation")
	}
	to.RemoteAppData = cloneData(from.LocalAppData)
	if to.RemoteUnits == nil {
		to.RemoteUnits = map[int]map[string]string{}
	}
	to.RemoteUnits[srcUnit] = cloneData(from.LocalUnitData)

	granted := map[string]Secret{}
	for _, s := range src.Secrets {
		if s.Owner != "" && !s.RemovedAll && len(s.Grants[relID]) > 0 {
			granted[s.ID] = s
		}
	}
	owned := map[string]bool{}
	for _, s := range src.Secrets {
		if s.Owner != "" {
			owned[s.ID] = true
		}
	}
	out.Secrets = slices.DeleteFunc(out.Secrets, func(s Secret) bool {
		_, still := granted[s.ID]
		return s.Owner == "" && owned[s.ID] && !still
	})
	for id, s := range granted {
		i := slices.IndexFunc(out.Secrets, func(c Secret) bool { return c.ID == id })
		if i < 0 {
			out.Secrets = append(out.Secrets, Secret{ID: id, Revision: s.Revision, Content: cloneData(s.Content)})
			continue
		}
		c := &out.Secrets[i]
		if c.TrackedRevision != 0 && c.TrackedRevision != s.Revision && c.TrackedContent == nil {
			c.TrackedContent = cloneData(c.Content)
		}
		c.Revision, c.Content = s.Revision, cloneData(s.Content)
	}
	return out
}

func findRelation(rels []Relation, id int) *Relation {
	for i := range rels {
		if rels[i].ID == id {
			return &rels[i]
		}
	}
	return nil
}

func cloneData(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
