package unitctx

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/jujuc"
)

// secretChanges buffers the hook's secret operations the way Juju's
// secretsChangeRecorder does; reads consult it so that a hook sees its
// own pending secrets.
type secretChanges struct {
	index       map[string]int // bare secret ID -> index in State.Secrets
	creates     map[string]*secretCreate
	createOrder []string
	updates     map[string]*secretUpdate
	deletes     map[string]*secretDelete
	grants      map[string]map[string]secretGrant // ID -> relation key -> grant
	revokes     map[string][]secretGrant
	trackLatest map[string]bool
	// dropped are secrets created and removed within the hook.
	dropped map[string]bool
}

type secretCreate struct {
	uri   *jujuc.SecretURI
	owner string
	value jujuc.SecretValue
	secretFields
}

type secretUpdate struct {
	value jujuc.SecretValue // nil: no new revision
	secretFields
}

// secretFields are the metadata a create or update may set.
type secretFields struct {
	label, description, rotate *string
	expire                     *time.Time
}

func (f *secretFields) merge(a jujuc.SecretUpdateArgs) {
	if a.Label != nil {
		f.label = a.Label
	}
	if a.Description != nil {
		f.description = a.Description
	}
	if a.RotatePolicy != nil {
		f.rotate = a.RotatePolicy
	}
	if a.ExpireTime != nil {
		f.expire = a.ExpireTime
	}
}

type secretDelete struct {
	revisions []int // nil: every revision
}

type secretGrant struct {
	relKey    string
	app, unit string
}

// subject is the grant's target as Juju's tags name it; a unit wins over
// its application.
func (g secretGrant) subject() string {
	if g.unit != "" {
		return unitTag(g.unit)
	}
	return "application-" + g.app
}

func unitTag(unit string) string { return "unit-" + strings.Replace(unit, "/", "-", 1) }

func relationTag(key string) string {
	key = strings.Replace(key, ":", ".", 2)
	return "relation-" + strings.Replace(key, " ", "#", 1)
}

func subjectTag(name string) string {
	if strings.Contains(name, "/") {
		return unitTag(name)
	}
	return "application-" + name
}

func (c *secretChanges) init(secrets []Secret) {
	c.index = make(map[string]int, len(secrets))
	for i, s := range secrets {
		if s.RemovedAll {
			continue
		}
		if uri, err := jujuc.ParseSecretURI(s.ID); err == nil {
			c.index[uri.ID] = i
		}
	}
	c.creates = map[string]*secretCreate{}
	c.updates = map[string]*secretUpdate{}
	c.deletes = map[string]*secretDelete{}
	c.grants = map[string]map[string]secretGrant{}
	c.revokes = map[string][]secretGrant{}
	c.trackLatest = map[string]bool{}
	c.dropped = map[string]bool{}
}

// secret returns the committed secret with this bare ID, or nil.
func (h *hookContext) secret(id string) *Secret {
	if i, ok := h.secrets.index[id]; ok {
		return &h.st.Secrets[i]
	}
	return nil
}

// manages reports whether this unit may change s: its own secrets, and
// its application's on the leader.
func (h *hookContext) manages(s *Secret) bool {
	return s.Owner == "unit" || (s.Owner == "application" && h.st.Leader)
}

// committedMetadata is what Juju loads from the controller: the secrets
// this unit manages, keyed by bare ID.
func (h *hookContext) committedMetadata() map[string]*Secret {
	out := map[string]*Secret{}
	for id := range h.secrets.index {
		if s := h.secret(id); h.manages(s) {
			out[id] = s
		}
	}
	return out
}

func (h *hookContext) SecretMetadata() (map[string]jujuc.SecretMetadata, error) {
	sc := &h.secrets
	out := map[string]jujuc.SecretMetadata{}
	for id, c := range sc.creates {
		md := jujuc.SecretMetadata{Owner: c.owner, LatestRevision: 1, LatestExpireTime: c.expire}
		applyFields(&md, c.secretFields)
		out[id] = md
	}
	for id, s := range h.committedMetadata() {
		if _, deleted := sc.deletes[id]; deleted {
			continue
		}
		md := jujuc.SecretMetadata{
			Owner: s.Owner, Label: s.Label, Description: s.Description,
			RotatePolicy: s.Rotate, LatestRevision: s.Revision,
		}
		if !s.Expire.IsZero() {
			t := s.Expire
			md.LatestExpireTime = &t
		}
		md.Access = h.committedAccess(s)
		if u, ok := sc.updates[id]; ok {
			applyFields(&md, u.secretFields)
		}
		out[id] = md
	}
	for id, md := range out {
		md.Access = sc.pendingAccess(id, md.Access)
		out[id] = md
	}
	return out, nil
}

func applyFields(md *jujuc.SecretMetadata, f secretFields) {
	if f.label != nil {
		md.Label = *f.label
	}
	if f.description != nil {
		md.Description = *f.description
	}
	if f.rotate != nil {
		md.RotatePolicy = *f.rotate
	}
	if f.expire != nil {
		md.LatestExpireTime = f.expire
	}
}

// committedAccess lists the State grants of s as Juju's access info,
// ordered by relation ID and subject.
func (h *hookContext) committedAccess(s *Secret) []jujuc.SecretAccess {
	ids := slices.Sorted(maps.Keys(s.Grants))
	var out []jujuc.SecretAccess
	for _, id := range ids {
		r, ok := h.relations[id]
		if !ok {
			continue
		}
		for _, name := range s.Grants[id] {
			out = append(out, jujuc.SecretAccess{Target: subjectTag(name), Scope: relationTag(r.Key()), Role: "view"})
		}
	}
	return out
}

// pendingAccess adds the hook's grants to applied and takes its revokes
// out, as Juju's secretGrantInfo does.
func (c *secretChanges) pendingAccess(id string, applied []jujuc.SecretAccess) []jujuc.SecretAccess {
	keys := slices.Sorted(maps.Keys(c.grants[id]))
	for _, k := range keys {
		g := c.grants[id][k]
		applied = append(applied, jujuc.SecretAccess{Target: g.subject(), Scope: relationTag(g.relKey), Role: "view"})
	}
	for _, r := range c.revokes[id] {
		for i, a := range applied {
			if a.Target == r.subject() {
				applied = slices.Delete(applied, i, i+1)
				break
			}
		}
	}
	return applied
}

// pendingValue answers secret-get from the hook's own creates (always)
// and updates (with --refresh or --peek).
func (h *hookContext) pendingValue(uri *jujuc.SecretURI, label string, refresh, peek bool) (jujuc.SecretValue, bool) {
	sc := &h.secrets
	if uri == nil && label == "" {
		return nil, false
	}
	for _, id := range sc.createOrder {
		c := sc.creates[id]
		if c == nil {
			continue
		}
		if uri != nil && id == uri.ID {
			if label != "" {
				l := label
				c.label = &l
			}
			return c.value, true
		}
		if label != "" && c.label != nil && *c.label == label {
			return c.value, true
		}
	}
	if !refresh && !peek {
		return nil, false
	}
	for _, id := range slices.Sorted(maps.Keys(sc.updates)) {
		u := sc.updates[id]
		byURI := uri != nil && id == uri.ID
		if !byURI && (label == "" || u.label == nil || *u.label != label) {
			continue
		}
		if byURI && label != "" {
			l := label
			u.label = &l
		}
		if refresh {
			sc.trackLatest[id] = true
		}
		return u.value, len(u.value) > 0
	}
	return nil, false
}

func (h *hookContext) GetSecret(uri *jujuc.SecretURI, label string, refresh, peek bool) (jujuc.SecretValue, error) {
	if uri == nil && label == "" {
		return nil, fmt.Errorf("empty URI and label not valid")
	}
	if uri != nil {
		if v, ok := h.pendingValue(uri, label, refresh, peek); ok {
			return v, nil
		}
	}
	if label != "" {
		if v, ok := h.pendingValue(nil, label, refresh, peek); ok {
			return v, nil
		}
	}
	if uri == nil {
		uri = h.ownedByLabel(label)
		if uri != nil {
			label = ""
		}
	}
	return h.readSecret(uri, label, refresh, peek)
}

// ownedByLabel is Juju's lookupOwnedSecretURIByLabel: unit-owned secrets
// and the hook's pending creates and label changes.
func (h *hookContext) ownedByLabel(label string) *jujuc.SecretURI {
	for id, s := range h.committedMetadata() {
		if s.Owner == "unit" && s.Label == label {
			return &jujuc.SecretURI{ID: id}
		}
	}
	for _, id := range h.secrets.createOrder {
		if c := h.secrets.creates[id]; c != nil && c.label != nil && *c.label == label {
			return c.uri
		}
	}
	for id, u := range h.secrets.updates {
		if u.label != nil && *u.label == label {
			return &jujuc.SecretURI{ID: id}
		}
	}
	return nil
}

// readSecret is the controller side of secret-get: owners (and every unit
// of an owning application) read by URI or owner label, consumers by URI
// or their own label; each unit tracks a revision.
func (h *hookContext) readSecret(uri *jujuc.SecretURI, label string, refresh, peek bool) (jujuc.SecretValue, error) {
	var s *Secret
	if uri == nil {
		for _, id := range slices.Sorted(maps.Keys(h.secrets.index)) {
			if c := h.secret(id); c.Owner != "" && c.Label == label {
				s = c
				break
			}
		}
		if s == nil {
			for _, id := range slices.Sorted(maps.Keys(h.secrets.index)) {
				if c := h.secret(id); c.Owner == "" && c.Label == label {
					s = c
					break
				}
			}
		}
		if s == nil {
			return nil, jujuc.NotFoundf("consumer label %q", label)
		}
	} else {
		if s = h.secret(uri.ID); s == nil {
			return nil, jujuc.ErrPermission
		}
		// Labels given with a URI are saved at once, not at commit: the
		// owner's label by the owner, the consumer's by the consumer.
		if label != "" && label != s.Label && (s.Owner == "" || h.manages(s)) {
			s.Label = label
		}
	}
	if s.TrackedRevision == 0 {
		// No consumer record yet: the first read tracks the latest.
		refresh = true
	}
	content := s.Content
	switch {
	case refresh:
		s.TrackedRevision, s.TrackedContent = s.Revision, nil
	case peek || s.TrackedRevision == s.Revision:
	default:
		content = s.TrackedContent
	}
	return jujuc.EncodeSecretValue(content), nil
}

func (h *hookContext) CreateSecret(a jujuc.SecretCreateArgs) (*jujuc.SecretURI, error) {
	sc := &h.secrets
	if a.Owner == "application" && !h.st.Leader {
		return nil, jujuc.ErrNotLeader
	}
	if len(a.Value) == 0 {
		// Juju's spelling.
		return nil, fmt.Errorf("empty secrte content not valid")
	}
	if a.Label != nil {
		for _, c := range sc.creates {
			if c.label != nil && *c.label == *a.Label {
				return nil, fmt.Errorf("secret with label %q already exists", *a.Label)
			}
		}
	}
	// Juju 3.6's controller makes secret URIs with the model as their
	// source, so secret-add prints secret://<model-uuid>/<id>.
	uri := jujuc.NewSecretURI()
	uri.SourceUUID = h.modelUUID
	c := &secretCreate{uri: uri, owner: a.Owner, value: a.Value}
	c.merge(a.SecretUpdateArgs)
	delete(sc.deletes, uri.ID)
	sc.creates[uri.ID] = c
	sc.createOrder = append(sc.createOrder, uri.ID)
	return uri, nil
}

func sameContent(a jujuc.SecretValue, plain map[string]string) bool {
	return maps.Equal(map[string]string(a), map[string]string(jujuc.EncodeSecretValue(plain)))
}

func (h *hookContext) UpdateSecret(uri *jujuc.SecretURI, a jujuc.SecretUpdateArgs) error {
	sc := &h.secrets
	s, known := h.committedMetadata()[uri.ID]
	if known && s.Owner == "application" && !h.st.Leader {
		return jujuc.ErrNotLeader
	}
	var value jujuc.SecretValue
	if len(a.Value) > 0 && (!known || !sameContent(a.Value, s.Content)) {
		value = a.Value
	}
	if a.RotatePolicy == nil && a.Description == nil && a.ExpireTime == nil && a.Label == nil && value == nil {
		return nil
	}
	delete(sc.deletes, uri.ID)
	if c, ok := sc.creates[uri.ID]; ok {
		c.merge(a)
		if value != nil {
			c.value = value
		}
		return nil
	}
	u, ok := sc.updates[uri.ID]
	if !ok {
		u = &secretUpdate{}
		sc.updates[uri.ID] = u
	}
	u.merge(a)
	if value != nil {
		u.value = value
	}
	return nil
}

func (h *hookContext) RemoveSecret(uri *jujuc.SecretURI, revision *int) error {
	sc := &h.secrets
	if s, known := h.committedMetadata()[uri.ID]; known && s.Owner == "application" && !h.st.Leader {
		return jujuc.ErrNotLeader
	}
	if _, ok := sc.creates[uri.ID]; ok {
		sc.dropped[uri.ID] = true
		sc.createOrder = slices.DeleteFunc(sc.createOrder, func(id string) bool { return id == uri.ID })
	}
	delete(sc.creates, uri.ID)
	delete(sc.updates, uri.ID)
	delete(sc.grants, uri.ID)
	delete(sc.revokes, uri.ID)
	delete(sc.trackLatest, uri.ID)
	d, exists := sc.deletes[uri.ID]
	switch {
	case !exists && revision != nil:
		sc.deletes[uri.ID] = &secretDelete{revisions: []int{*revision}}
	case !exists:
		sc.deletes[uri.ID] = &secretDelete{}
	case d.revisions != nil && revision != nil:
		d.revisions = append(d.revisions, *revision)
	case d.revisions != nil:
		d.revisions = nil
	}
	return nil
}

func (h *hookContext) GrantSecret(uri *jujuc.SecretURI, a jujuc.SecretGrantRevokeArgs) error {
	sc := &h.secrets
	all, _ := h.SecretMetadata()
	md, ok := all[uri.ID]
	if !ok {
		return jujuc.NotFoundf("secret %q", uri.ID)
	}
	if md.Owner == "application" && !h.st.Leader {
		return jujuc.ErrNotLeader
	}
	g := grantArgs(a)
	subject, scope := g.subject(), relationTag(g.relKey)
	for _, existing := range md.Access {
		if existing.Scope != scope || existing.Role != "view" {
			continue
		}
		if existing.Target == subject || strings.HasPrefix(existing.Target, "application-") {
			return nil
		}
		if strings.HasPrefix(subject, "application-") {
			return fmt.Errorf("any unit level grants need to be revoked before granting access to the corresponding application")
		}
	}
	if sc.grants[uri.ID] == nil {
		sc.grants[uri.ID] = map[string]secretGrant{}
	}
	sc.grants[uri.ID][g.relKey] = g
	return nil
}

func grantArgs(a jujuc.SecretGrantRevokeArgs) secretGrant {
	var g secretGrant
	if a.RelationKey != nil {
		g.relKey = *a.RelationKey
	}
	if a.ApplicationName != nil {
		g.app = *a.ApplicationName
	}
	if a.UnitName != nil {
		g.unit = *a.UnitName
	}
	return g
}

func (h *hookContext) RevokeSecret(uri *jujuc.SecretURI, a jujuc.SecretGrantRevokeArgs) error {
	sc := &h.secrets
	if s, known := h.committedMetadata()[uri.ID]; known && s.Owner == "application" && !h.st.Leader {
		return jujuc.ErrNotLeader
	}
	g := grantArgs(a)
	for _, r := range sc.revokes[uri.ID] {
		if r == g {
			return nil
		}
		// A unit's access goes with its application's.
		if r.unit == "" && g.unit != "" && jujuc.UnitApplication(g.unit) == r.app {
			return nil
		}
	}
	sc.revokes[uri.ID] = append(sc.revokes[uri.ID], g)
	return nil
}

// checkSecrets is the controller's verdict on the hook's secret changes,
// before any of them is applied (Juju commits them in one transaction).
func (h *hookContext) checkSecrets() error {
	sc := &h.secrets
	managed := func(id string) error {
		s := h.secret(id)
		if s == nil {
			return jujuc.NotFoundf("secret %q", id)
		}
		if !h.manages(s) {
			return jujuc.ErrPermission
		}
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(sc.updates)) {
		if err := managed(id); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(sc.deletes)) {
		if sc.dropped[id] {
			continue
		}
		if err := managed(id); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(sc.revokes)) {
		if err := managed(id); err != nil {
			return err
		}
	}
	// Owner labels are unique per owner.
	labels := map[string]string{} // owner/label -> ID
	for id, i := range sc.index {
		s := h.st.Secrets[i]
		if s.Owner != "" && s.Label != "" {
			labels[s.Owner+"/"+s.Label] = id
		}
	}
	check := func(id, owner string, label *string) error {
		if label == nil || *label == "" {
			return nil
		}
		if other, ok := labels[owner+"/"+*label]; ok && other != id {
			return fmt.Errorf("secret with label %q already exists", *label)
		}
		labels[owner+"/"+*label] = id
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(sc.updates)) {
		if err := check(id, h.secret(id).Owner, sc.updates[id].label); err != nil {
			return err
		}
	}
	for _, id := range sc.createOrder {
		if err := check(id, sc.creates[id].owner, sc.creates[id].label); err != nil {
			return err
		}
	}
	return nil
}

// decodeContent turns Juju's encoded content into State's plain values;
// a value that is not valid base64 (a bad key#base64=) is kept as given.
func decodeContent(v jujuc.SecretValue) map[string]string {
	out := make(map[string]string, len(v))
	for k, enc := range v {
		if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
			out[k] = string(dec)
		} else {
			out[k] = enc
		}
	}
	return out
}

func applyFieldsToSecret(s *Secret, f secretFields) {
	if f.label != nil {
		s.Label = *f.label
	}
	if f.description != nil {
		s.Description = *f.description
	}
	if f.rotate != nil {
		s.Rotate = *f.rotate
	}
	if f.expire != nil {
		s.Expire = *f.expire
	}
}

// commitSecrets applies the checked secret changes to the State.
func (h *hookContext) commitSecrets() {
	sc := &h.secrets
	relIDs := map[string]int{}
	for id, r := range h.relations {
		relIDs[r.Key()] = id
	}
	for id, u := range sc.updates {
		s := h.secret(id)
		applyFieldsToSecret(s, u.secretFields)
		if u.value != nil {
			if s.TrackedRevision > 0 && s.TrackedContent == nil {
				// This unit (an owner that read it) keeps tracking the
				// revision it saw: keep that content, or the State out
				// would not be a valid State in.
				s.TrackedContent = s.Content
			}
			s.Revision++
			s.Content = decodeContent(u.value)
		}
	}
	for id := range sc.trackLatest {
		if s := h.secret(id); s != nil {
			s.TrackedRevision, s.TrackedContent = s.Revision, nil
		}
	}
	for id, d := range sc.deletes {
		s := h.secret(id)
		if s == nil {
			continue
		}
		if d.revisions == nil {
			s.RemovedAll = true
			continue
		}
		for _, r := range d.revisions {
			if !slices.Contains(s.RemovedRevisions, r) {
				s.RemovedRevisions = append(s.RemovedRevisions, r)
			}
		}
		sort.Ints(s.RemovedRevisions)
	}
	for id, rs := range sc.revokes {
		s := h.secret(id)
		for _, r := range rs {
			name := r.unit
			if name == "" {
				name = r.app
			}
			for relID, names := range s.Grants {
				names = slices.DeleteFunc(names, func(n string) bool { return n == name })
				if len(names) == 0 {
					delete(s.Grants, relID)
				} else {
					s.Grants[relID] = names
				}
			}
		}
	}
	for _, id := range sc.createOrder {
		c := sc.creates[id]
		s := Secret{ID: c.uri.String(), Owner: c.owner, Revision: 1, Content: decodeContent(c.value)}
		applyFieldsToSecret(&s, c.secretFields)
		h.st.Secrets = append(h.st.Secrets, s)
		sc.index[id] = len(h.st.Secrets) - 1
	}
	for _, id := range slices.Sorted(maps.Keys(sc.grants)) {
		s := h.secret(id)
		if s == nil {
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(sc.grants[id])) {
			g := sc.grants[id][key]
			relID, ok := relIDs[g.relKey]
			if !ok {
				continue
			}
			name := g.unit
			if name == "" {
				name = g.app
			}
			if s.Grants == nil {
				s.Grants = map[int][]string{}
			}
			if !slices.Contains(s.Grants[relID], name) {
				s.Grants[relID] = append(s.Grants[relID], name)
			}
		}
	}
}
