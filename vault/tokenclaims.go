package vault

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// TokenClaims are the claims akv reads from an access token, for whoami
// and error hints. The token is not verified: it only describes itself.
type TokenClaims struct {
	Tenant     string `json:"tid"`
	ObjectID   string `json:"oid"`
	Audience   string `json:"aud"`
	UniqueName string `json:"unique_name"`
	UPN        string `json:"upn"`
	AppID      string `json:"appid"`
	Expires    int64  `json:"exp"`
}

// ParseClaims decodes a JWT's payload.
func ParseClaims(token string) (TokenClaims, error) {
	var c TokenClaims
	parts := strings.Split(token, ".")
	if len(parts) < 2 {
		return c, fmt.Errorf("the token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c, fmt.Errorf("the token's payload is not base64url")
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("the token's payload is not JSON")
	}
	return c, nil
}
