package credential

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWorkloadIdentityRereadsRotatedFile(t *testing.T) {
	f := newFakeEntra(t)
	clk := &clock{t: time.Now()}
	dir := t.TempDir()
	// The kubelet's layout: token → ..data/token, ..data → a timestamped dir.
	rotate := func(gen int) string {
		d := filepath.Join(dir, fmt.Sprintf("..gen%d", gen))
		os.Mkdir(d, 0o755)
		tok := jwt(fedClaims(fmt.Sprintf("system:serviceaccount:default:gen%d", gen), clk.now().Add(time.Hour)))
		os.WriteFile(filepath.Join(d, "token"), []byte(tok+"\n"), 0o644)
		os.Remove(filepath.Join(dir, "..data.tmp"))
		os.Symlink(filepath.Base(d), filepath.Join(dir, "..data.tmp"))
		os.Rename(filepath.Join(dir, "..data.tmp"), filepath.Join(dir, "..data"))
		return tok
	}
	first := rotate(1)
	os.Symlink("..data/token", filepath.Join(dir, "token"))
	w, err := NewWorkloadIdentity(filepath.Join(dir, "token"), f.opts(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	form := f.lastForm()
	if form.Get("client_assertion") != first || form.Get("client_assertion_type") != jwtBearer ||
		form.Get("grant_type") != "client_credentials" || form.Get("client_id") != clientID ||
		form.Get("scope") != "https://vault.azure.net/.default" || form.Has("client_secret") {
		t.Fatalf("form %v", form)
	}
	second := rotate(2)
	clk.add(2 * time.Hour) // the access token expired: the next call exchanges again
	if _, err := w.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if got := f.lastForm().Get("client_assertion"); got != second {
		t.Fatalf("second exchange sent the old assertion (file not re-read)")
	}
	if len(f.forms) != 2 {
		t.Fatalf("%d exchanges, want 2", len(f.forms))
	}
}

// A token file path with terminal controls (it is printed in errors).
func TestWorkloadTokenFileErrorInert(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok\x1b[2J")
	w, err := NewWorkloadIdentity(p, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.GetToken(context.Background(), vaultScope)
	if err == nil || strings.Contains(err.Error(), "\x1b") {
		t.Fatalf("%q", err)
	}
}
