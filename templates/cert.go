package templates

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// The content types Key Vault gives the secret behind a certificate.
const (
	ContentTypePFX = "application/x-pkcs12"   // the value is a base64 PFX without a password
	ContentTypePEM = "application/x-pem-file" // the value is PEM: the key, then the certificates
)

// Cert is a certificate-backed secret: its private key and its
// certificates, the leaf first and each issuer after the one it signed.
type Cert struct {
	Key     crypto.Signer       // nil when the secret holds certificates only
	Leaf    *x509.Certificate   // the certificate of Key
	Issuers []*x509.Certificate // the leaf's issuer, its issuer, … up to the root when the secret holds it
	Others  []*x509.Certificate // certificates outside the leaf's chain, in the secret's order
	Format  string              // what the value was: ContentTypePFX or ContentTypePEM
}

// IsCertContentType reports whether ct is one of the content types Key
// Vault gives a certificate's secret.
func IsCertContentType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	return ct == ContentTypePFX || ct == ContentTypePEM
}

// certError is a refusal to read a certificate: exit 6, a message that
// names what was found (never a byte of the value) and what to do.
func certError(hint, format string, args ...any) error {
	return &Error{Kind: KindUnrepresentable, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

const hintNotCert = "a Key Vault certificate's key and chain are in the secret of the certificate's name, " +
	"with content type " + ContentTypePFX + " or " + ContentTypePEM

// ParseCert reads a certificate-backed secret's value. The content type
// says how (a base64 PFX, or PEM); when it is missing or another one, the
// bytes decide. password opens a PFX that has one (Key Vault's own have
// none). The leaf is the certificate that matches the private key, and
// the issuers are ordered by signature, whatever order the value lists
// them in.
func ParseCert(value, contentType, password string) (*Cert, error) {
	media, params, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	media = strings.TrimSpace(media)
	switch {
	// PEM and a base64 PFX cannot be taken for each other: a content type
	// that names the other one (a hand-made import) is overruled by the bytes.
	case media == ContentTypePFX && startsPEMBlock(value):
		return parsePEM([]byte(value))
	case media == ContentTypePFX:
		der, err := decodeBase64(value)
		if err != nil {
			return nil, certError("a PFX secret's value is the PFX in base64: import it with 'az keyvault certificate import', or fix the content type",
				"content type %s, but the value is not valid base64 (%v)", ContentTypePFX, err)
		}
		return parsePFX(der, password)
	case media == ContentTypePEM:
		if hasPEM(value) {
			return parsePEM([]byte(value))
		}
		der, err := decodeBase64(value)
		if err == nil && hasPEM(string(der)) { // PEM kept in base64, as "application/x-pem-file;base64" says
			return parsePEM(der)
		}
		if err == nil && looksLikePFX(der) {
			return parsePFX(der, password)
		}
		if err != nil && strings.Contains(params, "base64") {
			return nil, certError("fix the value or the content type", "content type %q, but the value is not valid base64 (%v)", contentType, err)
		}
		return nil, certError("a PEM value has -----BEGIN CERTIFICATE----- blocks (and one key block)",
			"content type %s, but the value holds no PEM block", ContentTypePEM)
	}
	if hasPEM(value) {
		return parsePEM([]byte(value))
	}
	if der, err := decodeBase64(value); err == nil && len(der) > 0 {
		if looksLikePFX(der) {
			return parsePFX(der, password)
		}
		if hasPEM(string(der)) {
			return parsePEM(der)
		}
	}
	found := ""
	if contentType != "" {
		found = fmt.Sprintf(" (content type %q)", contentType)
	}
	return nil, certError(hintNotCert, "not a certificate: the value is neither PEM nor a base64 PFX%s", found)
}

// decodeBase64 reads standard base64, or the URL alphabet (which has '-'
// and '_' where the standard one has '+' and '/'), with or without
// padding, ignoring line breaks and spaces (as PFX files pasted into a
// secret have).
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	std, raw := base64.StdEncoding, base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") && !strings.ContainsAny(s, "+/") {
		std, raw = base64.URLEncoding, base64.RawURLEncoding
	}
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return std.DecodeString(s)
	}
	return raw.DecodeString(s)
}

func hasPEM(s string) bool { return strings.Contains(s, "-----BEGIN ") }

// startsPEMBlock reports a line that begins a PEM block: what base64 never has.
func startsPEMBlock(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "-----BEGIN ") || strings.Contains(s, "\n-----BEGIN ")
}

// looksLikePFX reports a SEQUENCE (of definite or indefinite length)
// whose first element is INTEGER 3: the version every PFX starts with.
func looksLikePFX(der []byte) bool {
	if len(der) < 5 || der[0] != 0x30 {
		return false
	}
	i := 2
	if l := der[1]; l > 0x80 {
		i += int(l & 0x7f)
	}
	return len(der) >= i+3 && der[i] == 0x02 && der[i+1] == 0x01 && der[i+2] == 0x03
}

func parsePFX(der []byte, password string) (*Cert, error) {
	if n := pfxIterations(der); n > maxPFXIterations {
		return nil, certError(fmt.Sprintf("re-export it with at most %d (openssl pkcs12 -export -iter 2048) and import it again", maxPFXIterations),
			"the PFX asks for %d key-derivation iterations, more than akv spends (%d)", n, maxPFXIterations)
	}
	key, first, rest, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		return nil, pfxError(err, password != "")
	}
	signer, err := asSigner(key)
	if err != nil {
		return nil, err
	}
	return assemble(signer, append([]*x509.Certificate{first}, rest...), ContentTypePFX)
}

// pfxError turns the PKCS#12 reader's errors into what to do. Only its
// fixed texts about unsupported algorithms are passed on.
func pfxError(err error, withPassword bool) error {
	var ni pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) && withPassword:
		return certError("check the password in the environment variable you named", "the PFX does not open with the password given")
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return certError("give its password through an environment variable: akv cert --secret-password-env VAR "+
			"(templates read only PFX without a password, as Key Vault stores them)",
			"the PFX is protected by a password (Key Vault's own PFX have none)")
	case errors.Is(err, pkcs12.ErrDecryption):
		return certError("check the password, or re-import the certificate", "the PFX does not decrypt: a wrong password or a corrupt file")
	case errors.As(err, &ni):
		return certError("re-export it with 'openssl pkcs12 -export' (AES-256 or 3DES) and import it again",
			"the PFX uses something akv cannot read: %s", strings.TrimPrefix(ni.Error(), "pkcs12: "))
	case strings.Contains(err.Error(), "private key missing"):
		return certError("servers need the key: import the certificate with its private key (exportable)", "the PFX holds no private key")
	case strings.Contains(err.Error(), "certificate missing"):
		return certError(hintNotCert, "the PFX holds no certificate")
	case strings.Contains(err.Error(), "exactly one key bag"):
		return certError("keep one certificate and its key per secret", "the PFX holds more than one private key")
	}
	return certError("re-export it with 'openssl pkcs12 -export' and import it again",
		"not a PFX akv can read: corrupt, truncated, or BER- rather than DER-encoded")
}

func asSigner(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return k.(crypto.Signer), nil
	case nil:
		return nil, nil
	}
	return nil, certError("TLS servers take RSA, ECDSA or Ed25519 keys", "the private key is of a type akv does not support (%T)", key)
}

// parsePEM reads CERTIFICATE blocks and one private key block (PKCS#8,
// PKCS#1 or SEC 1). A block whose base64 is damaged is an error, not
// skipped as encoding/pem would.
func parsePEM(data []byte) (*Cert, error) {
	var (
		key   crypto.Signer
		certs []*x509.Certificate
		n     int
	)
	want := bytes.Count(data, []byte("-----BEGIN "))
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n++
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, certError("re-import the certificate", "PEM block %d (CERTIFICATE) is not a valid X.509 certificate", n)
			}
			certs = append(certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if key != nil {
				return nil, certError("keep one certificate and its key per secret", "the PEM holds more than one private key")
			}
			if _, encrypted := b.Headers["DEK-Info"]; encrypted {
				return nil, encryptedKeyError()
			}
			k, err := parseKey(b)
			if err != nil {
				return nil, certError("re-import the certificate with its key", "PEM block %d (%s) is not a valid private key", n, b.Type)
			}
			if key, err = asSigner(k); err != nil {
				return nil, err
			}
		case "ENCRYPTED PRIVATE KEY":
			return nil, encryptedKeyError()
		case "EC PARAMETERS":
			// openssl ecparam writes it before the key; the key repeats the curve.
		default:
			return nil, certError("keep CERTIFICATE blocks and one PRIVATE KEY block", "PEM block %d is a %q, which is neither a certificate nor a private key", n, b.Type)
		}
	}
	if n < want {
		return nil, certError("re-import the certificate: a PEM block's base64 is damaged", "corrupt PEM: %d of %d blocks do not decode", want-n, want)
	}
	if len(certs) == 0 {
		return nil, certError(hintNotCert, "the PEM holds no certificate")
	}
	return assemble(key, certs, ContentTypePEM)
}

func encryptedKeyError() error {
	return certError("Key Vault keeps keys unencrypted in the secret: decrypt it (openssl pkey -in key.pem) and import the certificate again",
		"the private key is encrypted")
}

func parseKey(b *pem.Block) (any, error) {
	switch b.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	}
	return x509.ParsePKCS8PrivateKey(b.Bytes)
}

// maxCertificates bounds a secret's certificates. Ordering them costs
// signature checks quadratic in their number; a chain has a handful, Key
// Vault's 25 KiB hold fewer than 100, but an answer may be 1 MiB.
const maxCertificates = 100

// assemble finds the leaf (the certificate of the key; without a key, the
// one certificate that issued no other) and walks up its issuers.
func assemble(key crypto.Signer, all []*x509.Certificate, format string) (*Cert, error) {
	if len(all) > maxCertificates {
		return nil, certError("keep one certificate, its key and its chain per secret",
			"the secret holds %d certificates, more than the %d akv orders", len(all), maxCertificates)
	}
	var certs []*x509.Certificate
	for _, c := range all { // the same certificate twice is once
		dup := false
		for _, d := range certs {
			dup = dup || bytes.Equal(c.Raw, d.Raw)
		}
		if !dup {
			certs = append(certs, c)
		}
	}
	c := &Cert{Key: key, Format: format}
	ofKey := map[*x509.Certificate]bool{}
	if key != nil {
		// A renewal that kept the key leaves the old certificate beside
		// the new one: the leaf is the one that is no CA, then the one
		// valid the longest; the others of the key are nobody's issuer.
		for _, cert := range certs {
			if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(key.Public()) {
				ofKey[cert] = true
				if c.Leaf == nil || c.Leaf.IsCA && !cert.IsCA || c.Leaf.IsCA == cert.IsCA && cert.NotAfter.After(c.Leaf.NotAfter) {
					c.Leaf = cert
				}
			}
		}
		if c.Leaf == nil {
			return nil, certError("import the certificate together with its own key",
				"the private key matches none of the %d certificates", len(certs))
		}
	} else {
		var leaves []*x509.Certificate
		for _, cert := range certs {
			issuedOne := false
			for _, other := range certs {
				issuedOne = issuedOne || other != cert && issuedBy(other, cert)
			}
			if !issuedOne {
				leaves = append(leaves, cert)
			}
		}
		if len(leaves) != 1 {
			return nil, certError("keep one certificate, its key and its chain per secret",
				"no private key, and %d certificates that could each be the leaf", len(leaves))
		}
		c.Leaf = leaves[0]
	}
	used := map[*x509.Certificate]bool{c.Leaf: true}
	for cur := c.Leaf; !selfSigned(cur); {
		next := parentOf(cur, certs, used)
		if next == nil {
			break
		}
		c.Issuers = append(c.Issuers, next)
		used[next] = true
		cur = next
	}
	for _, cert := range certs {
		if !used[cert] && !ofKey[cert] {
			c.Others = append(c.Others, cert)
		}
	}
	return c, nil
}

// issuedBy reports whether parent's name (and key id, when both carry
// one) is child's issuer: a cheap test, which signedBy confirms.
func issuedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	return len(child.AuthorityKeyId) == 0 || len(parent.SubjectKeyId) == 0 || bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId)
}

// signedBy reports whether parent's key made child's signature. A
// signature it cannot check (MD5, an algorithm crypto/x509 does not
// know) does not count against it: the names decided. One that fails is
// another key's: a look-alike, or the issuer before a re-key.
func signedBy(child, parent *x509.Certificate) bool {
	// CheckSignature, unlike CheckSignatureFrom, verifies SHA-1 (old
	// roots) and leaves CA constraints to the verifier: this orders, it
	// does not validate.
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure) || errors.Is(err, x509.ErrUnsupportedAlgorithm)
}

// selfSigned is a root: issued by its own name and signed by its own key.
func selfSigned(c *x509.Certificate) bool { return issuedBy(c, c) && signedBy(c, c) }

// parentOf picks child's issuer among the unused certificates: named as
// its issuer and signed with its key (cross-signed intermediates share a
// name and a key; either will do).
func parentOf(child *x509.Certificate, certs []*x509.Certificate, used map[*x509.Certificate]bool) *x509.Certificate {
	for _, p := range certs {
		if !used[p] && issuedBy(child, p) && signedBy(child, p) {
			return p
		}
	}
	return nil
}

// Chain is the leaf and its intermediates, as a server sends them
// (nginx's ssl_certificate): every issuer but a self-signed root.
func (c *Cert) Chain() []*x509.Certificate {
	chain := append([]*x509.Certificate{c.Leaf}, c.Issuers...)
	if n := len(chain); n > 1 && selfSigned(chain[n-1]) {
		chain = chain[:n-1]
	}
	return chain
}

// CA is every certificate but the leaf: the issuers in order, then any
// others the secret holds. A self-signed leaf is its own CA.
func (c *Cert) CA() []*x509.Certificate {
	if len(c.Issuers) == 0 && len(c.Others) == 0 && selfSigned(c.Leaf) {
		return []*x509.Certificate{c.Leaf}
	}
	return append(append([]*x509.Certificate(nil), c.Issuers...), c.Others...)
}

func certsPEM(certs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// KeyPEM is the private key as PKCS#8 PEM ("PRIVATE KEY").
func (c *Cert) KeyPEM() ([]byte, error) {
	if c.Key == nil {
		return nil, certError("servers need the key: import the certificate with its private key (exportable)", "the secret holds no private key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, certError("TLS servers take RSA, ECDSA or Ed25519 keys", "the private key cannot be written as PKCS#8")
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// CertPEM is the leaf alone.
func (c *Cert) CertPEM() []byte { return certsPEM([]*x509.Certificate{c.Leaf}) }

// ChainPEM is the leaf then its intermediates.
func (c *Cert) ChainPEM() []byte { return certsPEM(c.Chain()) }

// CAPEM is the issuers only (see CA).
func (c *Cert) CAPEM() ([]byte, error) {
	ca := c.CA()
	if len(ca) == 0 {
		return nil, certError("get the issuer's certificate from your CA, or import the certificate with its chain",
			"the secret holds no issuer certificate: the chain stops at the leaf")
	}
	return certsPEM(ca), nil
}

// BundlePEM is the key then the chain in one file, as HAProxy's crt reads.
func (c *Cert) BundlePEM() ([]byte, error) {
	key, err := c.KeyPEM()
	if err != nil {
		return nil, err
	}
	return append(key, c.ChainPEM()...), nil
}

// PFX is a PKCS#12 file of the key, the leaf and every other certificate,
// encrypted with AES-256-CBC under PBKDF2-HMAC-SHA-256 and MACed with
// HMAC-SHA-256: what OpenSSL 3 and Java write by default, and read.
func (c *Cert) PFX(password string) ([]byte, error) {
	if c.Key == nil {
		return nil, certError("servers need the key: import the certificate with its private key (exportable)", "the secret holds no private key")
	}
	others := append(append([]*x509.Certificate(nil), c.Issuers...), c.Others...)
	out, err := pkcs12.Modern2023.Encode(c.Key, c.Leaf, others, password)
	if err != nil {
		return nil, certError("TLS servers take RSA, ECDSA or Ed25519 keys", "cannot write the PFX: %s", strings.TrimPrefix(err.Error(), "pkcs12: "))
	}
	return out, nil
}

// CertInfo describes a leaf for --json: never key material.
type CertInfo struct {
	Subject          string   `json:"subject"`
	SANs             []string `json:"sans"`
	Issuer           string   `json:"issuer"`
	Serial           string   `json:"serial"`
	NotBefore        string   `json:"notBefore"`
	NotAfter         string   `json:"notAfter"`
	SHA256Thumbprint string   `json:"sha256Thumbprint"`
	SHA1Thumbprint   string   `json:"sha1Thumbprint"` // what the Azure portal shows
	KeyType          string   `json:"keyType"`
	HasPrivateKey    bool     `json:"hasPrivateKey"`
	Chain            []string `json:"chain"` // subjects of the issuers, in order
	ContentType      string   `json:"contentType"`
}

// Info describes the leaf and names its issuers.
func (c *Cert) Info() CertInfo {
	l := c.Leaf
	sha256sum, sha1sum := sha256.Sum256(l.Raw), sha1.Sum(l.Raw)
	info := CertInfo{
		Subject: l.Subject.String(), Issuer: l.Issuer.String(), Serial: strings.ToUpper(l.SerialNumber.Text(16)),
		NotBefore: l.NotBefore.UTC().Format(time.RFC3339), NotAfter: l.NotAfter.UTC().Format(time.RFC3339),
		SHA256Thumbprint: strings.ToUpper(hex.EncodeToString(sha256sum[:])), SHA1Thumbprint: strings.ToUpper(hex.EncodeToString(sha1sum[:])),
		KeyType: keyType(l.PublicKey), HasPrivateKey: c.Key != nil, SANs: []string{}, Chain: []string{}, ContentType: c.Format,
	}
	for _, d := range l.DNSNames {
		info.SANs = append(info.SANs, "DNS:"+d)
	}
	for _, ip := range l.IPAddresses {
		info.SANs = append(info.SANs, "IP:"+ip.String())
	}
	for _, e := range l.EmailAddresses {
		info.SANs = append(info.SANs, "email:"+e)
	}
	for _, u := range l.URIs {
		info.SANs = append(info.SANs, "URI:"+u.String())
	}
	for _, i := range c.Issuers {
		info.Chain = append(info.Chain, i.Subject.String())
	}
	return info
}

func keyType(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// certFunc adapts one of Cert's outputs to a template function that takes
// a certificate secret's value.
func certFunc(out func(*Cert) ([]byte, error)) func(string) (string, error) {
	return func(value string) (string, error) {
		c, err := ParseCert(value, "", "")
		if err != nil {
			return "", err
		}
		b, err := out(c)
		return string(b), err
	}
}

// certFuncs are render's certificate functions: each takes the value of
// a certificate-backed secret (PFX or PEM, told apart by the bytes).
func certFuncs() template.FuncMap {
	return template.FuncMap{
		"pemKey":   certFunc((*Cert).KeyPEM),
		"pemCert":  certFunc(func(c *Cert) ([]byte, error) { return c.CertPEM(), nil }),
		"pemChain": certFunc(func(c *Cert) ([]byte, error) { return c.ChainPEM(), nil }),
		"pemCA":    certFunc((*Cert).CAPEM),
	}
}
