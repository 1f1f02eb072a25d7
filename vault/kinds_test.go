package vault

import (
	"fmt"
	"testing"

	"github.com/akv-cli/akv/credential"
)

// Issue 12 point 2: vault reads a credential failure's kind without
// importing credential (credentialFailure). Every kind credential can
// return must come out as the vault kind of the same meaning; a new
// credential kind fails here until vault is taught it.
func TestEveryCredentialKindHasAVaultKind(t *testing.T) {
	want := map[credential.Kind]Kind{credential.KindAuth: KindAuth, credential.KindUsage: KindUsage, credential.KindInternal: KindInternal}
	for _, k := range credential.Kinds() {
		w, ok := want[k]
		if !ok {
			t.Errorf("credential kind %q has no vault kind", k)
			continue
		}
		cause := fmt.Errorf("azcore: %w", &credential.Error{Kind: k, Msg: "Cred: failed", Hint: "do this"})
		err := classify("get x", "demo", "", cause)
		if KindOf(err) != w || KindOf(cause) != w || w.String() != k.String() {
			t.Errorf("credential kind %q: classified %q, KindOf %q; want %q", k, KindOf(err), KindOf(cause), w)
		}
		if err.Error() != "Cred: failed" || hintOf(err) != "do this" {
			t.Errorf("credential kind %q: message %q hint %q", k, err, hintOf(err))
		}
	}
}
