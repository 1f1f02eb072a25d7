package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkListAll pages through a whole vault of 10,000 secrets, the
// way a client lists it (every nextLink, empty pages included), in
// process: the emulator's own cost per full listing. It must grow
// linearly with the vault (issue 14, point 4).
func BenchmarkListAll(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			seeds := make(map[string]Seed, n)
			for i := range n {
				seeds[fmt.Sprintf("secret-%05d", i)] = Seed{Value: "v"}
			}
			e, err := Start(Options{Seeds: seeds})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			v := e.vaults["demo"]
			now := time.Now()
			tok := e.signer.sign(claims{Aud: VaultResource, Tid: e.opts.VaultTenant, Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix()})
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				next, listed := v.baseURL+"/secrets?api-version=7.6", 0
				for next != "" {
					req := httptest.NewRequest(http.MethodGet, next, nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					rec := httptest.NewRecorder()
					v.ServeHTTP(rec, req)
					var page struct {
						Value    []json.RawMessage `json:"value"`
						NextLink *string           `json:"nextLink"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != 200 {
						b.Fatalf("page %s: %d %v", next, rec.Code, err)
					}
					listed += len(page.Value)
					next = ""
					if page.NextLink != nil {
						next = *page.NextLink
					}
				}
				if listed != n {
					b.Fatalf("listed %d of %d", listed, n)
				}
			}
		})
	}
}
