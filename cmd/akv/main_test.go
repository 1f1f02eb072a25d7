package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"akv": func() {
			useTestResolver() // only with AKV_TEST_DNS, set by the fakedns command
			os.Exit(run(context.Background(), osEnv(), os.Args))
		},
		"akv-crashing": crashingMain,
	})
}

// TestScripts runs the real binary against the real emulator: one .txtar
// per behaviour in testdata/script.
func TestScripts(t *testing.T) {
	noAz := pathWithoutAz(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Condition:           scriptCondition,
		Setup: func(e *testscript.Env) error {
			// Nothing from the developer's environment leaks in.
			for _, k := range []string{"MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AKV_VAULT",
				"AKV_VAULT_ENDPOINTS", "AKV_CA_FILE", "AKV_CLOUD", "ACC_CLOUD", "AKV_AUTH", "AKV_TIMEOUT", "AKV_VERBOSE", "AKV_IMDS_ENDPOINT", "GITHUB_ENV",
				"SSL_CERT_FILE", "HTTPS_PROXY", "HTTP_PROXY"} {
				e.Setenv(k, "")
			}
			for _, k := range ciVariables {
				e.Setenv(k, "")
			}
			e.Values["emu"] = &emuHolder{}
			e.Values["trust"] = &trustFakes{}
			e.Values["hostile"] = &hostileHolder{t: e.T()}
			e.Values["dns"] = &dnsLog{}
			// auto mode takes any az on PATH as a candidate: the scripts
			// run on a PATH where no az exists, whatever the machine has.
			e.Setenv("PATH", filepath.Dir(akvPath(e))+string(os.PathListSeparator)+noAz)
			// Auto mode must never see this machine's DMI (nor reach IMDS).
			e.Setenv("AKV_DMI_DIR", e.WorkDir+"/no-dmi")
			e.Setenv("AZURE_CLIENT_ID", "")
			e.Setenv("CANARY", "canary-"+strconv.FormatInt(time.Now().UnixNano(), 16)+"c0ffee")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emu":        cmdEmu,
			"emustat":    cmdEmuStat,
			"canaries":   cmdCanaries,
			"setenvfile": cmdSetenvFile,
			"waitfile":   cmdWaitFile,
			"signalpid":  cmdSignalPID,
			"bigsecrets": cmdBigSecrets,
			"emurotate":  cmdEmuRotate,
			"emuident":   cmdEmuIdent,
			"idfake":     cmdIDFake,
			"idfakestat": cmdIDFakeStat,
			"kvfake":     cmdKVFake,
			"tlspair":    cmdTLSPair,
			"certseeds":  cmdCertSeeds,
			"hostile":    cmdHostile,
			"emuretry":   cmdEmuRetry,
			"fakedns":    cmdFakeDNS,
			"refused":    cmdRefused,
			"dnsqueries": cmdDNSQueries,
			"exits":      cmdExits,
		},
	})
}

// cmdExits runs akv and fails unless it exits with the given code:
//
//	exits CODE [NAME=VALUE…] akv|akv-crashing ARGS…
//
// It stands for `exec sh -c 'akv ARGS; echo rc=$?'` + `stdout '^rc=CODE$'`:
// akv runs with the script's environment (plus the NAME=VALUE assignments,
// for this run only, as in a shell), its stdout and stderr become the
// script's for the stdout/stderr/cmp lines that follow, and a death by
// signal counts as 128+signal, the code a shell reports. `! exits` is
// refused: say which code is wanted instead.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits (name the code: exits CODE akv ARGS...)")
	}
	const usage = "usage: exits CODE [NAME=VALUE...] akv|akv-crashing ARGS..."
	if len(args) < 2 {
		ts.Fatalf(usage)
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 || want > 255 {
		ts.Fatalf("exits: bad exit code %q; %s", args[0], usage)
	}
	prog := 1
	for prog < len(args) && strings.Contains(args[prog], "=") {
		prog++
	}
	if prog == len(args) || (args[prog] != "akv" && args[prog] != "akv-crashing") {
		ts.Fatalf("exits runs akv or akv-crashing only; %s", usage)
	}
	name, argv := args[prog], args[prog+1:]
	if prog > 1 { // env execs akv in its place: the code and any signal are akv's own
		name, argv = "env", args[1:]
	}
	got := 0
	if err := ts.Exec(name, argv...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("exits: %v", err)
		}
		got = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = 128 + int(ws.Signal())
		}
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[prog], got, want)
	}
}

// emuHolder remembers the script's running emulator.
type emuHolder struct{ cmd *exec.Cmd }

// cmdEmu starts `akv emulator ARGS… --write-env` in the background, waits
// for its environment and exports it into the script; it stops any
// emulator the script started before, and stops this one at the end.
func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emu")
	}
	holder := ts.Value("emu").(*emuHolder)
	if holder.cmd != nil {
		stopEmu(holder.cmd)
	}
	envFile := ts.MkAbs(fmt.Sprintf("emu-%d.env", time.Now().UnixNano()))
	cmd := exec.Command("akv", append([]string{"emulator", "--write-env", envFile}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"))
	cmd.Dir = ts.Getenv("WORK")
	if err := cmd.Start(); err != nil {
		ts.Fatalf("start emulator: %v", err)
	}
	ts.Defer(func() { stopEmu(cmd) })
	holder.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	var data []byte
	for {
		var err error
		if data, err = os.ReadFile(envFile); err == nil && len(data) > 0 {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("emulator did not write %s", envFile)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		ts.Setenv(k, strings.Trim(v, "'"))
	}
}

func stopEmu(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// cmdEmuStat checks a counter of the running emulator's vault:
// emustat VAULT FIELD WANT.
func cmdEmuStat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: emustat VAULT FIELD WANT")
	}
	var base string
	for _, pair := range strings.Split(ts.Getenv("AKV_VAULT_ENDPOINTS"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok && k == args[0] {
			base = v
		}
	}
	pem, err := os.ReadFile(ts.Getenv("AKV_CA_FILE"))
	ts.Check(err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(base + "/_emulator/stats")
	ts.Check(err)
	defer resp.Body.Close()
	var stats map[string]int64
	ts.Check(json.NewDecoder(resp.Body).Decode(&stats))
	got := strconv.FormatInt(stats[args[1]], 10)
	if (got == args[2]) == neg {
		ts.Fatalf("emulator %s %s = %s, want %s%s", args[0], args[1], got, map[bool]string{true: "not ", false: ""}[neg], args[2])
	}
}

// cmdCanaries writes a secrets file for the emulator whose every value is
// a unique canary, so a script can grep all output for leaks:
// canaries FILE NAME….
func cmdCanaries(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: canaries FILE NAME...")
	}
	seeds := map[string]any{}
	for _, n := range args[1:] {
		seeds[n] = ts.Getenv("CANARY") + "-" + n
	}
	seeds["off-canary"] = map[string]any{"value": ts.Getenv("CANARY") + "-off", "enabled": false}
	seeds["tiny"] = "ab*" // too short to mask
	data, _ := json.Marshal(seeds)
	ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), args[0]), data, 0o600))
}

// cmdSetenvFile sets VAR to the trimmed contents of FILE, so a script can
// assert that a token it captured never shows up elsewhere:
// setenvfile VAR FILE.
func cmdSetenvFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: setenvfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdWaitFile waits up to 10 s for FILE to have content: waitfile FILE.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s did not appear", args[0])
}

// cmdSignalPID sends SIGNAL to the pid written in FILE (testscript's own
// kill knows only INT and KILL): signalpid TERM|INT|HUP FILE.
func cmdSignalPID(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: signalpid SIGNAL FILE")
	}
	sig, ok := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP}[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %s", args[0])
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(args[1])))
	ts.Check(err)
	p, err := os.FindProcess(pid)
	ts.Check(err)
	ts.Check(p.Signal(sig))
}

// cmdBigSecrets writes an emulator secrets file with N secrets:
// bigsecrets FILE N.
func cmdBigSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: bigsecrets FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	seeds := map[string]string{}
	for i := range n {
		seeds[fmt.Sprintf("s%04d", i)] = fmt.Sprintf("value-%04d", i)
	}
	data, _ := json.Marshal(seeds)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
}

// akvPath finds the akv program testscript installed for the scripts.
func akvPath(e *testscript.Env) string {
	for _, dir := range filepath.SplitList(e.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "akv")); err == nil {
			return filepath.Join(dir, "akv")
		}
	}
	return "akv"
}

// pathWithoutAz is one directory with links to every program on PATH but
// az, so the scripts see the machine's tools and never its Azure CLI.
func pathWithoutAz(t *testing.T) string {
	dir := t.TempDir()
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Name() == "az" || e.IsDir() {
				continue
			}
			os.Symlink(filepath.Join(d, e.Name()), filepath.Join(dir, e.Name())) // the first on PATH wins
		}
	}
	return dir
}
