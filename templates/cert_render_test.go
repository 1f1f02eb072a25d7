package templates

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"software.sslmate.com/src/go-pkcs12"
)

// needProgram skips when a real reader is missing, except in CI, which
// installs it (.ci/run) and must not pass without it.
func needProgram(t *testing.T, name string, check ...string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		err = exec.Command(p, check...).Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (%v); .ci/run must install it", name, err)
		}
		t.Skipf("%s is not installed (CI installs it): skipping its round trip", name)
	}
	return p
}

// certSecrets renders templates against certificate secrets made for the test.
func certSecrets(t *testing.T) (testChain, Resolver) {
	ch := newTestChain(t, "ec", 1)
	values := map[string]string{
		// The root before the intermediate, as some PFX files hold them.
		"akv://demo/tls-cert":     pfxOf(t, pkcs12.LegacyRC2, ch.key, ch.leaf, []*x509.Certificate{ch.root, ch.inter[0]}, ""),
		"akv://demo/tls-cert-pem": keyPEM(t, ch.key) + certsOf(ch.root, ch.leaf, ch.inter[0]),
	}
	return ch, func(refs []string) (map[string]string, error) {
		out := map[string]string{}
		for _, r := range refs {
			out[r] = values[r]
		}
		return out, nil
	}
}

func renderCertFile(t *testing.T, name string) ([]byte, testChain) {
	t.Helper()
	ch, resolve := certSecrets(t)
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(name, string(text), resolve)
	if err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	return out, ch
}

// checkPair asserts that crypto/tls takes chain and key, and that the
// chain is the leaf then its intermediate.
func checkPair(t *testing.T, ch testChain, chain, key, ca string) {
	t.Helper()
	pair, err := tls.X509KeyPair([]byte(chain), []byte(key))
	if err != nil {
		t.Fatalf("crypto/tls refuses the rendered chain and key: %v", err)
	}
	if len(pair.Certificate) != 2 || !bytes.Equal(pair.Certificate[0], ch.leaf.Raw) || !bytes.Equal(pair.Certificate[1], ch.inter[0].Raw) {
		t.Errorf("chain has %d certificates; want the leaf then the intermediate", len(pair.Certificate))
	}
	if ca != "" && ca != certsOf(ch.inter[0], ch.root) {
		t.Errorf("CA is not the intermediate then the root")
	}
}

func TestRenderKubernetesTLSSecret(t *testing.T) {
	py := needProgram(t, "/usr/bin/python3", "-c", "import yaml") // Debian's, with python3-yaml
	out, ch := renderCertFile(t, "k8s-tls.yaml.tpl")
	cmd := exec.Command(py, "-c", "import sys, yaml, json; d = yaml.safe_load(sys.stdin); print(json.dumps(d))")
	cmd.Stdin = bytes.NewReader(out)
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("PyYAML: %v", err)
	}
	var secret struct {
		Kind       string            `json:"kind"`
		Type       string            `json:"type"`
		StringData map[string]string `json:"stringData"`
	}
	if err := json.Unmarshal(got, &secret); err != nil {
		t.Fatal(err)
	}
	if secret.Kind != "Secret" || secret.Type != "kubernetes.io/tls" {
		t.Errorf("kind %q type %q", secret.Kind, secret.Type)
	}
	checkPair(t, ch, secret.StringData["tls.crt"], secret.StringData["tls.key"], secret.StringData["ca.crt"])
}

func TestRenderComposeFileWithCertificate(t *testing.T) {
	out, ch := renderCertFile(t, "compose-tls.yaml.tpl")
	dir := t.TempDir()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: out}}, Environment: types.Mapping{}},
		func(o *loader.Options) { o.SetProjectName("app", true) })
	if err != nil {
		t.Fatalf("compose-go: %v\n%s", err, out)
	}
	web, err := p.GetService("web")
	if err != nil {
		t.Fatal(err)
	}
	key, cert := web.Environment["TLS_KEY"], web.Environment["TLS_CERT"]
	if key == nil || cert == nil {
		t.Fatalf("environment %v", web.Environment)
	}
	if *cert != certsOf(ch.leaf) {
		t.Errorf("TLS_CERT is not the leaf alone")
	}
	checkPair(t, ch, p.Configs["tls_chain"].Content, *key, "")
}

func TestCertFunctionsRefuseWhatIsNoCertificate(t *testing.T) {
	_, err := Render("t", `{{ secret "akv://demo/db-password" | pemKey }}`, func([]string) (map[string]string, error) {
		return map[string]string{"akv://demo/db-password": "canary-not-a-cert-value"}, nil
	})
	var e *Error
	if !asError(err, &e) || e.Kind != KindUnrepresentable || !strings.Contains(e.Msg, "t:1:") || !strings.Contains(e.Msg, "pemKey") || !strings.Contains(e.Msg, "not a certificate") {
		t.Fatalf("%v: want exit 6 naming the template", err)
	}
	holdsSecret(t, err.Error()+e.Hint, "canary-not-a-cert-value")
}
