package localpods_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/images"
	"github.com/identity-platform-go/charms/internal/pod"
	"github.com/identity-platform-go/charms/internal/workload"
)

// The images the charms will name as their default resources
// (internal/images/catalog.yaml).
const (
	postgresImage = "docker.io/library/postgres:15"
	hydraImage    = "ghcr.io/canonical/hydra:2.3.0-canonical"
	traefikImage  = "docker.io/library/traefik:v3.6"
)

const model = "stack"

// TestHydraThroughTraefik starts PostgreSQL, Hydra and Traefik in three
// pods, configures each only through its Pebble as the charms will, and
// reaches Hydra's discovery document through Traefik from the host.
func TestHydraThroughTraefik(t *testing.T) {
	t.Parallel()
	workloads := requirements(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started := time.Now()
	last := started
	lap := func(phase string) {
		now := time.Now()
		t.Logf("phase %-34s %6.2fs", phase, now.Sub(last).Seconds())
		last = now
	}

	cat, err := images.Default()
	if err != nil {
		t.Fatal(err)
	}
	rt := openRuntime(t)
	lap("open runtime")

	// --- pods: created first (every hosts file names all three), then
	// started together.
	workloadSpec := func(app, image string, mounts ...pod.Mount) pod.PodSpec {
		return pod.PodSpec{
			Model: model, Application: app, Unit: 0,
			CharmDir: t.TempDir(), ToolsDir: t.TempDir(),
			Containers: []pod.ContainerSpec{containerSpec(t, cat, workloads, app, image, mounts...)},
		}
	}
	specs := []pod.PodSpec{
		workloadSpec("postgresql", postgresImage, pod.Mount{Storage: "pgdata", Location: pgStorage}),
		workloadSpec("hydra", hydraImage),
		workloadSpec("traefik", traefikImage),
	}
	pods := make([]*pod.Pod, len(specs))
	for i, spec := range specs {
		p, err := rt.Create(spec)
		if err != nil {
			t.Fatal(err)
		}
		pods[i] = p
		t.Cleanup(func() {
			start := time.Now()
			defer func() { t.Logf("destroyed pod %s in %.2fs", p.Name(), time.Since(start).Seconds()) }()
			if err := p.Destroy(context.Background()); err != nil {
				t.Errorf("destroy pod %s: %v", p.Name(), err)
			}
			if err := rt.DestroyStorage(spec.Model, spec.Name()); err != nil {
				t.Errorf("destroy storage of %s: %v", p.Name(), err)
			}
		})
	}
	pgPod, hydraPod, traefikPod := pods[0], pods[1], pods[2]
	superPassword, hydraPassword, systemSecret, cookieSecret := secret(t), secret(t), secret(t), secret(t)
	dumpOnFailure(t, pods, superPassword, hydraPassword, systemSecret, cookieSecret)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		startErr []error
	)
	for _, p := range pods {
		wg.Go(func() {
			if err := p.Start(ctx); err != nil {
				mu.Lock()
				startErr = append(startErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(startErr...); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		t.Logf("pod %s at %s", p.Name(), p.Address())
	}
	lap("create and start 3 pods")

	// --- PostgreSQL: initdb as postgres with a SCRAM superuser password,
	// pods of the subnet allowed in by password, the server as a Pebble
	// service, then the role and database hydra.
	pg := pebbleOf(t, pgPod, "postgresql")
	asPostgres := func(req workload.ExecRequest) workload.ExecRequest {
		req.User, req.Group, req.WorkingDir = "postgres", "postgres", "/tmp"
		return req
	}
	mustExec(t, ctx, pg, workload.ExecRequest{Command: []string{"install", "-d", "-o", "postgres", "-g", "postgres", "-m", "0700", pgData}})
	const pwfile = "/tmp/initdb-pwfile"
	mustPush(t, ctx, pg, pwfile, []byte(superPassword+"\n"), workload.PushOptions{Permissions: 0o600, User: "postgres", Group: "postgres"})
	mustExec(t, ctx, pg, asPostgres(workload.ExecRequest{Command: []string{
		pgBin + "initdb", "-D", pgData, "-U", "postgres", "--pwfile=" + pwfile,
		"--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
	}}), superPassword)
	mustExec(t, ctx, pg, workload.ExecRequest{Command: []string{"rm", "-f", pwfile}})
	mustPush(t, ctx, pg, pgData+"/pg_hba.conf", pgHBA(rt.Config().Subnet), workload.PushOptions{Permissions: 0o600, User: "postgres", Group: "postgres"})
	lap("postgresql: initdb")

	mustApply(t, ctx, pg, "postgresql", postgresLayer())
	waitFor(t, ctx, "postgresql accepting TCP connections", func(ctx context.Context) error {
		res, err := pg.Exec(ctx, asPostgres(workload.ExecRequest{Command: []string{pgBin + "pg_isready", "-h", "127.0.0.1", "-p", "5432"}}))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pg_isready: exit %d: %s", res.ExitCode, res.Stdout)
		}
		return nil
	})
	sql := fmt.Sprintf("CREATE ROLE hydra LOGIN PASSWORD '%s';\nCREATE DATABASE hydra OWNER hydra;\n", hydraPassword)
	mustExec(t, ctx, pg, asPostgres(workload.ExecRequest{
		Command: []string{pgBin + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pgSocketDir, "-d", "postgres", "-f", "-"},
		Stdin:   []byte(sql),
	}), hydraPassword)
	lap("postgresql: serve, create database")

	// --- Hydra: its DSN names PostgreSQL's pod by its Kubernetes name,
	// which resolves inside the pod to the PostgreSQL pod's address.
	hy := pebbleOf(t, hydraPod, "hydra")
	pgHost := pod.PodFQDN(model, "postgresql", 0)
	res := mustExec(t, ctx, hy, workload.ExecRequest{Command: []string{"getent", "hosts", pgHost}})
	if got := strings.Fields(string(res.Stdout)); len(got) == 0 || got[0] != pgPod.Address().String() {
		t.Fatalf("in the hydra pod, %s resolves to %q, want %s", pgHost, res.Stdout, pgPod.Address())
	}
	issuer := fmt.Sprintf("http://%s/%s-hydra", traefikPod.Address(), model)
	dsn := fmt.Sprintf("postgres://hydra:%s@%s:5432/hydra", hydraPassword, pgHost)
	mustPush(t, ctx, hy, hydraConfigPath, mustYAML(t, newHydraConfig(dsn, issuer, systemSecret, cookieSecret)),
		workload.PushOptions{Permissions: 0o600, MakeDirs: true})
	// -e takes the DSN from the configuration (or $DSN), as the charm's
	// migration does; the DSN never appears in argv.
	mustExec(t, ctx, hy, workload.ExecRequest{
		Command: []string{"hydra", "migrate", "sql", "-e", "--yes", "--config", hydraConfigPath},
		Timeout: time.Minute,
	}, hydraPassword, systemSecret, cookieSecret)
	lap("hydra: migrate sql")

	mustApply(t, ctx, hy, "hydra", hydraLayer())
	adminURL := fmt.Sprintf("http://%s:4445", hydraPod.Address())
	waitFor(t, ctx, "hydra ready (admin /health/ready from the host)", httpOK(adminURL+"/health/ready"))
	lap("hydra: serve")

	// --- Traefik: static config, one file-provider route, the service.
	tr := pebbleOf(t, traefikPod, "traefik")
	mustPush(t, ctx, tr, traefikStaticPath, mustYAML(t, traefikStatic()), workload.PushOptions{MakeDirs: true})
	upstream := fmt.Sprintf("http://%s:4444", pod.ServiceFQDN(model, "hydra"))
	mustPush(t, ctx, tr, traefikDynamicDir+"/juju_ingress_ingress_1_hydra.yaml",
		mustYAML(t, traefikIngress(model, "hydra", upstream)), workload.PushOptions{MakeDirs: true})
	mustApply(t, ctx, tr, "traefik", traefikLayer())
	waitFor(t, ctx, "traefik ping from the host", httpOK(fmt.Sprintf("http://%s:%d/ping", traefikPod.Address(), traefikDiagnostics)))
	lap("traefik: serve")

	// --- From the host: discovery through Traefik (the route may take a
	// moment to be loaded from the file provider).
	discoveryURL := fmt.Sprintf("http://%s/%s-hydra/.well-known/openid-configuration", traefikPod.Address(), model)
	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	waitFor(t, ctx, "discovery through traefik", func(ctx context.Context) error {
		code, body, err := httpDo(ctx, http.MethodGet, discoveryURL, "", nil)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", discoveryURL, code, truncate(body, 300))
		}
		return json.Unmarshal(body, &discovery)
	})
	if discovery.Issuer != issuer {
		t.Errorf("discovery issuer = %q, want %q", discovery.Issuer, issuer)
	}
	if want := issuer + "/.well-known/jwks.json"; discovery.JWKSURI != want {
		t.Errorf("discovery jwks_uri = %q, want %q", discovery.JWKSURI, want)
	}
	lap("discovery through traefik")
	// The advertised JWKS URL works through Traefik too.
	code, body, err := httpDo(ctx, http.MethodGet, discovery.JWKSURI, "", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", discovery.JWKSURI, code, err, truncate(body, 300))
	}
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &jwks); err != nil || len(jwks.Keys) == 0 {
		t.Errorf("JWKS has no keys (%v): %s", err, truncate(body, 300))
	}
	lap("JWKS through traefik")

	// --- The database works: a client created through the admin API is
	// stored and read back.
	clientJSON := []byte(`{"client_name":"localpods-e2e","grant_types":["authorization_code","refresh_token"],` +
		`"response_types":["code"],"redirect_uris":["http://127.0.0.1/callback"],"scope":"openid profile",` +
		`"token_endpoint_auth_method":"client_secret_basic"}`)
	code, body, err = httpDo(ctx, http.MethodPost, adminURL+"/admin/clients", "application/json", clientJSON)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("POST %s/admin/clients: %d %v %s", adminURL, code, err, truncate(body, 300))
	}
	var created struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.ClientID == "" || created.ClientSecret == "" {
		t.Fatalf("created client: no client_id or client_secret (%v)", err)
	}
	code, body, err = httpDo(ctx, http.MethodGet, adminURL+"/admin/clients/"+created.ClientID, "", nil)
	if err != nil || code != http.StatusOK || !strings.Contains(string(body), "localpods-e2e") {
		t.Fatalf("GET the created client: %d %v %s", code, err, truncate(body, 300))
	}
	lap("hydra admin: create and read a client")

	// --- What a charm reads as "running": services active, checks up.
	for _, w := range []struct {
		c       *workload.Container
		service string
		checks  []string
	}{
		{pg, "postgresql", []string{"postgresql-ready"}},
		{hy, "hydra", []string{"ready", "alive"}},
		{tr, "traefik", []string{"ready"}},
	} {
		svcs, err := w.c.Services(ctx, w.service)
		if err != nil {
			t.Fatal(err)
		}
		if s := svcs[w.service]; !s.Active() {
			t.Errorf("%s: service %s is %q, want active", w.c.Name(), w.service, s.Current)
		}
		waitChecks(t, ctx, w.c, w.checks...)
	}
	lap("pebble services and checks")
	t.Logf("stack up and verified in %.2fs", time.Since(started).Seconds())
}
