package vault

import (
	"context"
	"fmt"
	"testing"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault/emulator"
)

// BenchmarkGetMatching350 lists and fetches 350 secrets from an in-process
// emulator with no latency: what is left is the CPU cost per secret, on
// both sides (profile with -cpuprofile).
func BenchmarkGetMatching350(b *testing.B) {
	seeds := map[string]emulator.Seed{}
	for i := range 350 {
		seeds[fmt.Sprintf("s%04d", i)] = emulator.Seed{Value: fmt.Sprintf("value-%04d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i)}
	}
	e, err := emulator.Start(emulator.Options{Seeds: seeds})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	vault, _ := ParseVault("demo")
	b.ReportAllocs()
	for b.Loop() {
		cred, _ := credential.NewCloudShell(&credential.IdentityOptions{Endpoint: e.MSIEndpoint})
		hc, _ := NewHTTPClient(e.CAFile, 16)
		c, _ := New(Options{Credential: cred, HTTPClient: hc, Endpoints: Endpoints{Map: map[string]string{"demo": e.Vaults["demo"]}}})
		sel, err := c.GetMatching(context.Background(), vault, Filter{})
		if err != nil || len(sel.Secrets) != 350 {
			b.Fatal(err)
		}
		hc.CloseIdleConnections()
	}
}
