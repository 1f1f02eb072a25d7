package credential

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestAzureMLRequest(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	o := fast(f.srv.URL)
	o.ClientID = "cid"
	c, _ := NewAzureML("ml-secret", o)
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	if q.Get("api-version") != "2017-09-01" || q.Get("clientid") != "cid" || got.Header.Get("secret") != "ml-secret" {
		t.Errorf("request %s %v", got.URL, got.Header)
	}
}
