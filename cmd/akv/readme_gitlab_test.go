package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/akv-cli/akv/vault/emulator"
)

// TestReadmeGitLabScript runs the README's GitLab job script (issue 15) as
// a shell runner would, against the emulator's Entra ID: AZURE_ID_TOKEN
// holds the job's signed token. The token is a credential while it lasts
// (adversarial review): the file the script writes it to must be 0600 and
// outside the builds directory that every job on the runner shares.
func TestReadmeGitLabScript(t *testing.T) {
	needPrograms(t, "bash")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		blocks = append(blocks, m[1])
	}
	var script []string
	for _, ds := range parseYAML(t, blocks) {
		for _, d := range ds {
			if lines, ok := get(d, "deploy", "script").([]any); ok && get(d, "deploy", "id_tokens") != nil {
				for _, l := range lines {
					script = append(script, l.(string))
				}
			}
		}
	}
	if len(script) == 0 {
		t.Fatal("README has no GitLab job with id_tokens and a script")
	}
	if _, err := exec.LookPath("akv"); err != nil {
		t.Fatalf("akv is not on PATH: %v", err)
	}
	emu, err := emulator.Start(emulator.Options{Identity: "workload", Names: []string{"myvault"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	dir := t.TempDir()
	builds, tmp := filepath.Join(dir, "builds"), filepath.Join(dir, "tmp")
	project := filepath.Join(builds, "group", "project")
	for _, d := range []string{project, tmp} {
		os.MkdirAll(d, 0o755)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + tmp, "CI_BUILDS_DIR=" + builds,
		"CI_PROJECT_DIR=" + project, "GITLAB_CI=true", "AKV_DMI_DIR=" + filepath.Join(dir, "no-dmi")}
	var token string
	for _, line := range strings.Split(emu.Env(), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		v = strings.Trim(v, "'")
		if k == "AZURE_FEDERATED_TOKEN_FILE" { // GitLab has no file: the job's variable holds the token
			data, err := os.ReadFile(v)
			if err != nil {
				t.Fatal(err)
			}
			token = strings.TrimSpace(string(data))
			continue
		}
		env = append(env, k+"="+v)
	}
	env = append(env, "AZURE_ID_TOKEN="+token)

	cmd := exec.Command("bash", "-euc", strings.Join(script, "\n"))
	cmd.Dir, cmd.Env = project, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the GitLab script failed: %v\n%s", err, out)
	}
	if data, _ := os.ReadFile(filepath.Join(project, ".env")); !strings.Contains(string(data), "APP_TOKEN='tok-0123456789abcdef'") {
		t.Errorf(".env: %q", data)
	}
	found := 0
	for _, root := range []string{builds, tmp} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(p)
			if !strings.Contains(string(data), token) {
				return nil
			}
			found++
			fi, _ := d.Info()
			if root == builds {
				t.Errorf("the job's token is written into the shared builds directory: %s", p)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("the job's token file %s is mode %o", p, fi.Mode().Perm())
			}
			return nil
		})
	}
	if found == 0 {
		t.Error("the script wrote the token nowhere akv could read it")
	}
}
