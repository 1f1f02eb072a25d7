package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
)

// certCheck is check's view of certificate-backed secrets: the leaf's
// expiry on each row, and with --expiring an alarm (exit 8).
type certCheck struct {
	window     time.Duration // 0: no --expiring
	text       string        // --expiring as given
	now        time.Time
	certs      int
	expiring   []string
	unreadable []string
}

func newCertCheck(expiring string, now time.Time) (*certCheck, error) {
	cc := &certCheck{now: now, text: expiring}
	if expiring == "" {
		return cc, nil
	}
	d, err := parseWindow(expiring)
	if err != nil || d <= 0 {
		return nil, usageError("use days, weeks or a Go duration: 30d, 2w, 72h", "bad --expiring %q", expiring)
	}
	cc.window = d
	return cc, nil
}

// parseWindow reads "30d" and "2w" as well as Go durations.
func parseWindow(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0, err
			}
			// Out of range, a float-to-int conversion gives whatever the
			// platform gives (negative on amd64, the maximum on arm64).
			if d := v * float64(unit); math.IsNaN(d) || math.Abs(d) >= math.MaxInt64 {
				return 0, fmt.Errorf("%s is more than a time.Duration holds (about 292 years)", s)
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	return time.ParseDuration(s)
}

// add fills in a fetched secret's certificate columns. A secret is a
// certificate when its content type is one of Key Vault's certificate
// types, or when its bytes parse as one; only the former can be
// "unreadable".
func (cc *certCheck) add(row *checkRow, sec *vault.Secret) {
	declared := templates.IsCertContentType(sec.ContentType)
	cert, err := templates.ParseCert(sec.Value, sec.ContentType, "")
	switch {
	case err != nil && !declared:
		return // not a certificate
	case err != nil:
		cc.certs++
		row.Expires = "unreadable"
		row.CertError = err.Error()
		if cc.window > 0 {
			row.Status = "unreadable certificate: " + err.Error()
			cc.unreadable = append(cc.unreadable, row.Name)
		}
		return
	}
	cc.certs++
	notAfter := cert.Leaf.NotAfter
	row.Expires = rfc3339(notAfter)
	if cc.window > 0 && notAfter.Sub(cc.now) < cc.window {
		row.Status = expiryStatus(notAfter.Sub(cc.now))
		cc.expiring = append(cc.expiring, fmt.Sprintf("%s (%s)", row.Name, row.Expires))
	}
}

func expiryStatus(left time.Duration) string {
	days := func(d time.Duration) string {
		n := int(math.Round(d.Hours() / 24))
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	if left < 0 {
		return "expired " + days(-left) + " ago"
	}
	if left < 24*time.Hour {
		return "expires in " + left.Round(time.Minute).String()
	}
	return "expires in " + days(left)
}

// err is the outcome once every secret was fetched: an unreadable
// certificate first (exit 6: the alarm cannot vouch for it), then the
// alarm itself (exit 8).
func (cc *certCheck) err(stderr func(string)) error {
	if cc.window == 0 {
		return nil
	}
	if cc.certs == 0 {
		stderr("akv: note: --expiring: none of the selected secrets is a certificate")
	}
	if len(cc.unreadable) > 0 {
		return unrepresentable("run akv cert on it to see why; check --expiring reads certificates without a password",
			"--expiring: cannot read the certificate in %s", strings.Join(cc.unreadable, ", "))
	}
	if len(cc.expiring) > 0 {
		return &exitError{code: exitExpiring, hint: "renew it in Key Vault (a new version of the certificate); until then this check exits 8",
			msg: fmt.Sprintf("%d certificate(s) expire within %s: %s", len(cc.expiring), cc.text, strings.Join(cc.expiring, ", "))}
	}
	return nil
}
