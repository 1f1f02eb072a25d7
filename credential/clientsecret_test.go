package credential

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A server that echoes the form body it received, in every shape an
// answer can take: the client secret travels query-escaped, and a JSON
// encoder escapes it again.
func TestEntraRedactsEchoedSecretSpellings(t *testing.T) {
	const secret = `old+Sp/secret=&"<` + hostileCanary + `>%20~` // pre-2021 portal secrets held + / = and more
	jsonBody := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	tests := []struct {
		name   string
		answer func(body string) (int, string)
	}{
		{"raw 400", func(b string) (int, string) { return 400, "you sent " + b }},
		{"raw 503, retried", func(b string) (int, string) { return 503, "you sent " + b }},
		{"200 without a token", func(b string) (int, string) { return 200, `{"note":"you sent ` + b + `"}` }},
		{"JSON 400", func(b string) (int, string) { return 400, jsonBody(map[string]string{"message": "you sent " + b}) }},
		{"JSON 400, decoded secret", func(string) (int, string) { return 400, jsonBody(map[string]string{"message": "you sent " + secret}) }},
		{"AADSTS, unknown code", func(b string) (int, string) {
			return 400, jsonBody(map[string]any{"error": "invalid_client " + secret, "error_description": "AADSTS12345: you sent " + b,
				"error_codes": []int{12345}, "trace_id": secret, "correlation_id": url.QueryEscape(secret)})
		}},
		{"AADSTS, raw secret in the description", func(string) (int, string) {
			return 400, jsonBody(map[string]any{"error": "invalid_client", "error_description": "AADSTS12345: you sent " + secret, "error_codes": []int{12345}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				code, body := tt.answer(string(b))
				w.WriteHeader(code)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			logs := &capture{}
			c, err := NewClientSecret(secret, &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID,
				Transport: srv.Client().Transport, Log: logs.logf, RetryDelay: time.Millisecond, MaxAttempts: 2})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetToken(context.Background(), vaultScope)
			if err == nil {
				t.Fatal("no error")
			}
			if all := everything(err, logs); strings.Contains(all, hostileCanary) {
				t.Errorf("the client secret leaked:\n%s", all)
			}
		})
	}
}
