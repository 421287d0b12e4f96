package hooktool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const secretURI = "secret:9m4e2mr0ui3e8a215n4g"

func TestSecretTools(t *testing.T) {
	t.Parallel()
	expire := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600))
	runToolCases(t, []toolCase{
		{
			name:   "secret-get by id",
			stdout: `{"key":"s3cret!"}` + "\n",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{ID: secretURI}, SecretGetOptions{})
			},
			want:   c("secret-get", "--format=json", "--", secretURI),
			result: map[string]string{"key": "s3cret!"},
		},
		{
			name:   "secret-get by label, refresh",
			stdout: `{"password":"x"}` + "\n",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{Label: "db-password"}, SecretGetOptions{Refresh: true})
			},
			want:   c("secret-get", "--format=json", "--label", "db-password", "--refresh"),
			result: map[string]string{"password": "x"},
		},
		{
			name:   "secret-get id and label, peek, null content",
			stdout: "null\n",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{ID: secretURI, Label: "l"}, SecretGetOptions{Peek: true})
			},
			want:   c("secret-get", "--format=json", "--label", "l", "--peek", "--", secretURI),
			result: map[string]string{},
		},
		{
			name: "secret-get peek and refresh",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{ID: secretURI}, SecretGetOptions{Peek: true, Refresh: true})
			},
			wantErr: "specify one of peek or refresh but not both",
		},
		{
			name: "secret-get no ref",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{}, SecretGetOptions{})
			},
			wantErr: "require either a secret URI or label",
		},
		{
			name:   "secret-get malformed output does not echo content",
			stdout: `{"key":"s3cret!"`,
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretGet(ctx, SecretRef{ID: secretURI}, SecretGetOptions{})
			},
			want:    c("secret-get", "--format=json", "--", secretURI),
			wantErr: "secret-get: malformed JSON output at offset",
		},
		{
			name:   "secret-info-get by id",
			stdout: `{"9m4e2mr0ui3e8a215n4g":{"revision":666,"label":"label","owner":"application","description":"description","rotation":"hourly","expiry":"2030-01-02T02:04:05Z","rotates":"2029-12-31T00:00:00Z","access":[{"target":"application-gitlab","scope":"relation-key","role":"view"}]}}` + "\n",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretInfoGet(ctx, SecretRef{ID: secretURI})
			},
			want: c("secret-info-get", "--format=json", "--", secretURI),
			result: SecretInfo{
				ID: "9m4e2mr0ui3e8a215n4g", Label: "label", Owner: "application", Description: "description",
				Revision: 666, Rotation: "hourly",
				Expiry:  time.Date(2030, 1, 2, 2, 4, 5, 0, time.UTC),
				Rotates: time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC),
				Access:  []SecretAccess{{Target: "application-gitlab", Scope: "relation-key", Role: "view"}},
			},
		},
		{
			name:   "secret-info-get by label, omitted fields",
			stdout: `{"9m4e2mr0ui3e8a215n4g":{"revision":1,"label":"db","owner":"unit"}}` + "\n",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretInfoGet(ctx, SecretRef{Label: "db"})
			},
			want:   c("secret-info-get", "--format=json", "--label", "db"),
			result: SecretInfo{ID: "9m4e2mr0ui3e8a215n4g", Label: "db", Owner: "unit", Revision: 1},
		},
		{
			name: "secret-info-get both",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretInfoGet(ctx, SecretRef{ID: secretURI, Label: "db"})
			},
			wantErr: "specify either a secret URI or label but not both",
		},
		{
			name:   "secret-info-get not found",
			runErr: &Error{Tool: "secret-info-get", Code: 1, Stderr: `ERROR secret "db" not found` + "\n"},
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretInfoGet(ctx, SecretRef{Label: "db"})
			},
			want:    c("secret-info-get", "--format=json", "--label", "db"),
			wantErr: `secret-info-get: secret "db" not found`,
		},
		{
			name:   "secret-ids sorted",
			stdout: `["d4b2ofc5bnk4gunnuig0","cq1b2ofc5bnk4gunnuig"]` + "\n",
			do:     func(ctx context.Context, cl *Client) (any, error) { return cl.SecretIDs(ctx) },
			want:   c("secret-ids", "--format=json"),
			result: []string{"cq1b2ofc5bnk4gunnuig", "d4b2ofc5bnk4gunnuig0"},
		},
		{
			name:   "secret-ids none prints null",
			stdout: "null\n",
			do:     func(ctx context.Context, cl *Client) (any, error) { return cl.SecretIDs(ctx) },
			want:   c("secret-ids", "--format=json"),
			result: []string{},
		},
		{
			name:   "secret-grant app",
			do:     func(ctx context.Context, cl *Client) (any, error) { return nil, cl.SecretGrant(ctx, secretURI, 3, "") },
			want:   c("secret-grant", "-r", "3", "--", secretURI),
			result: nil,
		},
		{
			name: "secret-grant unit",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretGrant(ctx, secretURI, 3, "kratos/1")
			},
			want:   c("secret-grant", "-r", "3", "--unit", "kratos/1", "--", secretURI),
			result: nil,
		},
		{
			name:    "secret-grant needs a relation",
			do:      func(ctx context.Context, cl *Client) (any, error) { return nil, cl.SecretGrant(ctx, secretURI, -1, "") },
			wantErr: "secret-grant: invalid relation id -1",
		},
		{
			name: "secret-revoke relation",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, 0, "", "")
			},
			want:   c("secret-revoke", "-r", "0", "--", secretURI),
			result: nil,
		},
		{
			name: "secret-revoke app",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, -1, "kratos", "")
			},
			want:   c("secret-revoke", "--app", "kratos", "--", secretURI),
			result: nil,
		},
		{
			name: "secret-revoke relation and unit",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, 2, "", "kratos/0")
			},
			want:   c("secret-revoke", "-r", "2", "--unit", "kratos/0", "--", secretURI),
			result: nil,
		},
		{
			name: "secret-revoke no target",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, -1, "", "")
			},
			wantErr: "secret-revoke: missing relation or application or unit",
		},
		{
			name: "secret-revoke app and unit",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, -1, "a", "a/0")
			},
			wantErr: "specify only one of application or unit",
		},
		{
			name: "secret-revoke relation and app",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretRevoke(ctx, secretURI, 1, "a", "")
			},
			wantErr: "do not specify both relation and app",
		},
		{
			name:   "secret-remove all revisions",
			do:     func(ctx context.Context, cl *Client) (any, error) { return nil, cl.SecretRemove(ctx, secretURI, 0) },
			want:   c("secret-remove", "--", secretURI),
			result: nil,
		},
		{
			name:   "secret-remove one revision",
			do:     func(ctx context.Context, cl *Client) (any, error) { return nil, cl.SecretRemove(ctx, secretURI, 2) },
			want:   c("secret-remove", "--revision", "2", "--", secretURI),
			result: nil,
		},
		{
			name:    "secret-remove negative revision",
			do:      func(ctx context.Context, cl *Client) (any, error) { return nil, cl.SecretRemove(ctx, secretURI, -3) },
			wantErr: "secret-remove: invalid revision -3",
		},
		{
			name: "secret-set metadata only",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return nil, cl.SecretSet(ctx, secretURI, nil, SecretOptions{
					Label: "db", Description: "my db", Expire: expire, Rotate: "monthly", Owner: "unit",
				})
			},
			want: c("secret-set", "--label", "db", "--description", "my db", "--expire", "2030-01-02T02:04:05Z",
				"--rotate", "monthly", "--", secretURI),
			result: nil,
		},
		{
			name:    "secret-add nothing",
			do:      func(ctx context.Context, cl *Client) (any, error) { return cl.SecretAdd(ctx, nil, SecretOptions{}) },
			wantErr: "secret-add: missing secret content",
		},
		{
			name: "secret-add bad key never reaches the tool",
			do: func(ctx context.Context, cl *Client) (any, error) {
				return cl.SecretAdd(ctx, map[string]string{"a=b": "hunter2"}, SecretOptions{})
			},
			wantErr: `secret-add: invalid secret key "a=b"`,
		},
	})
}

// secretFileChecker inspects, during the tool call, the files the client
// made for "key#file=path" arguments.
type secretFileChecker struct {
	t       *testing.T
	content map[string]string

	mu    sync.Mutex
	dirs  []string
	files []string
}

func (s *secretFileChecker) check(cl call) {
	s.t.Helper()
	got := map[string]string{}
	for _, a := range cl.Args {
		for _, v := range s.content {
			if v != "" && strings.Contains(a, v) {
				s.t.Errorf("secret value in argv: %q", a)
			}
		}
		key, path, ok := strings.Cut(a, "#file=")
		if !ok {
			continue
		}
		if !filepath.IsAbs(path) {
			s.t.Errorf("relative secret file path %q", path)
		}
		fi, err := os.Stat(path)
		if err != nil {
			s.t.Fatalf("secret file: %v", err)
		}
		if fi.Mode().Perm() != 0o600 {
			s.t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil || di.Mode().Perm() != 0o700 {
			s.t.Errorf("secret dir mode %v (%v), want 0700", di.Mode().Perm(), err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			s.t.Fatal(err)
		}
		got[key] = string(b)
		s.mu.Lock()
		s.files = append(s.files, path)
		s.dirs = append(s.dirs, filepath.Dir(path))
		s.mu.Unlock()
	}
	if !reflect.DeepEqual(got, s.content) {
		s.t.Errorf("file content = %q, want %q", got, s.content)
	}
}

func (s *secretFileChecker) assertGone() {
	s.t.Helper()
	for _, p := range append(slices.Clone(s.files), s.dirs...) {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			s.t.Errorf("%s still exists after the call (%v)", p, err)
		}
	}
}

func TestSecretAddValuesNeverInArgv(t *testing.T) {
	t.Parallel()
	content := map[string]string{
		"password":    "hunter2 with spaces\n",
		"cert#base64": "LS0tLS1CRUdJTg==",
		"big":         strings.Repeat("x", 300<<10),
	}
	tests := []struct {
		name    string
		runErr  error
		stdout  string
		wantID  string
		wantErr string
	}{
		{name: "success trims the newline", stdout: secretURI + "\n", wantID: secretURI},
		{name: "tool failure still cleans up", runErr: &Error{Tool: "secret-add", Code: 1, Stderr: "ERROR this unit is not the leader\n"}, wantErr: "secret-add: this unit is not the leader"},
		{name: "empty output", stdout: "\n", wantErr: "no secret URI"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chk := &secretFileChecker{t: t, content: content}
			f := &fakeRunner{stdout: tc.stdout, err: tc.runErr, onRun: chk.check}
			id, err := New(f).SecretAdd(context.Background(), content, SecretOptions{
				Label: "db", Owner: "unit", Rotate: "daily",
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				for v := range content {
					if strings.Contains(err.Error(), content[v]) {
						t.Errorf("secret value in error")
					}
				}
			} else if err != nil || id != tc.wantID {
				t.Fatalf("SecretAdd = %q, %v; want %q", id, err, tc.wantID)
			}
			calls := f.recorded()
			if len(calls) != 1 {
				t.Fatalf("calls = %d", len(calls))
			}
			args := calls[0].Args
			wantPrefix := []string{"--label", "db", "--rotate", "daily", "--owner", "unit", "--"}
			if !slices.Equal(args[:len(wantPrefix)], wantPrefix) {
				t.Errorf("flags = %q, want %q", args[:len(wantPrefix)], wantPrefix)
			}
			var keys []string
			for _, a := range args[len(wantPrefix):] {
				k, _, _ := strings.Cut(a, "#file=")
				keys = append(keys, k)
			}
			if want := []string{"big", "cert#base64", "password"}; !slices.Equal(keys, want) {
				t.Errorf("keys = %q, want sorted %q", keys, want)
			}
			if len(chk.files) != len(content) {
				t.Errorf("checked %d files, want %d", len(chk.files), len(content))
			}
			chk.assertGone()
		})
	}
}

func TestSecretSetContentThroughFiles(t *testing.T) {
	t.Parallel()
	content := map[string]string{"client-secret": "-not-a-flag="}
	chk := &secretFileChecker{t: t, content: content}
	f := &fakeRunner{onRun: chk.check}
	if err := New(f).SecretSet(context.Background(), secretURI, content, SecretOptions{Owner: "unit"}); err != nil {
		t.Fatal(err)
	}
	args := f.recorded()[0].Args
	if len(args) != 3 || args[0] != "--" || args[1] != secretURI || !strings.HasPrefix(args[2], "client-secret#file=/") {
		t.Errorf("argv = %q", args)
	}
	chk.assertGone()
}
