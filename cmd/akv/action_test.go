package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akv-cli/akv/vault/emulator"
)

// needPrograms skips with a message when a program is missing, unless CI
// is set: there a missing consumer is a failure.
func needPrograms(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (CI must have it)", n)
			}
			t.Skipf("%s is not installed", n)
		}
	}
}

// runner is a simulated GitHub Actions runner for one step of the akv
// action: its files, and the environment the runner and action.yml set.
type runner struct {
	t                *testing.T
	dir              string
	env              map[string]string
	envFile, outFile string
	pathFile         string
	stdout, stderr   string
	exitCode         int
	emu              *emulator.Emulator
	actionPath       string
}

func newRunner(t *testing.T, emu *emulator.Emulator, actionPath string) *runner {
	dir := t.TempDir()
	r := &runner{t: t, dir: dir, emu: emu, actionPath: actionPath, env: map[string]string{},
		envFile: filepath.Join(dir, "github_env"), outFile: filepath.Join(dir, "github_output"), pathFile: filepath.Join(dir, "github_path")}
	for _, f := range []string{r.envFile, r.outFile, r.pathFile} {
		os.WriteFile(f, []byte("EARLIER=step\n"), 0o644)
	}
	// What the emulator's --identity github prints: the runner's OIDC
	// request variables, the app's ids, the emulator's vault and Entra ID.
	for _, line := range strings.Split(emu.Env(), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			r.env[k] = strings.Trim(v, "'")
		}
	}
	clientID, tenantID := r.env["AZURE_CLIENT_ID"], r.env["AZURE_TENANT_ID"]
	delete(r.env, "AZURE_CLIENT_ID") // the action's inputs name them
	delete(r.env, "AZURE_TENANT_ID")
	for k, v := range map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": actionPath, "RUNNER_TEMP": dir, "RUNNER_OS": "Linux",
		"GITHUB_ENV": r.envFile, "GITHUB_OUTPUT": r.outFile, "GITHUB_PATH": r.pathFile,
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "GOCACHE": goEnv(t, "GOCACHE"), "GOMODCACHE": goEnv(t, "GOMODCACHE"),
		"GOFLAGS": goEnv(t, "GOFLAGS"), "GOPROXY": "off", "AKV_DMI_DIR": filepath.Join(dir, "no-dmi"),
		"INPUT_CLIENT_ID": clientID, "INPUT_TENANT_ID": tenantID,
	} {
		r.env[k] = v
	}
	return r
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// run runs the action's script as the composite step does.
func (r *runner) run(inputs map[string]string) {
	r.t.Helper()
	cmd := exec.Command("bash", filepath.Join(r.actionPath, ".github", "action", "run.sh"))
	cmd.Dir = r.dir
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range inputs {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r.stdout, r.stderr, r.exitCode = out.String(), errb.String(), cmd.ProcessState.ExitCode()
	if err != nil && cmd.ProcessState == nil {
		r.t.Fatal(err)
	}
}

func (r *runner) file(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}

// githubEnvVars reads the runner's env file as the runner does: NAME=value
// lines and NAME<<DELIMITER heredoc blocks.
func githubEnvVars(t *testing.T, text string) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			vars[name] = strings.Join(val, "\n")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	return vars
}

// TestAction runs action.yml's script offline against the emulator's
// GitHub OIDC with a simulated runner (issue 15): install from the
// action's checkout with Go, then from a checksum-verified release.
func TestAction(t *testing.T) {
	needPrograms(t, "bash", "go", "curl")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start(emulator.Options{Identity: "github"})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	var binary []byte // the akv the first step built, served as a release below
	t.Run("from source, secrets lines", func(t *testing.T) {
		r := newRunner(t, emu, root)
		r.run(map[string]string{"INPUT_VAULT": "demo", "INPUT_SECRETS": "  DB=db-password\n\n# a comment\nakv://demo/api-key  \n"})
		if r.exitCode != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.exitCode, r.stdout, r.stderr)
		}
		vars := githubEnvVars(t, r.file(r.envFile))
		if vars["EARLIER"] != "step" || vars["DB"] != "s3cr3t-Pa55w0rd!" || vars["API_KEY"] != "ak_live_51H8demo0000000000000000" {
			t.Errorf("GITHUB_ENV vars %v", vars)
		}
		if !strings.Contains(r.stdout, "::add-mask::s3cr3t-Pa55w0rd!\n") || !strings.Contains(r.stdout, "::add-mask::ak_live_51H8demo0000000000000000\n") {
			t.Errorf("values not masked: %q", r.stdout)
		}
		out := githubEnvVars(t, r.file(r.outFile))
		built := out["akv-path"]
		if fi, err := os.Stat(built); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("akv-path output %q: %v", built, err)
		}
		if !strings.Contains(r.file(r.pathFile), filepath.Dir(built)+"\n") {
			t.Errorf("GITHUB_PATH lacks %s", filepath.Dir(built))
		}
		if emu.IdentityStats().GitHubTokens < 1 {
			t.Error("no GitHub OIDC token was requested")
		}
		binary, _ = os.ReadFile(built)
	})
	if len(binary) == 0 {
		t.Fatal("no akv was built")
	}

	// A release server and an action checkout whose checksums.txt lists
	// the binary it serves.
	release := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v9.9.9/akv-linux-amd64", "/v9.9.9/akv-linux-arm64":
			w.Write(binary)
		case "/v6.6.6/akv-linux-amd64", "/v6.6.6/akv-linux-arm64":
			w.Write(append([]byte("#!/bin/sh\necho tampered\n"), binary[:64]...))
		default:
			http.NotFound(w, r)
		}
	}))
	defer release.Close()
	caFile := filepath.Join(t.TempDir(), "release-ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: release.Certificate().Raw}), 0o644)
	sum := sha256.Sum256(binary)
	actionDir := t.TempDir()
	os.MkdirAll(filepath.Join(actionDir, ".github", "action"), 0o755)
	script, _ := os.ReadFile(filepath.Join(root, ".github", "action", "run.sh"))
	os.WriteFile(filepath.Join(actionDir, ".github", "action", "run.sh"), script, 0o755)
	var sums strings.Builder
	for _, v := range []string{"v9.9.9", "v6.6.6"} {
		for _, arch := range []string{"amd64", "arm64"} {
			fmt.Fprintf(&sums, "%s  %s/akv-linux-%s\n", hex.EncodeToString(sum[:]), v, arch)
		}
	}
	os.WriteFile(filepath.Join(actionDir, ".github", "action", "checksums.txt"), []byte(sums.String()), 0o644)
	releaseRunner := func(t *testing.T) *runner {
		r := newRunner(t, emu, actionDir)
		r.env["AKV_RELEASE_BASE_URL"] = release.URL
		r.env["CURL_CA_BUNDLE"] = caFile
		r.env["PATH"] = filepath.Dir(mustLookPath(t, "bash")) + string(os.PathListSeparator) + filepath.Dir(mustLookPath(t, "curl")) + string(os.PathListSeparator) + "/usr/bin:/bin" // no Go needed
		return r
	}

	t.Run("release, tag and prefix", func(t *testing.T) {
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v9.9.9", "INPUT_VAULT": "demo", "INPUT_PREFIX": "app-", "INPUT_TAG": "app=demo\n"})
		if r.exitCode != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.exitCode, r.stdout, r.stderr)
		}
		vars := githubEnvVars(t, r.file(r.envFile))
		if vars["APP_TOKEN"] != "tok-0123456789abcdef" || vars["APP_DB_URL"] == "" || vars["DB_PASSWORD"] != "" {
			t.Errorf("GITHUB_ENV vars %v", vars)
		}
	})
	t.Run("release with a wrong checksum", func(t *testing.T) {
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v6.6.6", "INPUT_VAULT": "demo", "INPUT_SECRETS": "db-password"})
		if r.exitCode == 0 || !strings.Contains(r.stdout, "::error title=akv::checksum mismatch for akv-linux-") {
			t.Fatalf("exit %d, stdout %q", r.exitCode, r.stdout)
		}
		if strings.Contains(r.file(r.envFile), "DB_PASSWORD") || strings.Contains(r.stdout, "tampered") {
			t.Error("the tampered binary ran")
		}
	})
	t.Run("release not listed", func(t *testing.T) {
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v1.2.3", "INPUT_SECRETS": "akv://demo/db-password"})
		if r.exitCode == 0 || !strings.Contains(r.stdout, "no checksum for v1.2.3/akv-linux-") {
			t.Fatalf("exit %d, stdout %q", r.exitCode, r.stdout)
		}
	})
	t.Run("no id-token: write", func(t *testing.T) {
		r := releaseRunner(t)
		delete(r.env, "ACTIONS_ID_TOKEN_REQUEST_URL")
		delete(r.env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
		r.run(map[string]string{"INPUT_AKV_VERSION": "v9.9.9", "INPUT_SECRETS": "akv://demo/db-password"})
		if r.exitCode != 3 || !strings.Contains(r.stderr, "--auth github: ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN not set") ||
			!strings.Contains(r.stderr, "hint: this GitHub Actions job cannot request an OIDC token: grant it permissions: id-token: write") {
			t.Fatalf("exit %d, stderr %q", r.exitCode, r.stderr)
		}
		if r.file(r.envFile) != "EARLIER=step\n" {
			t.Errorf("GITHUB_ENV changed: %q", r.file(r.envFile))
		}
	})
	// A secrets line is a reference, never a flag (adversarial review of
	// issue 15): "--format=shell" first would print the values unmasked
	// into the job log, "--output=F" would write them to a file.
	t.Run("secrets lines that look like flags", func(t *testing.T) {
		for _, first := range []string{"--format=shell", "--output=" + filepath.Join(t.TempDir(), "stolen"), "-o=stolen", "--auth=azcli"} {
			r := releaseRunner(t)
			r.run(map[string]string{"INPUT_AKV_VERSION": "v9.9.9", "INPUT_VAULT": "demo", "INPUT_SECRETS": first + "\ndb-password\n"})
			if r.exitCode != 2 || strings.Contains(r.stdout, "s3cr3t-Pa55w0rd!") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q", first, r.exitCode, r.stdout, r.stderr)
			}
			if _, err := os.Stat(strings.TrimPrefix(first, "--output=")); err == nil {
				t.Errorf("%s: a file was written", first)
			}
			if r.file(r.envFile) != "EARLIER=step\n" {
				t.Errorf("%s: GITHUB_ENV changed: %q", first, r.file(r.envFile))
			}
		}
		// The other inputs are values of their flags, whatever they hold.
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v9.9.9", "INPUT_VAULT": "demo", "INPUT_PREFIX": "--format=shell"})
		if strings.Contains(r.stdout, "s3cr3t-Pa55w0rd!") || strings.Contains(r.stdout, "export ") {
			t.Errorf("prefix: stdout %q", r.stdout)
		}
	})
	// An input with a newline cannot start a workflow command of its own
	// in the failure message (the runner reads every "::" line).
	t.Run("failure message escapes workflow commands", func(t *testing.T) {
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v1\n::warning::injected 100%", "INPUT_SECRETS": "db-password"})
		if r.exitCode != 1 || !strings.Contains(r.stdout, "::error title=akv::no checksum for v1%0A::warning::injected 100%25/akv-linux-") {
			t.Fatalf("exit %d, stdout %q", r.exitCode, r.stdout)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "::warning") {
				t.Errorf("injected workflow command: %q", line)
			}
		}
	})
	t.Run("nothing selected", func(t *testing.T) {
		r := releaseRunner(t)
		r.run(map[string]string{"INPUT_AKV_VERSION": "v9.9.9", "INPUT_VAULT": "demo", "INPUT_SECRETS": "\n# only a comment\n"})
		if r.exitCode != 1 || !strings.Contains(r.stdout, "::error title=akv::nothing selected") {
			t.Fatalf("exit %d, stdout %q", r.exitCode, r.stdout)
		}
	})
}

func mustLookPath(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
