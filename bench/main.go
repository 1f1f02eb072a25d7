// Command bench measures akv against the physical floor of its work and
// against the Azure CLI, on one machine in one run, and writes a markdown
// table to bench/results.md. Run it with `make bench`.
//
// It starts `akv emulator` with a per-request latency on Key Vault (the
// token endpoint stays local and fast, as in Cloud Shell) and times whole
// akv processes, the way scripts pay for them: start-up, token, challenge,
// listing, gets and output. Nothing here is asserted; the numbers are
// for people.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

type options struct {
	akv      string
	latency  time.Duration
	runs     int
	out      string
	conc     int
	noAz     bool
	versions int
}

type row struct {
	name       string
	akv        time.Duration
	sequential time.Duration // at --concurrency 1, when measured
	floor      time.Duration
	az         time.Duration // az rest, when measured
}

func main() {
	var o options
	flag.StringVar(&o.akv, "akv", "bin/akv", "the akv binary to measure")
	flag.DurationVar(&o.latency, "latency", 20*time.Millisecond, "latency added to every Key Vault request")
	flag.IntVar(&o.runs, "runs", 5, "runs per case (the median is reported)")
	flag.IntVar(&o.conc, "concurrency", 16, "akv --concurrency for the parallel cases")
	flag.IntVar(&o.versions, "version-runs", 50, "runs of `akv version`")
	flag.BoolVar(&o.noAz, "no-az", false, "skip the Azure CLI comparison")
	flag.StringVar(&o.out, "o", "bench/results.md", "where to write the table")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	akv, err := filepath.Abs(o.akv)
	if err != nil {
		return err
	}
	o.akv = akv
	work, err := os.MkdirTemp("", "akv-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var rows []row
	var rss int64
	rtt := o.latency
	for _, n := range []int{1, 10, 100, 350} {
		emu, err := startEmulator(o, work, n)
		if err != nil {
			return err
		}
		args := []string{"export", "--all", "--format", "json"}
		par, maxRSS, err := median(o.runs, emu.env, o.akv, append(args, "--concurrency", fmt.Sprint(o.conc))...)
		if err != nil {
			emu.stop()
			return err
		}
		seq, _, err := median(o.runs, emu.env, o.akv, append(args, "--concurrency", "1")...)
		if err != nil {
			emu.stop()
			return err
		}
		if n == 350 {
			rss = maxRSS
		}
		rows = append(rows, row{name: fmt.Sprintf("export --all, %d secrets", n), akv: par, sequential: seq, floor: listFloor(rtt, n, o.conc)})

		if n == 100 {
			names := secretNames(20)
			one, _, err := median(o.runs, emu.env, o.akv, "get", names[0])
			if err != nil {
				emu.stop()
				return err
			}
			rows = append(rows, row{name: "get, 1 secret", akv: one, floor: getFloor(rtt, 1, o.conc)})
			twenty, _, err := median(o.runs, emu.env, o.akv, append([]string{"get", "--concurrency", fmt.Sprint(o.conc)}, names...)...)
			if err != nil {
				emu.stop()
				return err
			}
			seq20, _, err := median(o.runs, emu.env, o.akv, append([]string{"get", "--concurrency", "1"}, names...)...)
			if err != nil {
				emu.stop()
				return err
			}
			r := row{name: "get, 20 secrets", akv: twenty, sequential: seq20, floor: getFloor(rtt, 20, o.conc)}
			if !o.noAz {
				r.az = azRest(o, emu, names)
			}
			rows = append(rows, r)
		}
		emu.stop()
	}
	version, _, err := median(o.versions, os.Environ(), o.akv, "version")
	if err != nil {
		return err
	}
	rows = append(rows, row{name: "version (start-up)", akv: version})

	table := render(o, rows, rss)
	fmt.Print(table)
	return os.WriteFile(o.out, []byte(table), 0o644)
}

// listFloor is the least time a listing export can take at RTT: a
// challenge, the sequential pages, then the gets that cannot overlap them
// — or, when the gets are the bottleneck, a challenge, the first page and
// N/C rounds of gets.
func listFloor(rtt time.Duration, n, c int) time.Duration {
	pages := max(1, int(math.Ceil(float64(n)/25)))
	p := pages
	if pages > 1 {
		p++ // the empty page the service (and the emulator) adds
	}
	last := n - (pages-1)*25
	rounds := max(1+p+ceilDiv(last, c), 2+ceilDiv(n, c))
	return time.Duration(rounds) * rtt
}

// getFloor: a challenge, then N/C rounds of gets.
func getFloor(rtt time.Duration, n, c int) time.Duration {
	return time.Duration(1+ceilDiv(n, c)) * rtt
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func secretNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d", i*5)
	}
	return names
}

type emulator struct {
	cmd  *exec.Cmd
	env  []string
	vars map[string]string
}

func startEmulator(o options, work string, n int) (*emulator, error) {
	seeds := map[string]string{}
	for i := range n {
		seeds[fmt.Sprintf("s%04d", i)] = fmt.Sprintf("value-%04d-%s", i, strings.Repeat("x", 32))
	}
	data, _ := json.Marshal(seeds)
	secrets := filepath.Join(work, fmt.Sprintf("secrets-%d.json", n))
	envFile := filepath.Join(work, fmt.Sprintf("emu-%d.env", n))
	if err := os.WriteFile(secrets, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(o.akv, "emulator", "--secrets", secrets, "--latency", o.latency.String(), "--write-env", envFile)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulator{cmd: cmd, vars: map[string]string{}}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(envFile); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			e.stop()
			return nil, fmt.Errorf("the emulator did not start")
		}
	}
	f, err := os.Open(envFile)
	if err != nil {
		e.stop()
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(line, "=")
			e.vars[k] = strings.Trim(v, "'")
		}
	}
	e.env = os.Environ()
	for k, v := range e.vars {
		e.env = append(e.env, k+"="+v)
	}
	return e, nil
}

func (e *emulator) stop() {
	e.cmd.Process.Signal(syscall.SIGTERM)
	e.cmd.Wait()
}

// median runs the command runs times and returns the median wall time and
// the largest peak RSS (bytes).
func median(runs int, env []string, name string, args ...string) (time.Duration, int64, error) {
	var times []time.Duration
	var rss int64
	for range runs {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
		}
		times = append(times, time.Since(start))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss*1024) // Linux reports KiB
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2], rss, nil
}

// azRest fetches the 20 secrets one by one with `az rest`, the script a
// user would otherwise write; the token is passed in, so az's own login is
// not even counted. Zero when az is not installed.
func azRest(o options, e *emulator, names []string) time.Duration {
	az, err := exec.LookPath("az")
	if err != nil {
		return 0
	}
	cmd := exec.Command(o.akv, "token")
	cmd.Env = e.env
	tok, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: akv token: %v\n", err)
		return 0
	}
	base := strings.TrimPrefix(e.vars["AKV_VAULT_ENDPOINTS"], "demo=")
	env := append(e.env, "REQUESTS_CA_BUNDLE="+e.vars["AKV_CA_FILE"], "AZURE_CORE_COLLECT_TELEMETRY=no")
	var total []time.Duration
	for range max(1, o.runs/2) {
		start := time.Now()
		for _, n := range names {
			c := exec.Command(az, "rest", "--method", "get", "--url", base+"/secrets/"+n+"?api-version=7.4",
				"--skip-authorization-header", "--headers", "Authorization=Bearer "+strings.TrimSpace(string(tok)))
			c.Env = env
			if out, err := c.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: az rest failed: %v: %.200s\n", err, out)
				return 0
			}
		}
		total = append(total, time.Since(start))
	}
	sort.Slice(total, func(i, j int) bool { return total[i] < total[j] })
	return total[len(total)/2]
}

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func render(o options, rows []row, rss int64) string {
	var b strings.Builder
	host, _ := os.Hostname()
	cpu := cpuModel()
	fmt.Fprintf(&b, "# akv benchmark\n\n%s on %s (%s, %d cores, %s/%s), %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), host, cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "Key Vault latency %s per request (emulator), token endpoint local; median of %d runs; --concurrency %d.\n\n", o.latency, o.runs, o.conc)
	b.WriteString("| case | akv | sequential (--concurrency 1) | floor | akv / floor | az rest | speed-up vs az |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		ratio, speed := "–", "–"
		if r.floor > 0 {
			ratio = fmt.Sprintf("%.2f×", float64(r.akv)/float64(r.floor))
		}
		if r.az > 0 {
			speed = fmt.Sprintf("%.0f×", float64(r.az)/float64(r.akv))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.name, ms(r.akv), ms(r.sequential), ms(r.floor), ratio, ms(r.az), speed)
	}
	fmt.Fprintf(&b, "\nPeak RSS of `export --all` with 350 secrets: %.1f MB.\n", float64(rss)/1e6)
	return b.String()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}
