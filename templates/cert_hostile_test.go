package templates

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
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
