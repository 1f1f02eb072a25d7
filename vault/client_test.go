package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault/emulator"
)

type testEnv struct {
	emu    *emulator.Emulator
	client *Client
	logs   *logSink
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func start(t *testing.T, o emulator.Options) *testEnv {
	t.Helper()
	emu, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	logs := &logSink{}
	cred, err := credential.NewCloudShell(&credential.IdentityOptions{Endpoint: emu.MSIEndpoint, Log: logs.logf, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := NewHTTPClient(emu.CAFile, 16)
	if err != nil {
		t.Fatal(err)
	}
	eps := map[string]string{}
	for name, u := range emu.Vaults {
		eps[name] = u
	}
	c, err := New(Options{Credential: cred, HTTPClient: hc, Endpoints: Endpoints{Map: eps}, Log: logs.logf, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{emu: emu, client: c, logs: logs}
}

func refs(t *testing.T, names ...string) []Ref {
	var out []Ref
	for _, n := range names {
		r, err := Parse(n, "demo")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func canary() string { return "canary-" + strings.ReplaceAll(emulatorID(), "-", "") }

func emulatorID() string { return fmt.Sprintf("%x", time.Now().UnixNano()) + "5eed5eed5eed" }

// A mapped vault gets its token with the first request (issue 14): one
// token request, no challenge, 100 requests for 100 secrets.
func TestHundredSecretsOneTokenNoChallenge(t *testing.T) {
	seeds := map[string]emulator.Seed{}
	var names []string
	for i := range 100 {
		n := fmt.Sprintf("s%03d", i)
		seeds[n] = emulator.Seed{Value: "value-" + n}
		names = append(names, n)
	}
	env := start(t, emulator.Options{Seeds: seeds, Latency: 5 * time.Millisecond})
	got, err := env.client.Get(context.Background(), refs(t, names...))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s.Value != "value-"+names[i] {
			t.Fatalf("secret %d = %q, want value-%s (order kept?)", i, s.Value, names[i])
		}
	}
	st, _ := env.emu.Stats("demo")
	if st.TokenRequests != 1 || st.Challenges != 0 || st.Preauthorized != 100 || st.Requests != 100 {
		t.Fatalf("token requests %d, challenges %d, pre-authorized %d, requests %d; want 1, 0, 100, 100",
			st.TokenRequests, st.Challenges, st.Preauthorized, st.Requests)
	}
	if st.MaxInFlight > 16 {
		t.Errorf("max in flight %d exceeds the concurrency of 16", st.MaxInFlight)
	}
	if st.Gets != 100 {
		t.Errorf("gets = %d, want 100", st.Gets)
	}
}

func TestGetMatchingPipelinesAllPages(t *testing.T) {
	seeds := map[string]emulator.Seed{}
	no := false
	for i := range 60 {
		seeds[fmt.Sprintf("app-%02d", i)] = emulator.Seed{Value: fmt.Sprint(i), Tags: map[string]string{"odd": fmt.Sprint(i%2 == 1)}}
	}
	seeds["app-off"] = emulator.Seed{Value: "x", Enabled: &no}
	seeds["zzz"] = emulator.Seed{Value: "other"}
	env := start(t, emulator.Options{Seeds: seeds})
	vault, _ := ParseVault("demo")
	sel, err := env.client.GetMatching(context.Background(), vault, Filter{Prefix: "app-"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Secrets) != 60 || len(sel.Disabled) != 1 || sel.Disabled[0].Name != "app-off" {
		t.Fatalf("got %d secrets, disabled %v", len(sel.Secrets), sel.Disabled)
	}
	for i, s := range sel.Secrets {
		if s.Ref.Name != fmt.Sprintf("app-%02d", i) || s.Value != fmt.Sprint(i) {
			t.Fatalf("secret %d = %s=%q", i, s.Ref.Name, s.Value)
		}
	}
	st, _ := env.emu.Stats("demo")
	if st.Lists != 4 { // 25, empty, 25, 12
		t.Errorf("lists = %d, want 4 pages, one empty", st.Lists)
	}
	if st.TokenRequests != 1 || st.Challenges != 0 {
		t.Errorf("token requests %d, challenges %d; want 1 and 0", st.TokenRequests, st.Challenges)
	}

	sel, err = env.client.GetMatching(context.Background(), vault, Filter{Tags: map[string]string{"odd": "true"}})
	if err != nil || len(sel.Secrets) != 30 {
		t.Fatalf("tag filter: %d secrets, %v", len(sel.Secrets), err)
	}
	items, err := env.client.List(context.Background(), vault, Filter{})
	if err != nil || len(items) != 62 {
		t.Fatalf("List: %d items, %v", len(items), err)
	}
}

func TestGetReportsEveryFailure(t *testing.T) {
	c := canary()
	no := false
	env := start(t, emulator.Options{Seeds: map[string]emulator.Seed{
		"ok": {Value: c}, "off": {Value: c, Enabled: &no},
	}})
	got, err := env.client.Get(context.Background(), refs(t, "ok", "missing", "off", "akv://demo/ok/"+ver))
	var fe *FetchError
	if !errors.As(err, &fe) || len(fe.Failed) != 3 {
		t.Fatalf("err = %v, want 3 failures", err)
	}
	if fe.ErrorKind() != KindForbidden {
		t.Errorf("kind = %q, want forbidden first (disabled beats not found)", fe.ErrorKind())
	}
	msg := err.Error()
	for _, want := range []string{"get missing: secret not found in vault demo (404 SecretNotFound)", "get off: secret is disabled (403 Forbidden/SecretDisabled)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if got[0].Value != c || got[1].Err == nil {
		t.Error("per-secret outcomes are wrong")
	}
	if strings.Contains(msg, c) || strings.Contains(env.logs.String(), c) {
		t.Fatal("a secret value leaked into an error or a log line")
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	seeds := map[string]emulator.Seed{}
	var names []string
	for i := range 30 {
		n := fmt.Sprintf("t%02d", i)
		seeds[n] = emulator.Seed{Value: n}
		names = append(names, n)
	}
	env := start(t, emulator.Options{Seeds: seeds, Throttle: 20})
	got, err := env.client.Get(context.Background(), refs(t, names...))
	if err != nil {
		t.Fatal(err)
	}
	if got[29].Value != "t29" {
		t.Fatal("wrong value")
	}
	st, _ := env.emu.Stats("demo")
	if st.Throttled == 0 {
		t.Error("the emulator throttled nothing; the test proves nothing")
	}
}

func TestDeadIdentityEndpointAskedOnce(t *testing.T) {
	env := start(t, emulator.Options{MSIFail: 1000})
	_, err := env.client.Get(context.Background(), refs(t, "db-password", "api-key", "multi-line"))
	if KindOf(err) != KindAuth {
		t.Fatalf("err = %v (kind %q), want unauthenticated", err, KindOf(err))
	}
	st, _ := env.emu.Stats("demo")
	if st.TokenRequests > 5 {
		t.Errorf("token requests = %d: the dead endpoint was asked per secret", st.TokenRequests)
	}
}

func TestTimeoutIsNetworkKind(t *testing.T) {
	env := start(t, emulator.Options{Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := env.client.Get(ctx, refs(t, "db-password"))
	if KindOf(err) != KindNetwork || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v (kind %q), want a network timeout", err, KindOf(err))
	}
}

func TestUnreachableVaultIsNetworkKind(t *testing.T) {
	env := start(t, emulator.Options{})
	env.client.opts.Endpoints.Map["gone"] = "https://127.0.0.1:1"
	r, _ := Parse("akv://gone/x", "")
	_, err := env.client.Get(context.Background(), []Ref{r})
	if KindOf(err) != KindNetwork {
		t.Fatalf("err = %v (kind %q), want network", err, KindOf(err))
	}
}
