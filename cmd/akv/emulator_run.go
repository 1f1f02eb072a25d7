package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// defaultEmulatorVaults are served when no --name is given: the names
// the README and every --help example use.
func defaultEmulatorVaults() []string { return []string{"demo", "myvault"} }

// steersIdentity names the inherited variables that would point akv at
// another identity than the emulator's (on a CI runner or in Cloud Shell,
// a real one); CMD's environment drops them, and gets the emulator's.
func steersIdentity(name string) bool {
	switch name {
	case "AKV_AUTH", "MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AKV_IMDS_ENDPOINT",
		"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_FEDERATED_TOKEN_FILE",
		"AZURE_AUTHORITY_HOST", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
		"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
		"AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID":
		return true
	}
	return false
}

// runWithEmulator runs argv with the emulator's environment (envText, the
// export lines it prints) on top of akv's own, and returns argv's exit
// status (128+N when signal N killed it). The caller stops the emulator
// when this returns, so nothing is left running. As a shell does for a
// foreground job, akv leaves SIGINT and SIGQUIT to the child (the
// terminal sends them to both) and passes SIGTERM and SIGHUP on.
func runWithEmulator(env *Env, envText string, names, argv []string) error {
	vars := parseExports(envText)
	childEnv := make([]string, 0, len(vars)+32)
	for _, kv := range env.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := vars[k]; !set && !steersIdentity(k) {
			childEnv = append(childEnv, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		childEnv = append(childEnv, k+"="+vars[k])
	}
	childEnv = withSelfOnPath(childEnv, selfPath())
	path, err := lookPath(argv[0], []variable{{name: "PATH", value: env.Getenv("PATH")}})
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args, cmd.Env = argv, childEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr

	// SIGQUIT is the child's: drop akv's own SIGQUIT-as-SIGTERM
	// (quitLikeTerm), which would pass a SIGTERM on to it as well.
	signal.Reset(syscall.SIGQUIT)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if env.StderrTTY {
		fmt.Fprintf(env.Stderr, "akv: emulator serving vaults %s for %s; it stops when %s exits\n",
			strings.Join(names, ", "), argv[0], argv[0])
	}
	if err := cmd.Start(); err != nil {
		return &exitError{code: exitNotExecutable, msg: fmt.Sprintf("emulator: %s: %v", path, err)}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM || s == syscall.SIGHUP {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	return exitStatus(cmd.Wait())
}

// selfPath is the running akv as it was started: os.Args[0] when that is
// a path (bin/akv, through any symlink, keeps its name), else the
// executable.
func selfPath() string {
	if strings.ContainsAny(os.Args[0], `/`+string(os.PathSeparator)) {
		return os.Args[0]
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
}

// withSelfOnPath puts the directory of self, the running akv, first on
// PATH in env when PATH finds no akv of that name or another one:
// `bin/akv emulator -- bash` in a fresh clone is a shell whose akv is
// bin/akv, as the README and the demo promise, not "akv: command not
// found" or an older akv installed elsewhere.
func withSelfOnPath(env []string, self string) []string {
	if self == "" {
		return env
	}
	abs, err := filepath.Abs(self)
	if err != nil {
		return env
	}
	selfInfo, err := os.Stat(abs)
	if err != nil {
		return env
	}
	i := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
	path := ""
	if i >= 0 {
		path = strings.TrimPrefix(env[i], "PATH=")
	}
	if found, err := lookPath(filepath.Base(abs), []variable{{name: "PATH", value: path}}); err == nil {
		if fi, err := os.Stat(found); err == nil && os.SameFile(fi, selfInfo) {
			return env
		}
	}
	path = filepath.Dir(abs) + string(os.PathListSeparator) + path
	if i < 0 {
		return append(env, "PATH="+path)
	}
	env = slices.Clone(env)
	env[i] = "PATH=" + path
	return env
}

// parseExports reads the emulator's `export NAME=VALUE` lines, whose
// values are bare or single-quoted ('\” for a quote).
func parseExports(text string) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = strings.ReplaceAll(v[1:len(v)-1], `'\''`, "'")
		}
		vars[k] = v
	}
	return vars
}
