package controller_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tokenWorkers is how many clients ask for tokens at once: 8, but no
// more than Hydra's database pool (max_conns defaults to 2 × CPUs). Past
// the pool, Hydra v2.3.0 deadlocks until the requests time out: a token
// request holds a pooled connection in its transaction while it waits
// for the signing-key mutex of jwk.GetOrGenerateKeys, whose holder waits
// for a pooled connection (ory/hydra#3863).
var tokenWorkers = min(8, 2*runtime.NumCPU())

// BenchmarkClientCredentials measures Hydra's client_credentials grant
// (JWT access tokens) on the bundle's deployment, direct to the Hydra
// pod's public port and through traefik-public, from the host with
// tokenWorkers keep-alive clients. One iteration is one token; the
// deployment is set up once, outside the timed loops. The target is
// traefik-public ≥ 85% of direct; the traefik-public run reports its
// ratio as %direct.
func BenchmarkClientCredentials(b *testing.B) {
	e := newEnvTB(b)
	p := deployPlatform(b, e, false)
	res := mustRun(b, e, "hydra/0", "create-oauth-client", "name=bench", "grant-types=[client_credentials]")
	id, _ := res.Output["client-id"].(string)
	secret, _ := res.Output["client-secret"].(string)
	if id == "" || secret == "" {
		b.Fatal("create-oauth-client: no client ID or secret")
	}
	hydraAddr := e.status().Applications["hydra"].Units["hydra/0"].Address
	targets := []struct{ name, url string }{
		{"direct", "http://" + hydraAddr + ":4444/oauth2/token"},
		{"traefik-public", p.public + "/oauth2/token"},
	}
	tokens := tokenBench{client: newTokenClient(), auth: basicAuth(id, secret)}
	for _, target := range targets {
		// Hydra may still be settling after the client's creation.
		if err := tokens.waitReady(e.ctx, target.url); err != nil {
			b.Fatalf("%s: %v", target.name, err)
		}
	}
	var direct float64 // tokens/s of direct's last (reported) run
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) {
			rate := tokens.run(b, target.url)
			if target.name == "direct" {
				direct = rate
			} else if direct > 0 {
				b.ReportMetric(100*rate/direct, "%direct")
			}
		})
	}
}

// tokenBench asks for client_credentials tokens with one client.
type tokenBench struct {
	client *http.Client
	auth   string // the Authorization header
}

// newTokenClient is a keep-alive client with a connection per worker
// and no proxy (the pods' bridge routes nowhere else).
func newTokenClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy: nil, MaxIdleConns: 4 * tokenWorkers, MaxIdleConnsPerHost: 2 * tokenWorkers, IdleConnTimeout: time.Minute,
		},
	}
}

// basicAuth is client_secret_basic: both parts form-encoded (RFC 6749
// §2.3.1).
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

var tokenForm = url.Values{"grant_type": {"client_credentials"}}.Encode()

// token asks for one token and reads the whole answer (so that the
// connection is reused).
func (tokens tokenBench) token(ctx context.Context, tokenURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(tokenForm))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", tokens.auth)
	resp, err := tokens.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("reading the token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"access_token"`) {
		return fmt.Errorf("POST %s: %s %.200s", tokenURL, resp.Status, body)
	}
	return nil
}

// waitReady waits up to 30 s for a first token.
func (tokens tokenBench) waitReady(ctx context.Context, tokenURL string) error {
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if err = tokens.token(ctx, tokenURL); err == nil {
			return nil
		}
	}
	return err
}

// run gets b.N tokens from tokenWorkers goroutines and reports tokens/s
// and the p50 and p99 latency; it returns the rate.
func (tokens tokenBench) run(b *testing.B, tokenURL string) float64 {
	ctx := context.Background()
	// Warm up: a connection per worker.
	var warm sync.WaitGroup
	for range tokenWorkers {
		warm.Go(func() { _ = tokens.token(ctx, tokenURL) })
	}
	warm.Wait()

	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	errs := make(chan error, tokenWorkers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range tokenWorkers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(lat)) {
					return
				}
				t0 := time.Now()
				if err := tokens.token(ctx, tokenURL); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(rate, "tokens/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	return rate
}
