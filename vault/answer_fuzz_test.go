package vault

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answerTransport plays a vault that answers every authenticated request
// with one canned response.
type answerTransport struct {
	challenge string
	status    int
	header    string // one extra header, "Name: value"
	body      []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: a.status, Header: http.Header{}, Request: r, ContentLength: -1,
		Body: io.NopCloser(bytes.NewReader(a.body))}
	if r.Header.Get("Authorization") == "" {
		resp.StatusCode = http.StatusUnauthorized
		resp.Header.Set("WWW-Authenticate", a.challenge)
		resp.Body = io.NopCloser(strings.NewReader(`{"error":{"code":"Unauthorized"}}`))
	}
	if k, v, ok := strings.Cut(a.header, ":"); ok {
		resp.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return resp, nil
}

// FuzzVaultAnswer: issue 11 point 5. Whatever a vault answers (challenge,
// status, headers, body), Get, List and GetMatching return a classified
// error or a well-formed result, and never panic.
func FuzzVaultAnswer(f *testing.F) {
	honest := `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`
	f.Add(honest, 200, "", []byte(`{"value":"v","id":"https://x.vault.azure.net/secrets/s/0123456789abcdef0123456789abcdef"}`))
	f.Add(honest, 200, "", []byte(`{"value":[{"id":"https://x/secrets"},null,{}],"nextLink":"https://x/secrets?a"}`))
	f.Add(honest, 200, "", []byte(`{"value":[{"id":"https://h/secrets/a"}],"nextLink":"https://evil.example/x"}`))
	f.Add(`Bearer authorization="https:", resource="https://vault.azure.net"`, 200, "", []byte(`{}`))
	f.Add(`Bearer resource="https://management.azure.com"`, 200, "", []byte(``))
	f.Add(honest, 307, "Location: http://127.0.0.1/x", []byte(``))
	f.Add(honest, 429, "Retry-After: 86400", []byte(`{"error":{"code":"Throttled\u001b[2J"}}`))
	f.Add(honest, 401, "WWW-Authenticate: Bearer error=\"insufficient_claims\", claims=\"e30=\"", []byte(`{}`))
	f.Add(honest, 200, "Content-Length: 99999999999", []byte(`{"value":"`))
	f.Add(`Bearer error="insufficient_claims", authorization="https:", resource="https://vault.azure.net"`, 200, "", []byte(`{}`))
	f.Fuzz(func(t *testing.T, challenge string, status int, header string, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		hc := &http.Client{Transport: answerTransport{challenge: challenge, status: status, header: header, body: body}}
		c, err := New(Options{Credential: &recordingCred{token: "tok"}, HTTPClient: hc, MaxRetries: -1,
			Endpoints: Endpoints{Map: map[string]string{"x": "https://x.vault.azure.net"}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		got, err := c.Get(ctx, []Ref{{Vault: "x", Name: "s"}})
		if err == nil && status != 200 {
			t.Fatalf("status %d accepted as secret %+v", status, got[0])
		}
		if err != nil && KindOf(err) == KindInternal {
			t.Fatalf("unclassified: %v", err)
		}
		items, err := c.List(ctx, Ref{Vault: "x"}, Filter{})
		if err == nil {
			for _, it := range items {
				if !validSecretName(it.Name) {
					t.Fatalf("listed %q", it.Name)
				}
			}
		}
		c.GetMatching(ctx, Ref{Vault: "x"}, Filter{})
	})
}
