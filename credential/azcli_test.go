package credential

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAzureCLI(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tests := []struct {
		name, script string
		want         time.Time
	}{
		{"expires_on", fmt.Sprintf(`[ "$4" = https://vault.azure.net ] || exit 9
echo '{"accessToken":"%s","expiresOn":"2000-01-01 00:00:00.000000","expires_on":%d,"tokenType":"Bearer"}'`, testToken, exp.Unix()), exp},
		{"local expiresOn", fmt.Sprintf(`echo '{"accessToken":"%s","expiresOn":"%s"}'`, testToken, exp.Local().Format("2006-01-02 15:04:05.000000")), exp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, tt.script)})
			tok, err := c.GetToken(context.Background(), vaultScope)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Token != testToken || !tok.ExpiresOn.Equal(tt.want) {
				t.Errorf("token expires %v, want %v", tok.ExpiresOn, tt.want)
			}
		})
	}
}

func TestAzureCLIFailures(t *testing.T) {
	c := NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`)})
	_, err := c.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.Contains(err.Error(), "Please run 'az login'") || hintOf(err) != "run `az login`" {
		t.Fatalf("err = %v (hint %q)", err, hintOf(err))
	}
	assertKind(t, err, KindAuth)

	c = NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, "sleep 5"), Timeout: 100 * time.Millisecond})
	if _, err := c.GetToken(context.Background(), vaultScope); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("timeout: %v", err)
	}
	c = NewAzureCLI(&AzureCLIOptions{Path: filepath.Join(t.TempDir(), "no-az")})
	if _, err := c.GetToken(context.Background(), vaultScope); err == nil {
		t.Fatal("missing az: no error")
	}
}
