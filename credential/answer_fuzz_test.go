package credential

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// cannedTransport answers every request with one response.
type cannedTransport struct {
	status int
	header string // "Name: value"
	body   []byte
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: c.status, Header: http.Header{}, Request: r, ContentLength: -1,
		Body: io.NopCloser(bytes.NewReader(c.body))}
	if k, v, ok := strings.Cut(c.header, ":"); ok {
		resp.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return resp, nil
}

// FuzzIdentityAnswer: issue 11 points 5 and 9. Whatever an identity
// endpoint or Entra ID answers, GetToken returns a usable token or a
// classified error, and never panics (akv's early token request runs on
// a goroutine of its own, where a panic would end the process).
func FuzzIdentityAnswer(f *testing.F) {
	f.Add(200, "", []byte(`{"access_token":"a.b.c","expires_on":"1795629953"}`))
	f.Add(200, "", []byte(`{"access_token":"a.b.c","expires_in":3599,"token_type":"Bearer"}`))
	f.Add(200, "", []byte(`{"access_token":"a\r\nb","expires_in":"NaN"}`))
	f.Add(400, "", []byte(`{"error":"invalid_client","error_description":"AADSTS7000215: bad","error_codes":[7000215]}`))
	f.Add(429, "Retry-After: 86400", []byte(`{"error":{"code":"x"}}`))
	f.Add(307, "Location: http://169.254.169.254/", []byte(``))
	f.Add(200, "Content-Type: text/html", []byte(`<html>`))
	f.Add(200, "", []byte(`{"access_token":["x"],"expires_on":{"a":1}}`))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		rt := cannedTransport{status: status, header: header, body: body}
		cs, err := NewCloudShell(&IdentityOptions{Endpoint: "http://127.0.0.1:1/oauth2/token", Transport: rt, Now: clock, RetryDelay: time.Nanosecond, MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		sp, err := NewClientSecret("s3cret", &EntraOptions{TenantID: "t", ClientID: "c", Transport: rt, Now: clock, RetryDelay: time.Nanosecond, MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []azcore.TokenCredential{cs, sp} {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			tok, err := c.GetToken(ctx, vaultScope)
			cancel()
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("%T: unclassified error %v", c, err)
				}
				continue
			}
			if !bearerToken(tok.Token) || !tok.ExpiresOn.After(now) {
				t.Fatalf("%T: accepted token %q expiring %v", c, tok.Token, tok.ExpiresOn)
			}
		}
	})
}
