package templates

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Hostile certificate secrets (issue 17's adversarial review): values a
// careless export or a vault writer can store, and what akv must make of
// them.

// forged is a parent that exists only to sign: a name and a key, no
// certificate anyone holds, and no key id (so names alone match).
func forged(t *testing.T, cn string) (*x509.Certificate, crypto.Signer) {
	k := ecKey(t)
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, PublicKey: k.Public()}, k
}

func leafTmpl(cn string, serial int64, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: notAfter.Add(-48 * time.Hour),
		NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

func caTmpl(cn string, serial int64) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
}

// withoutKeyID is parent as it signs a child that names its issuer only
// (no authority key id), as certificates from before RFC 5280 do.
func withoutKeyID(parent *x509.Certificate) *x509.Certificate {
	p := *parent
	p.SubjectKeyId = nil
	return &p
}

// TestChainLinksOnlyIssuersWhoseSignatureVerifies: an intermediate with
// the leaf's issuer name but another key (an old one, a look-alike) is not
// the leaf's issuer: nginx would send it and clients would refuse the chain.
func TestChainLinksOnlyIssuersWhoseSignatureVerifies(t *testing.T) {
	realKey, fakeKey := ecKey(t), ecKey(t)
	rootCA, rootSigner := forged(t, "twin root")
	realInter := issue(t, caTmpl("Name Twin", 2), rootCA, realKey.Public(), rootSigner)
	fakeInter := issue(t, caTmpl("Name Twin", 3), rootCA, fakeKey.Public(), rootSigner)
	leafKey := ecKey(t)
	leaf := issue(t, leafTmpl("twin.example", 4, time.Now().Add(24*time.Hour)), withoutKeyID(realInter), leafKey.Public(), realKey)
	if len(leaf.AuthorityKeyId) != 0 {
		t.Fatal("the leaf has an authority key id: names alone would not match")
	}

	c, err := ParseCert(keyPEM(t, leafKey)+certsOf(leaf, fakeInter), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Issuers) != 0 || len(c.Chain()) != 1 {
		t.Errorf("the look-alike is in the chain: %d issuers, chain of %d", len(c.Issuers), len(c.Chain()))
	}
	if len(c.Others) != 1 || !c.Others[0].Equal(fakeInter) {
		t.Errorf("the look-alike is not kept apart: %d others", len(c.Others))
	}

	c, err = ParseCert(keyPEM(t, leafKey)+certsOf(leaf, fakeInter, realInter), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Issuers) != 1 || !c.Issuers[0].Equal(realInter) {
		t.Errorf("with both, the issuer is not the one that signed")
	}
}

// TestSelfIssuedIsNotSelfSigned: a certificate whose issuer name is its
// own subject but that another key signed is no root and not its own CA.
func TestSelfIssuedIsNotSelfSigned(t *testing.T) {
	parent, signer := forged(t, "Selfie")
	k := ecKey(t)
	selfie := issue(t, leafTmpl("Selfie", 5, time.Now().Add(time.Hour)), parent, k.Public(), signer)
	c, err := ParseCert(keyPEM(t, k)+certsOf(selfie), ContentTypePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CAPEM(); err == nil || !strings.Contains(err.Error(), "no issuer certificate") {
		t.Errorf("CA of a certificate another key signed: %v, want 'no issuer certificate'", err)
	}
}

// TestLeafIsTheNewestCertificateOfTheKey: a renewal that kept the key
// leaves two certificates for it; the current one is the leaf, whatever
// the order, and the old one is no issuer.
func TestLeafIsTheNewestCertificateOfTheKey(t *testing.T) {
	k := ecKey(t)
	now := time.Now()
	parent, signer := forged(t, "renewal CA")
	expired := issue(t, leafTmpl("renewed.example", 8, now.Add(-400*24*time.Hour)), parent, k.Public(), signer)
	current := issue(t, leafTmpl("renewed.example", 9, now.Add(300*24*time.Hour)), parent, k.Public(), signer)
	for name, value := range map[string]string{
		"old first": keyPEM(t, k) + certsOf(expired, current),
		"old last":  keyPEM(t, k) + certsOf(current, expired),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := ParseCert(value, ContentTypePEM, "")
			if err != nil {
				t.Fatal(err)
			}
			if !c.Leaf.Equal(current) {
				t.Errorf("the leaf expires %s, want the current certificate", c.Leaf.NotAfter.Format(time.DateOnly))
			}
			for _, o := range c.CA() {
				if o.Equal(expired) {
					t.Errorf("the old certificate of the key is among the issuers")
				}
			}
		})
	}
}

// TestTooManyCertificates: ordering is quadratic in signature checks; a
// secret (at most 25 KiB in Key Vault, 1 MiB on the wire) with more
// certificates than any chain has is refused rather than worked through.
func TestTooManyCertificates(t *testing.T) {
	k := ecKey(t)
	var b strings.Builder
	b.WriteString(keyPEM(t, k))
	b.WriteString(certsOf(issue(t, leafTmpl("many.example", 1, time.Now().Add(time.Hour)), nil, k.Public(), k)))
	for i := range 100 { // and the leaf: 101
		parent, signer := forged(t, "X")
		b.WriteString(certsOf(issue(t, caTmpl("Y", int64(10+i)), parent, ecKey(t).Public(), signer)))
	}
	_, err := ParseCert(b.String(), ContentTypePEM, "")
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("101 certificates: %v, want a refusal", err)
	}
	holdsSecret(t, err.Error(), keyPEM(t, k))
}

// PKCS#12 structures, enough to build PFX files whose key derivations ask
// for any number of iterations (their content need not decrypt: akv must
// refuse before deriving).
type (
	p12ContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
	}
	p12Bag struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue `asn1:"tag:0,explicit"`
	}
	p12EncryptedKey struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}
	p12EncryptedData struct {
		Version int
		Info    struct {
			ContentType asn1.ObjectIdentifier
			Algorithm   pkix.AlgorithmIdentifier
			Content     []byte `asn1:"tag:0,optional"`
		}
	}
	p12Mac struct {
		Mac struct {
			Algorithm pkix.AlgorithmIdentifier
			Digest    []byte
		}
		Salt       []byte
		Iterations int
	}
	p12PBE struct {
		Salt       []byte
		Iterations int
	}
	p12PBKDF2 struct {
		Salt       []byte
		Iterations int
		KeyLength  int                      `asn1:"optional"`
		PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
	}
	p12PBES2 struct {
		KDF, Scheme pkix.AlgorithmIdentifier
	}
	p12PFX struct {
		Version  int
		AuthSafe p12ContentInfo
	}
	p12PFXWithMac struct {
		Version  int
		AuthSafe p12ContentInfo
		MacData  p12Mac
	}
)

var (
	oidP12Data          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidP12EncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidP12ShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidP12TripleDES     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidP12PBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidP12PBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidP12PBMAC1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidP12HMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidP12AES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidP12SHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

func der(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func explicit0(content []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: content}
}

func rawOf(t *testing.T, v any) asn1.RawValue { return asn1.RawValue{FullBytes: der(t, v)} }

func pbes2(t *testing.T, iterations int) pkix.AlgorithmIdentifier {
	kdf := pkix.AlgorithmIdentifier{Algorithm: oidP12PBKDF2, Parameters: rawOf(t, p12PBKDF2{Salt: make([]byte, 16), Iterations: iterations,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidP12HMACSHA256, Parameters: asn1.NullRawValue}})}
	scheme := pkix.AlgorithmIdentifier{Algorithm: oidP12AES256CBC, Parameters: rawOf(t, make([]byte, 16))}
	return pkix.AlgorithmIdentifier{Algorithm: oidP12PBES2, Parameters: rawOf(t, p12PBES2{KDF: kdf, Scheme: scheme})}
}

// pfxAsking is a base64 PFX with one key derivation of n iterations, in
// the place named: the MAC, a PBMAC1 MAC, the shrouded key bag or the
// encrypted certificates.
func pfxAsking(t *testing.T, where string, n int) string {
	t.Helper()
	keyAlg := pbes2(t, 2048)
	if where == "key" {
		keyAlg = pbes2(t, n)
	}
	bag := p12Bag{ID: oidP12ShroudedKey, Value: explicit0(der(t, p12EncryptedKey{Algorithm: keyAlg, Data: make([]byte, 48)}))}
	data := p12ContentInfo{ContentType: oidP12Data, Content: explicit0(der(t, der(t, []p12Bag{bag})))}
	safe := []p12ContentInfo{data}
	if where == "certs" {
		var enc p12EncryptedData
		enc.Info.ContentType = oidP12Data
		enc.Info.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidP12TripleDES, Parameters: rawOf(t, p12PBE{Salt: make([]byte, 8), Iterations: n})}
		enc.Info.Content = make([]byte, 64)
		safe = []p12ContentInfo{{ContentType: oidP12EncryptedData, Content: explicit0(der(t, enc))}, data}
	}
	authSafe := p12ContentInfo{ContentType: oidP12Data, Content: explicit0(der(t, der(t, safe)))}
	var out []byte
	switch where {
	case "mac", "pbmac1":
		var mac p12Mac
		mac.Mac.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidP12SHA256, Parameters: asn1.NullRawValue}
		mac.Mac.Digest, mac.Salt, mac.Iterations = make([]byte, 32), make([]byte, 16), n
		if where == "pbmac1" {
			kdf := pkix.AlgorithmIdentifier{Algorithm: oidP12PBKDF2, Parameters: rawOf(t, p12PBKDF2{Salt: make([]byte, 16), Iterations: n, KeyLength: 32,
				PRF: pkix.AlgorithmIdentifier{Algorithm: oidP12HMACSHA256, Parameters: asn1.NullRawValue}})}
			mac.Mac.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidP12PBMAC1, Parameters: rawOf(t, struct{ KDF, MAC pkix.AlgorithmIdentifier }{kdf,
				pkix.AlgorithmIdentifier{Algorithm: oidP12HMACSHA256, Parameters: asn1.NullRawValue}})}
			mac.Iterations = 1
		}
		out = der(t, p12PFXWithMac{Version: 3, AuthSafe: authSafe, MacData: mac})
	default:
		out = der(t, p12PFX{Version: 3, AuthSafe: authSafe})
	}
	return base64.StdEncoding.EncodeToString(out)
}

// TestPFXKeyDerivationsAreBounded: a PFX names its own iteration counts;
// one that asks for a billion would keep akv cert, render and a cron'd
// check --expiring busy for minutes. Past the bound it is refused before
// any derivation, exit 6 with what to do.
func TestPFXKeyDerivationsAreBounded(t *testing.T) {
	for _, where := range []string{"mac", "pbmac1", "key", "certs"} {
		t.Run(where, func(t *testing.T) {
			_, err := ParseCert(pfxAsking(t, where, maxPFXIterations+1), ContentTypePFX, "")
			e, ok := err.(*Error)
			if !ok || e.Kind != KindUnrepresentable || !strings.Contains(e.Msg, "iterations") || e.Hint == "" {
				t.Fatalf("%d iterations in the %s: %v, want a refusal that names the iterations", maxPFXIterations+1, where, err)
			}
		})
		t.Run(where+"/within the bound", func(t *testing.T) {
			// Derived and refused for what it is (no key that decrypts), not for its iterations.
			_, err := ParseCert(pfxAsking(t, where, 2048), ContentTypePFX, "")
			if err == nil || strings.Contains(err.Error(), "iterations") {
				t.Fatalf("2048 iterations in the %s: %v", where, err)
			}
		})
	}
}

// TestBytesDecideWhenTheContentTypeContradictsThem: PEM and a base64 PFX
// cannot be taken for each other, so a content type that names the other
// one (a hand-made import, a tool that got it wrong) is no reason to
// refuse; nor is base64 in the URL alphabet.
func TestBytesDecideWhenTheContentTypeContradictsThem(t *testing.T) {
	ch := newTestChain(t, "ec", 1)
	pemValue := keyPEM(t, ch.key) + certsOf(ch.leaf, ch.inter[0], ch.root)
	pfx := pfxOf(t, pkcs12.Modern2023, ch.key, ch.leaf, []*x509.Certificate{ch.inter[0], ch.root}, "")
	der, err := base64.StdEncoding.DecodeString(pfx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, value, contentType, format string }{
		{"pem typed as pfx", pemValue, ContentTypePFX, ContentTypePEM},
		{"pfx typed as pem", pfx, ContentTypePEM, ContentTypePFX},
		{"pfx in the url alphabet", base64.URLEncoding.EncodeToString(der), ContentTypePFX, ContentTypePFX},
		{"pfx in the url alphabet, unpadded, no type", base64.RawURLEncoding.EncodeToString(der), "", ContentTypePFX},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCert(tc.value, tc.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			checkOrder(t, c, ch)
			if c.Format != tc.format {
				t.Errorf("read as %s, want %s", c.Format, tc.format)
			}
		})
	}
}
