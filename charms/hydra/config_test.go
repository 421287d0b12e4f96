package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cfg     map[string]any
		want    settings
		wantErr string
	}{
		{name: "defaults", cfg: map[string]any{}, want: defaultSettings()},
		{
			name: "every option",
			cfg: map[string]any{
				"log_level": " debug ", "jwt_access_tokens": false, "dev": true, "auto_migrate": true,
				"initial_system_secret_id": "secret:d0rtaa7mp25c7bk1c2v0", "initial_cookie_secret_id": "secret:d0rtaa7mp25c7bk1c2vg",
			},
			want: settings{logLevel: "debug", jwtAccessTokens: false, dev: true, autoMigrate: true,
				initialSystemSecret: "secret:d0rtaa7mp25c7bk1c2v0", initialCookieSecret: "secret:d0rtaa7mp25c7bk1c2vg"},
		},
		{name: "unknown log level", cfg: map[string]any{"log_level": "verbose"}, wantErr: "log_level must be one of panic, fatal, error, warn, info, debug, trace"},
		{name: "log level is case-sensitive, as Hydra's", cfg: map[string]any{"log_level": "INFO"}, wantErr: "log_level must be one of"},
		{name: "mistyped boolean", cfg: map[string]any{"dev": "yes"}, wantErr: "dev must be a boolean, got string"},
		{name: "mistyped string", cfg: map[string]any{"log_level": 3}, wantErr: "log_level must be a string, got int"},
		{name: "not a secret URI", cfg: map[string]any{"initial_cookie_secret_id": "hunter2hunter2hunter2"}, wantErr: "initial_cookie_secret_id must be a secret URI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseSettings(tc.cfg)
			if tc.wantErr != "" {
				var ce *configError
				if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a configError starting %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error quotes the value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseSettings(f *testing.F) {
	f.Add("info", true, false, "")
	f.Add("trace ", false, true, "secret:d0rtaa7mp25c7bk1c2v0")
	f.Add("", false, false, "secret")
	f.Fuzz(func(t *testing.T, level string, jwt, dev bool, secretID string) {
		s, err := parseSettings(map[string]any{
			"log_level": level, "jwt_access_tokens": jwt, "dev": dev, "initial_system_secret_id": secretID,
		})
		if err != nil {
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("not a configError: %v", err)
			}
			return
		}
		// Whatever is accepted renders to a config Hydra can read.
		out, err := renderConfig(configInput{DSN: "postgres://u:p@h/db", SystemKeys: []string{"k"}, CookieKeys: []string{"c"},
			Settings: s, PublicURL: "https://hydra.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "level: "+s.logLevel+"\n") {
			t.Fatalf("log level %q not rendered:\n%s", s.logLevel, out)
		}
	})
}
