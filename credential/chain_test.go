package credential

import (
	"context"
	"strings"
	"testing"
)

func TestChainFallsThroughAndSticks(t *testing.T) {
	calls := 0
	ch := NewChain([]Candidate{
		{Name: "cloudshell", Credential: failing{&Error{Kind: KindAuth, Msg: "connection refused"}}},
		{Name: "azcli", Credential: fixed{&calls}},
	})
	for range 3 {
		if _, err := ch.GetToken(context.Background(), vaultScope); err != nil {
			t.Fatal(err)
		}
	}
	if ch.Chosen().Name != "azcli" || calls != 3 {
		t.Fatalf("chosen %s, calls %d", ch.Chosen().Name, calls)
	}
	all := NewChain([]Candidate{
		{Name: "cloudshell", Credential: failing{&Error{Kind: KindAuth, Msg: "connection refused"}}},
		{Name: "azcli", Credential: failing{&Error{Kind: KindAuth, Msg: "not logged in", Hint: "run `az login`"}}},
	})
	_, err := all.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.HasPrefix(err.Error(), "not in Azure Cloud Shell") ||
		!strings.Contains(err.Error(), "cloudshell: connection refused") || !strings.Contains(err.Error(), "azcli: not logged in") {
		t.Fatalf("err = %v", err)
	}
	usage := NewChain([]Candidate{{Name: "x", Credential: failing{&Error{Kind: KindUsage, Msg: "bad"}}}, {Name: "y", Credential: fixed{&calls}}})
	if _, err := usage.GetToken(context.Background(), vaultScope); err == nil {
		t.Fatal("a usage error fell through")
	}
}

// Issue 12: a chain without Cloud Shell says nothing of it, and each
// failure names its credential once (it said "azcli: AzureCLI: az …").
func TestChainOfAzureCLIAloneNamesItOnce(t *testing.T) {
	cli := NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`)})
	_, err := NewChain([]Candidate{{Name: "azcli", Credential: cli}}).GetToken(context.Background(), vaultScope)
	if err == nil || !strings.HasPrefix(err.Error(), "no identity gave a token:") || strings.Contains(err.Error(), "Cloud Shell") ||
		!strings.Contains(err.Error(), "\n  AzureCLI: az account get-access-token failed") || strings.Contains(err.Error(), "azcli: AzureCLI") {
		t.Fatalf("err = %v", err)
	}
	if hintOf(err) != "run `az login`" {
		t.Errorf("hint %q", hintOf(err))
	}
}
