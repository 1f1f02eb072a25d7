package credential

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// ClientCertificate is a service principal with a certificate
// (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, with
// AZURE_CLIENT_CERTIFICATE_PASSWORD when the PFX has one). Each exchange
// sends a fresh RFC 7523 assertion signed RS256 with the private key:
// header x5t = base64url SHA-1 thumbprint, claims aud = the token
// endpoint, iss = sub = client id, a unique jti, nbf = iat = now, exp 10
// minutes on.
type ClientCertificate struct {
	key       *rsa.PrivateKey
	leaf      *x509.Certificate
	chain     [][]byte // DER, leaf first: sent as x5c when asked
	sendChain bool
	ent       *entraClient
	cached
}

var _ azcore.TokenCredential = (*ClientCertificate)(nil)

// maxCertificateFile bounds what is read of AZURE_CLIENT_CERTIFICATE_PATH;
// a key with a long chain is a few KiB.
const maxCertificateFile = 1 << 20

// assertionLifetime is how long a certificate assertion is valid; Entra ID
// takes at most 10 minutes.
const assertionLifetime = 10 * time.Minute

// NewClientCertificate loads the certificate and key at path once; a file
// akv cannot use is a configuration error (exit 2), found before anything
// is sent. sendChain adds the x5c header (subject name / issuer
// authentication, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN).
func NewClientCertificate(path, password string, sendChain bool, opts *EntraOptions) (*ClientCertificate, error) {
	ent, err := newEntraClient("ClientCertificate", opts.orZero())
	if err != nil {
		return nil, err
	}
	// Bounded, and no hang at a FIFO nobody writes (there is no deadline
	// yet: nothing has been sent).
	data, err := readSmallFile(context.Background(), path, maxCertificateFile)
	if err != nil {
		return nil, certError("cannot read AZURE_CLIENT_CERTIFICATE_PATH", "", err)
	}
	key, certs, err := parseCertificate(data, password)
	if err != nil {
		return nil, err
	}
	c := &ClientCertificate{key: key, sendChain: sendChain, ent: ent}
	for _, cert := range certs {
		if pub, ok := cert.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&key.PublicKey) {
			c.leaf = cert
		}
	}
	if c.leaf == nil {
		return nil, certError("AZURE_CLIENT_CERTIFICATE_PATH holds no certificate for its private key", "put the key and its certificate in one PEM or PFX file", nil)
	}
	c.chain = append(c.chain, c.leaf.Raw)
	for _, cert := range certs {
		if cert != c.leaf {
			c.chain = append(c.chain, cert.Raw)
		}
	}
	if now := ent.now(); now.After(c.leaf.NotAfter) {
		ent.logf("ClientCertificate: the certificate expired %s", c.leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	ent.hints = map[int]string{
		700027: fmt.Sprintf("upload the certificate with thumbprint %s to the app registration's Certificates & secrets", c.thumbprintHex()),
	}
	c.cached = newCached(ent.name, ent.now, c.fetch)
	return c, nil
}

func certError(msg, hint string, err error) error {
	return &Error{Credential: "ClientCertificate", Kind: KindUsage, Msg: "ClientCertificate: " + msg, Hint: hint, Err: err}
}

// parseCertificate reads PEM (key and certificates in any order) or a
// PFX. Entra ID takes RSA keys only.
func parseCertificate(data []byte, password string) (*rsa.PrivateKey, []*x509.Certificate, error) {
	var key any
	var certs []*x509.Certificate
	if bytes.Contains(data, []byte("-----BEGIN")) {
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			switch b.Type {
			case "CERTIFICATE":
				cert, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return nil, nil, certError("a CERTIFICATE block does not parse", "", err)
				}
				certs = append(certs, cert)
			case "PRIVATE KEY":
				k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
				if err != nil {
					return nil, nil, certError("the PRIVATE KEY block does not parse", "", err)
				}
				key = k
			case "RSA PRIVATE KEY":
				if _, encrypted := b.Headers["Proc-Type"]; encrypted {
					return nil, nil, certError("the PEM private key is encrypted", "use a PFX with AZURE_CLIENT_CERTIFICATE_PASSWORD, or decrypt the key: openssl rsa -in key.pem -out plain.pem", nil)
				}
				k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
				if err != nil {
					return nil, nil, certError("the RSA PRIVATE KEY block does not parse", "", err)
				}
				key = k
			case "ENCRYPTED PRIVATE KEY":
				return nil, nil, certError("the PEM private key is encrypted", "use a PFX with AZURE_CLIENT_CERTIFICATE_PASSWORD, or decrypt the key: openssl pkcs8 -in key.pem -out plain.pem", nil)
			case "EC PRIVATE KEY":
				return nil, nil, certError("the key is an EC key", "Entra ID accepts RSA certificates only", nil)
			}
		}
		if key == nil {
			return nil, nil, certError("AZURE_CLIENT_CERTIFICATE_PATH holds no private key", "put the private key and its certificate in one PEM file", nil)
		}
	} else {
		k, leaf, chain, err := pkcs12.DecodeChain(data, password)
		if err != nil {
			hint := "the file is neither PEM nor a PFX akv can read"
			if errors.Is(err, pkcs12.ErrIncorrectPassword) {
				hint = "set AZURE_CLIENT_CERTIFICATE_PASSWORD to the PFX's password"
			}
			return nil, nil, certError("cannot read the PFX", hint, errors.New(stripPassword(err.Error(), password)))
		}
		key, certs = k, append([]*x509.Certificate{leaf}, chain...)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, certError(fmt.Sprintf("the key is a %T", key), "Entra ID accepts RSA certificates only", nil)
	}
	return rk, certs, nil
}

func stripPassword(s, password string) string {
	if password == "" {
		return s
	}
	return string(bytes.ReplaceAll([]byte(s), []byte(password), []byte("[redacted]")))
}

func (c *ClientCertificate) thumbprint() []byte {
	sum := sha1.Sum(c.leaf.Raw)
	return sum[:]
}

func (c *ClientCertificate) thumbprintHex() string {
	return fmt.Sprintf("%X", c.thumbprint())
}

func (c *ClientCertificate) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	assertion, err := c.assertion()
	if err != nil {
		return azcore.AccessToken{}, &Error{Credential: c.ent.name, Kind: KindAuth, Msg: "ClientCertificate: cannot sign the assertion", Err: err}
	}
	return c.ent.exchange(ctx, resource, clientAuth{assertion: assertion, source: "certificate " + c.thumbprintHex()})
}

// assertion builds and signs a client assertion (RFC 7523).
func (c *ClientCertificate) assertion() (string, error) {
	b64 := base64.RawURLEncoding
	header := map[string]any{"alg": "RS256", "typ": "JWT", "x5t": b64.EncodeToString(c.thumbprint())}
	if c.sendChain {
		var x5c []string
		for _, der := range c.chain {
			x5c = append(x5c, base64.StdEncoding.EncodeToString(der))
		}
		header["x5c"] = x5c
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	now := c.ent.now()
	claims := map[string]any{
		"aud": c.ent.tokenURL, "iss": c.ent.clientID, "sub": c.ent.clientID, "jti": hex.EncodeToString(jti),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	}
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(claims)
	signing := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64.EncodeToString(sig), nil
}
