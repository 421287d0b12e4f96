package relation

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// NotReadyError is a requirer's view of a provider that has not published
// what it needs yet: the endpoint has no relation at all (NoRelation), or
// a relation is there and a key or an answer is still awaited. Charms
// report it as a status (typically blocked without the relation, waiting
// otherwise); its message names the endpoint and what is missing, never a
// secret. Interface packages export it under their own name
// (type NotReadyError = relation.NotReadyError).
type NotReadyError struct {
	Endpoint string
	// RelationID is the relation waited on, or -1 when there is none: the
	// endpoint has no relation, or what is missing is not one
	// relation's (a key that none of several relations carries).
	RelationID int
	// Key is the missing databag key, when one is.
	Key string
	// Reason says what is awaited, for the message; when empty the
	// message says Key is "not published yet".
	Reason string
}

// NotRelated is the *NotReadyError for an endpoint without relations.
func NotRelated(endpoint string) *NotReadyError {
	return &NotReadyError{Endpoint: endpoint, RelationID: -1}
}

func (e *NotReadyError) Error() string {
	switch {
	case e.NoRelation():
		return fmt.Sprintf("no %s relation", e.Endpoint)
	case e.Reason != "":
		return fmt.Sprintf("%s relation: %s", e.Endpoint, e.Reason)
	case e.Key != "":
		return fmt.Sprintf("%s relation: %s not published yet", e.Endpoint, e.Key)
	}
	return fmt.Sprintf("%s relation: not ready", e.Endpoint)
}

// NoRelation reports whether the endpoint has no relation at all (rather
// than a relation whose data has not arrived yet).
func (e *NotReadyError) NoRelation() bool { return e.RelationID < 0 && e.Key == "" }

// Unwrap gives the missing key as a *databag.KeyError wrapping
// databag.ErrMissing, so that errors.As finds the key; nil without a Key.
func (e *NotReadyError) Unwrap() error {
	if e.Key == "" {
		return nil
	}
	return &databag.KeyError{Key: e.Key, Err: databag.ErrMissing}
}
