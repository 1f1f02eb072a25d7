package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// parseYAML parses YAML documents with Debian's python3-yaml (akv's own
// dependencies include no YAML parser) and returns them as JSON values.
func parseYAML(t *testing.T, texts []string) [][]any {
	t.Helper()
	needPrograms(t, "python3")
	if err := exec.Command("python3", "-c", "import yaml").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-yaml is not installed (CI must have it)")
		}
		t.Skip("python3-yaml is not installed")
	}
	in, _ := json.Marshal(texts)
	cmd := exec.Command("python3", "-c", `import json, sys, yaml
print(json.dumps([list(yaml.safe_load_all(t)) for t in json.load(sys.stdin)], default=str))`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("a YAML block does not parse: %v\n%s", err, stderr)
	}
	var docs [][]any
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestReadmeCIManifests parses every ```yaml block of the README (the CI
// workflows and Kubernetes manifests of issue 15) and checks what each
// must hold: a manifest that no longer parses, or a workflow that lost
// id-token: write, fails here.
func TestReadmeCIManifests(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 5 {
		t.Fatalf("%d yaml blocks in README.md", len(blocks))
	}
	action, _ := os.ReadFile("../../action.yml")
	docs := parseYAML(t, append(blocks, string(action)))
	actionDoc := docs[len(docs)-1][0]
	inputs := get(actionDoc, "inputs").(map[string]any)

	var workflow, deployment, pod, gitlab, pipelines bool
	for _, ds := range docs[:len(docs)-1] {
		for _, d := range ds {
			switch {
			case get(d, "kind") == "Deployment":
				deployment = true
				tmpl := get(d, "spec", "template")
				if get(tmpl, "metadata", "labels", "azure.workload.identity/use") != "true" || get(tmpl, "spec", "serviceAccountName") == nil {
					t.Errorf("Deployment without workload identity: %v", tmpl)
				}
				cmd, _ := get(tmpl, "spec", "containers").([]any)[0].(map[string]any)["command"].([]any)
				if len(cmd) < 3 || cmd[0] != "akv" || cmd[1] != "run" || cmd[2] != "--" {
					t.Errorf("Deployment's entrypoint is not akv run: %v", cmd)
				}
			case get(d, "kind") == "Pod":
				pod = true
				vols, _ := get(d, "spec", "volumes").([]any)
				if len(vols) == 0 || get(vols[0], "emptyDir", "medium") != "Memory" {
					t.Errorf("the init container's volume is not in memory: %v", vols)
				}
				init, _ := get(d, "spec", "initContainers").([]any)
				cmd, _ := get(init[0], "command").([]any)
				if !slices.Contains(cmd, any("-o")) || cmd[0] != "akv" {
					t.Errorf("init container does not render a file with akv: %v", cmd)
				}
			case get(d, "kind") == "ServiceAccount":
				if get(d, "metadata", "annotations", "azure.workload.identity/client-id") == nil {
					t.Error("ServiceAccount names no identity")
				}
			case get(d, "permissions") != nil:
				workflow = true
				if get(d, "permissions", "id-token") != "write" {
					t.Error("the workflow does not grant id-token: write")
				}
				for _, job := range get(d, "jobs").(map[string]any) {
					for _, step := range get(job, "steps").([]any) {
						uses, _ := get(step, "uses").(string)
						if !strings.HasPrefix(uses, "akv-cli/akv@") {
							continue
						}
						for k := range get(step, "with").(map[string]any) {
							if inputs[k] == nil {
								t.Errorf("the workflow passes input %q, which action.yml does not declare", k)
							}
						}
					}
				}
			case get(d, "deploy", "id_tokens") != nil:
				gitlab = get(d, "deploy", "id_tokens", "AZURE_ID_TOKEN", "aud") == "api://AzureADTokenExchange"
			case get(d, "steps") != nil:
				step := get(d, "steps").([]any)[0]
				pipelines = get(step, "task") == "AzureCLI@2" && get(step, "env", "SYSTEM_ACCESSTOKEN") == "$(System.AccessToken)"
			}
		}
	}
	if !workflow || !deployment || !pod || !gitlab || !pipelines {
		t.Errorf("README lacks an example: workflow %v, deployment %v, pod %v, gitlab %v, pipelines %v", workflow, deployment, pod, gitlab, pipelines)
	}

	// action.yml: the inputs issue 15 names, each handed to the script as
	// INPUT_* through env (never pasted into shell), and read by it.
	script, err := os.ReadFile(filepath.Join("../../.github/action/run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if get(actionDoc, "runs", "using") != "composite" {
		t.Error("action.yml is not a composite action")
	}
	step := get(actionDoc, "runs", "steps").([]any)[0]
	if run := get(step, "run").(string); strings.Contains(run, "${{") {
		t.Errorf("action.yml interpolates into shell: %s", run)
	}
	for _, name := range []string{"vault", "secrets", "prefix", "tag", "client-id", "tenant-id"} {
		if inputs[name] == nil {
			t.Errorf("action.yml lacks input %s", name)
		}
	}
	for name := range inputs {
		v := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if get(step, "env", v) != "${{ inputs."+name+" }}" || !strings.Contains(string(script), v) {
			t.Errorf("input %s does not reach run.sh as %s", name, v)
		}
	}
}
