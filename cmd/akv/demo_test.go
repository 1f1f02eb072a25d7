package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoTeaches runs the tour `make demo` gives (demo.sh) with the real
// binary and checks that it shows what a newcomer needs (issue 13, point
// 10): the template it renders, a list with its header, whoami, a --json
// and a --tag selection, and, last, how to try it: bin/akv emulator -- bash.
func TestDemoTeaches(t *testing.T) {
	t.Parallel()
	needPrograms(t, "bash")
	akv, err := exec.LookPath("akv") // the test binary, put on PATH by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	demo, _ := filepath.Abs("demo.sh")
	cmd := exec.Command("bash", demo, akv)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(), "AKV_DMI_DIR=" + t.TempDir(), "NO_COLOR=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"$ cat deploy.tpl\nDATABASE_URL={{ secret \"app-db-url\" | compose }}\n", // the template itself
		"$ akv render -i deploy.tpl\nDATABASE_URL=\"postgres://",
		"$ akv list --table --prefix app-\nNAME ", // a header
		"$ akv whoami\ncredential:  cloudshell",
		"$ akv get --json --meta db-password\n{\n  \"db-password\": {\"value\":",
		"$ akv export --tag app=demo --format dotenv-compose -o .env\n",
		"$ akv export --prefix ap- -o .env\nakv: no secret in vault demo matches --prefix ap-",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo does not show %q; it printed:\n%s", want, text)
		}
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "bin/akv emulator -- bash" {
		t.Errorf("the demo's last line is %q, want the way to try it: bin/akv emulator -- bash", last)
	}
}
