package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// claims are the JWT claims the emulator issues; the Azure CLI's Cloud
// Shell login reads tid and unique_name, akv whoami reads the rest.
type claims struct {
	Aud        string `json:"aud"`
	Iss        string `json:"iss"`
	Tid        string `json:"tid"`
	Oid        string `json:"oid"`
	UniqueName string `json:"unique_name"`
	Iat        int64  `json:"iat"`
	Nbf        int64  `json:"nbf"`
	Exp        int64  `json:"exp"`
}

var b64 = base64.RawURLEncoding

// signer issues and checks JWT-shaped tokens with an HMAC key that lives
// only in this process.
type signer struct{ key []byte }

func (s signer) sign(c claims) string {
	head := b64.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))
	body, _ := json.Marshal(c)
	msg := head + "." + b64.EncodeToString(body)
	return msg + "." + b64.EncodeToString(s.mac(msg))
}

func (s signer) mac(msg string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// wireError is a message Key Vault sends in a 401 body, word for word.
type wireError string

func (e wireError) Error() string { return string(e) }

const (
	errBadToken wireError = "AKV10032: Invalid issuer or signature."
	errExpired  wireError = "AKV10022: Token expired."
	errAudience wireError = "AKV10022: Invalid audience."
	errTenant   wireError = "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{vault tenant}/, found another tenant's."
)

// verify checks a token's signature, expiry, audience and tenant, and
// returns its claims.
func (s signer) verify(tok string, now time.Time, audience, tenant string) (claims, error) {
	c, err := s.parse(tok, now)
	if err != nil {
		return claims{}, err
	}
	return c, c.check(now, audience, tenant)
}

// parse checks a token's signature and expiry, and returns its claims.
func (s signer) parse(tok string, now time.Time) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, errBadToken
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.mac(parts[0]+"."+parts[1])) {
		return claims{}, errBadToken
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, errBadToken
	}
	var c claims
	if json.Unmarshal(body, &c) != nil {
		return claims{}, errBadToken
	}
	if now.Unix() >= c.Exp {
		return claims{}, errExpired
	}
	return c, nil
}

func (c claims) check(now time.Time, audience, tenant string) error {
	if now.Unix() >= c.Exp {
		return errExpired
	}
	if strings.TrimSuffix(c.Aud, "/") != strings.TrimSuffix(audience, "/") {
		return errAudience
	}
	if c.Tid != tenant {
		return errTenant
	}
	return nil
}
