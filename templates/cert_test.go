package templates

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// testChain is root → intermediates → leaf, made for one test.
type testChain struct {
	key   crypto.Signer       // the leaf's
	leaf  *x509.Certificate   //
	inter []*x509.Certificate // the leaf's issuer first
	root  *x509.Certificate
}

func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newTestChain makes a chain with depth intermediates; leafKey "rsa" or "ec".
func newTestChain(t testing.TB, leafKey string, depth int) testChain {
	t.Helper()
	now := time.Now()
	caTmpl := func(cn string, n int64) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
			NotAfter: now.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	rootKey := ecKey(t)
	var c testChain
	c.root = issue(t, caTmpl("test root", 1), nil, rootKey.Public(), rootKey)
	parent, parentKey := c.root, crypto.Signer(rootKey)
	for i := range depth {
		k := ecKey(t)
		ic := issue(t, caTmpl("test intermediate "+string(rune('A'+i)), int64(10+i)), parent, k.Public(), parentKey)
		c.inter = append([]*x509.Certificate{ic}, c.inter...)
		parent, parentKey = ic, k
	}
	if leafKey == "rsa" {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		c.key = k
	} else {
		c.key = ecKey(t)
	}
	c.leaf = issue(t, &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "app.example"},
		DNSNames: []string{"app.example", "localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, parent, c.key.Public(), parentKey)
	return c
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func keyPEM(t testing.TB, k crypto.Signer) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func certsOf(cs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(pemOf("CERTIFICATE", c.Raw))
	}
	return b.String()
}

func pfxOf(t testing.TB, enc *pkcs12.Encoder, key crypto.Signer, first *x509.Certificate, rest []*x509.Certificate, password string) string {
	t.Helper()
	der, err := enc.Encode(key, first, rest, password)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// checkOrder asserts the leaf and the issuers, in order.
func checkOrder(t *testing.T, got *Cert, c testChain) {
	t.Helper()
	if !got.Leaf.Equal(c.leaf) {
		t.Fatalf("leaf is %s, want %s", got.Leaf.Subject, c.leaf.Subject)
	}
	want := append(append([]*x509.Certificate(nil), c.inter...), c.root)
	if len(got.Issuers) != len(want) {
		t.Fatalf("%d issuers, want %d", len(got.Issuers), len(want))
	}
	for i := range want {
		if !got.Issuers[i].Equal(want[i]) {
			t.Errorf("issuer %d is %s, want %s", i, got.Issuers[i].Subject, want[i].Subject)
		}
	}
	chain := got.Chain()
	if len(chain) != 1+len(c.inter) {
		t.Fatalf("chain has %d certificates, want the leaf and %d intermediates (no root)", len(chain), len(c.inter))
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			t.Errorf("chain[%d] is not signed by chain[%d]: %v", i, i+1, err)
		}
	}
}

func TestParseCertOrdersWhateverTheSecretsOrder(t *testing.T) {
	rsaChain, ecChain := newTestChain(t, "rsa", 3), newTestChain(t, "ec", 2)
	for _, c := range []struct {
		name string
		c    testChain
	}{{"rsa", rsaChain}, {"ec", ecChain}} {
		ch := c.c
		shuffled := []*x509.Certificate{ch.root, ch.inter[len(ch.inter)-1], ch.inter[0]}
		shuffled = append(shuffled, ch.inter[1:len(ch.inter)-1]...)
		cases := []struct {
			name, value, contentType string
		}{
			{"pem in order", keyPEM(t, ch.key) + certsOf(ch.leaf) + certsOf(ch.inter...) + certsOf(ch.root), ContentTypePEM},
			{"pem key last, issuers shuffled", certsOf(shuffled...) + certsOf(ch.leaf) + keyPEM(t, ch.key), ContentTypePEM},
			{"pfx leaf first, issuers reversed", pfxOf(t, pkcs12.LegacyRC2, ch.key, ch.leaf, reversed(append(append([]*x509.Certificate(nil), ch.inter...), ch.root)), ""), ContentTypePFX},
			// The first certificate bag is not the key's: DecodeChain alone would call it the leaf.
			{"pfx root first", pfxOf(t, pkcs12.Modern2023, ch.key, ch.root, append(append([]*x509.Certificate(nil), shuffled[1:]...), ch.leaf), ""), ContentTypePFX},
			{"pfx without content type", pfxOf(t, pkcs12.LegacyDES, ch.key, ch.inter[0], append([]*x509.Certificate{ch.leaf, ch.root}, ch.inter[1:]...), ""), ""},
			{"pem without content type", keyPEM(t, ch.key) + certsOf(shuffled...) + certsOf(ch.leaf), ""},
			{"pem as text/plain", certsOf(ch.leaf) + keyPEM(t, ch.key) + certsOf(shuffled...), "text/plain"},
			{"pem in base64", base64.StdEncoding.EncodeToString([]byte(keyPEM(t, ch.key) + certsOf(shuffled...) + certsOf(ch.leaf))), "application/x-pem-file;base64"},
			{"pfx base64 in lines", wrap(pfxOf(t, pkcs12.Modern2023, ch.key, ch.leaf, shuffled, "")), ContentTypePFX},
		}
		for _, tc := range cases {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				got, err := ParseCert(tc.value, tc.contentType, "")
				if err != nil {
					t.Fatal(err)
				}
				checkOrder(t, got, ch)
				if _, err := tls.X509KeyPair(got.ChainPEM(), must(t, got.KeyPEM)); err != nil {
					t.Errorf("crypto/tls refuses the chain and key: %v", err)
				}
			})
		}
	}
}

func reversed(cs []*x509.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\r\n")
		s = s[64:]
	}
	return b.String() + s + "\n"
}

func must(t *testing.T, f func() ([]byte, error)) []byte {
	t.Helper()
	b, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCertKeyFormats(t *testing.T) {
	ch := newTestChain(t, "ec", 1)
	ec := ch.key.(*ecdsa.PrivateKey)
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024) // PKCS#1 parsing only; never served
	if err != nil {
		t.Fatal(err)
	}
	rsaLeaf := issue(t, &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "rsa"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour)}, nil, rsaKey.Public(), rsaKey)
	for name, value := range map[string]string{
		"sec1 with ec parameters": "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + pemOf("EC PRIVATE KEY", sec1) + certsOf(ch.leaf, ch.inter[0], ch.root),
		"pkcs1":                   pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)) + certsOf(rsaLeaf),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := ParseCert(value, ContentTypePEM, "")
			if err != nil {
				t.Fatal(err)
			}
			key := must(t, c.KeyPEM)
			if b, _ := pem.Decode(key); b == nil || b.Type != "PRIVATE KEY" {
				t.Fatalf("key written as %q, want PKCS#8 PRIVATE KEY", key[:min(len(key), 40)])
			}
			if _, err := tls.X509KeyPair(c.CertPEM(), key); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSelfSignedIsItsOwnCA(t *testing.T) {
	k := ecKey(t)
	self := issue(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "self"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour)}, nil, k.Public(), k)
	c, err := ParseCert(pfxOf(t, pkcs12.LegacyRC2, k, self, nil, ""), ContentTypePFX, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Chain()) != 1 || string(c.ChainPEM()) != certsOf(self) {
		t.Errorf("chain of a self-signed certificate: %d certificates, want itself", len(c.Chain()))
	}
	if ca := must(t, c.CAPEM); string(ca) != certsOf(self) {
		t.Errorf("CA of a self-signed certificate is not itself")
	}
}

func TestCertificatesWithoutKey(t *testing.T) {
	ch := newTestChain(t, "ec", 1)
	c, err := ParseCert(certsOf(ch.root, ch.leaf, ch.inter[0]), "", "")
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, c, ch)
	for name, f := range map[string]func() ([]byte, error){"key": c.KeyPEM, "bundle": c.BundlePEM, "pfx": func() ([]byte, error) { return c.PFX("") }} {
		if _, err := f(); err == nil || !strings.Contains(err.Error(), "no private key") {
			t.Errorf("%s without a key: %v, want 'no private key'", name, err)
		}
	}
	other := newTestChain(t, "ec", 0)
	if _, err := ParseCert(certsOf(ch.leaf, other.leaf), "", ""); err == nil || !strings.Contains(err.Error(), "could each be the leaf") {
		t.Errorf("two unrelated certificates and no key: %v", err)
	}
}

func TestPFXWrittenIsReadBack(t *testing.T) {
	ch := newTestChain(t, "ec", 2)
	c, err := ParseCert(keyPEM(t, ch.key)+certsOf(ch.root, ch.inter[1], ch.leaf, ch.inter[0]), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "correct horse"} {
		der, err := c.PFX(pw)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCert(base64.StdEncoding.EncodeToString(der), ContentTypePFX, pw)
		if err != nil {
			t.Fatalf("password %q: %v", pw, err)
		}
		checkOrder(t, back, ch)
		if !bytes.Equal(must(t, back.KeyPEM), must(t, c.KeyPEM)) {
			t.Errorf("password %q: the key changed on the way", pw)
		}
	}
}

func TestCertInfo(t *testing.T) {
	ch := newTestChain(t, "rsa", 1)
	c, err := ParseCert(keyPEM(t, ch.key)+certsOf(ch.leaf, ch.inter[0]), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(c.Info())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(out, &got)
	want := map[string]any{"subject": "CN=app.example", "issuer": "CN=test intermediate A", "serial": "63", "keyType": "RSA 2048",
		"hasPrivateKey": true, "contentType": ContentTypePEM, "notAfter": ch.leaf.NotAfter.UTC().Format(time.RFC3339)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if sans := got["sans"].([]any); len(sans) != 2 || sans[0] != "DNS:app.example" {
		t.Errorf("sans = %v", sans)
	}
	if th := got["sha256Thumbprint"].(string); len(th) != 64 {
		t.Errorf("sha256Thumbprint = %q", th)
	}
	for _, line := range strings.Split(keyPEM(t, ch.key), "\n")[1:3] {
		if strings.Contains(string(out), line) {
			t.Fatal("the metadata holds key material")
		}
	}
}

// TestCertErrorsSayWhatToDo: each refusal is exit 6 with a hint, and no
// error ever carries a byte of the value (key material, passwords).
func TestCertErrorsSayWhatToDo(t *testing.T) {
	ch := newTestChain(t, "ec", 1)
	other := ecKey(t)
	keyText := keyPEM(t, ch.key)
	canary := "canary-5ecre7-c0ffee"
	encrypted := pfxOf(t, pkcs12.Modern2023, ch.key, ch.leaf, []*x509.Certificate{ch.inter[0]}, canary)
	corruptPEM := strings.Replace(keyText, keyText[40:44], "!!!!", 1) + certsOf(ch.leaf)
	cases := []struct {
		name, value, contentType, password, want string
	}{
		{"not a certificate", canary, "text/plain", "", `not a certificate: the value is neither PEM nor a base64 PFX (content type "text/plain")`},
		{"not a certificate, no type", canary, "", "", "not a certificate: the value is neither PEM nor a base64 PFX"},
		{"hostile content type", canary, "text/\x1b[31mred", "", `content type "text/\x1b[31mred"`},
		{"encrypted pfx without password", encrypted, ContentTypePFX, "", "protected by a password"},
		{"encrypted pfx, detected", encrypted, "", "", "protected by a password"},
		{"wrong password", encrypted, ContentTypePFX, "not-" + canary, "does not open with the password given"},
		{"key matches no certificate", keyPEM(t, other) + certsOf(ch.leaf, ch.inter[0]), ContentTypePEM, "", "matches none of the 2 certificates"},
		{"key matches no certificate in a pfx", pfxOf(t, pkcs12.LegacyDES, other, ch.leaf, nil, ""), ContentTypePFX, "", "matches none of the 1 certificates"},
		{"corrupt base64", canary + "&&" + keyText, ContentTypePFX, "", "not valid base64"},
		{"truncated pfx", encrypted[:len(encrypted)/8*4], ContentTypePFX, "", "not a PFX akv can read"},
		{"corrupt pem block", corruptPEM, ContentTypePEM, "", "corrupt PEM: 1 of 2 blocks do not decode"},
		{"pem without blocks", keyText[30:], ContentTypePEM, "", "holds no PEM block"},
		{"only a key", keyText, ContentTypePEM, "", "holds no certificate"},
		{"two keys", keyText + keyPEM(t, other) + certsOf(ch.leaf), ContentTypePEM, "", "more than one private key"},
		{"encrypted pem key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n" + certsOf(ch.leaf), ContentTypePEM, "", "the private key is encrypted"},
		{"unknown block", strings.ReplaceAll(keyText, "PRIVATE KEY", "SECRET THING") + certsOf(ch.leaf), "", "", `is a "SECRET THING"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCert(tc.value, tc.contentType, tc.password)
			if err == nil {
				t.Fatal("read without an error")
			}
			e, ok := err.(*Error)
			if !ok || e.Kind != KindUnrepresentable || e.Hint == "" {
				t.Fatalf("%T %v: want an unrepresentable *Error with a hint", err, err)
			}
			if !strings.Contains(e.Msg, tc.want) {
				t.Errorf("message %q does not say %q", e.Msg, tc.want)
			}
			holdsSecret(t, e.Msg+"\n"+e.Hint, canary, tc.value, tc.password)
		})
	}
}

// holdsSecret fails when text holds the canary or any 12 bytes in a row of the
// secrets.
func holdsSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(line, "-----") {
				continue // PEM armour is no secret
			}
			for i := 0; i+12 <= len(line); i++ {
				if strings.Contains(text, line[i:i+12]) {
					t.Fatalf("error text holds part of the value or password: %q", line[i:i+12])
				}
			}
		}
	}
}

func TestIsCertContentType(t *testing.T) {
	for ct, want := range map[string]bool{ContentTypePFX: true, " Application/X-PEM-File ": true, "application/x-pem-file;base64": false, "": false, "text/plain": false} {
		if got := IsCertContentType(ct); got != want {
			t.Errorf("IsCertContentType(%q) = %v", ct, got)
		}
	}
}

// TestSHA1RootsChainByName: old roots and intermediates carry SHA-1
// signatures, which crypto/x509 no longer verifies; names and key ids
// still order them, and an unrelated certificate stays out of the chain.
func TestSHA1RootsChainByName(t *testing.T) {
	rootKey, err := rsa.GenerateKey(rand.Reader, 1024) // a signature algorithm test; never served
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := func(cn string, n int64) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn}, NotBefore: now, NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, SignatureAlgorithm: x509.SHA1WithRSA}
	}
	root := issue(t, ca("old root", 1), nil, rootKey.Public(), rootKey)
	interKey := ecKey(t)
	inter := issue(t, ca("old intermediate", 2), root, interKey.Public(), rootKey)
	leafKey := ecKey(t)
	leaf := issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now, NotAfter: now.Add(time.Hour)},
		inter, leafKey.Public(), interKey)
	unrelated := newTestChain(t, "ec", 0).root
	c, err := ParseCert(certsOf(leaf, unrelated, root, inter)+keyPEM(t, leafKey), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, c, testChain{key: leafKey, leaf: leaf, inter: []*x509.Certificate{inter}, root: root})
	if len(c.Others) != 1 || !c.Others[0].Equal(unrelated) {
		t.Errorf("others: %d certificates, want the unrelated one", len(c.Others))
	}
	if ca := c.CA(); len(ca) != 3 || !ca[2].Equal(unrelated) {
		t.Errorf("CA: the issuers in order, then the others")
	}
}
