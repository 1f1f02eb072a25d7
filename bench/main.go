// Command bench measures akv against the floor of its work, against a
// plain azsecrets program and the Azure CLI, and as a fleet of processes
// sharing one throttled vault, on one machine in one run, and writes the
// tables to bench/results.md. Run it with `make bench`.
//
// It starts `akv emulator` with a per-request latency on Key Vault (the
// token endpoint stays local and fast, as in Cloud Shell) and times whole
// processes, the way scripts pay for them: start-up, token, listing, gets
// and output. Nothing here is asserted; the numbers and the targets of
// issue 14 are for people.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	akv          string
	self         string // this program, run again as the peer
	latencies    []time.Duration
	runs         int
	conc         int
	versions     int
	noAz         bool
	fleet        []int
	fleetSecrets int
	fleetLimit   int
	fleetLatency time.Duration
	fleetTimeout time.Duration
	big          int
	out          string
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-peer" {
		if err := peer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var latencies, fleet string
	flag.StringVar(&o.akv, "akv", "bin/akv", "the akv binary to measure")
	flag.StringVar(&latencies, "latencies", "5ms,20ms,80ms", "Key Vault latencies per request, one column each")
	flag.IntVar(&o.runs, "runs", 5, "runs per case and latency (the median is reported)")
	flag.IntVar(&o.conc, "concurrency", 16, "akv --concurrency")
	flag.IntVar(&o.versions, "version-runs", 50, "runs of `akv version` and of the 0 ms get")
	flag.BoolVar(&o.noAz, "no-az", false, "skip the Azure CLI comparison")
	flag.StringVar(&fleet, "fleet", "50,100", "fleet sizes (processes sharing one throttled vault); empty skips the fleet")
	flag.IntVar(&o.fleetSecrets, "fleet-secrets", 50, "secrets each fleet process exports")
	flag.IntVar(&o.fleetLimit, "fleet-throttle", 100, "the fleet vault's limit, requests per second")
	flag.DurationVar(&o.fleetLatency, "fleet-latency", 20*time.Millisecond, "Key Vault latency in the fleet case")
	flag.DurationVar(&o.fleetTimeout, "fleet-timeout", 90*time.Second, "--timeout of each fleet process")
	flag.IntVar(&o.big, "big", 10000, "secrets in the peak-RSS case (0 skips it)")
	flag.StringVar(&o.out, "o", "bench/results.md", "where to write the tables")
	flag.Parse()
	for _, s := range strings.Split(latencies, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -latencies:", err)
			os.Exit(2)
		}
		o.latencies = append(o.latencies, d)
	}
	for _, s := range strings.Split(fleet, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			o.fleet = append(o.fleet, n)
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one case: akv and the peer at each latency.
type result struct {
	name  string
	list  bool // export --all (else named gets)
	n     int
	akv   map[time.Duration]sample
	peer  map[time.Duration]sample
	floor map[time.Duration]time.Duration
	az    time.Duration // az rest, one latency only
}

type sample struct {
	walls    []time.Duration
	wall     time.Duration // median
	requests float64       // Key Vault requests per run
	rss      int64         // largest peak RSS, bytes
	faults   float64       // minor page faults per run
}

type fleetResult struct {
	procs, secrets, limit int
	ok                    int
	wall, best            time.Duration
	requests, throttled   int64
	retries               int64
	earliestRetry         *time.Duration
	firstErr              string
}

type report struct {
	o         options
	results   []*result
	fleet     []fleetResult
	version   sample
	trueCmd   sample // true(1): any process on this machine
	hello     sample // a Go program that prints one line
	get0      sample
	peerGet0  sample
	big       sample
	bigFloor  time.Duration
	azLatency time.Duration
}

func run(o options) error {
	var err error
	if o.akv, err = filepath.Abs(o.akv); err != nil {
		return err
	}
	if o.self, err = os.Executable(); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "akv-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	rep := &report{o: o}

	byName := map[string]*result{}
	add := func(name string, list bool, n int) *result {
		if r, ok := byName[name]; ok {
			return r
		}
		r := &result{name: name, list: list, n: n, akv: map[time.Duration]sample{}, peer: map[time.Duration]sample{}, floor: map[time.Duration]time.Duration{}}
		byName[name] = r
		rep.results = append(rep.results, r)
		return r
	}
	for _, lat := range o.latencies {
		for _, n := range []int{1, 10, 100, 350} {
			emu, err := startEmulator(o.akv, work, n, "--latency", lat.String())
			if err != nil {
				return err
			}
			progress("%s per request, %d secrets", lat, n)
			r := add(fmt.Sprintf("export --all, %d %s", n, plural(n, "secret")), true, n)
			if err := measurePair(o, emu, lat, r,
				[]string{"export", "--all", "--format", "json", "--concurrency", fmt.Sprint(o.conc)}, []string{"list"}); err != nil {
				emu.stop()
				return err
			}
			if n == 100 {
				names := secretNames(20)
				one := add("get, 1 secret", false, 1)
				if err := measurePair(o, emu, lat, one, []string{"get", names[0]}, []string{"get", names[0]}); err != nil {
					emu.stop()
					return err
				}
				twenty := add("get, 20 secrets", false, 20)
				if err := measurePair(o, emu, lat, twenty,
					append([]string{"get", "--concurrency", fmt.Sprint(o.conc)}, names...), append([]string{"get"}, names...)); err != nil {
					emu.stop()
					return err
				}
				if !o.noAz && rep.azLatency == 0 && lat >= 20*time.Millisecond {
					rep.azLatency = lat
					twenty.az = azRest(o, emu, names)
				}
			}
			emu.stop()
		}
	}

	// Fixed cost: start-up, and a get of one secret at 0 ms, beside what
	// any process costs on this machine.
	progress("fixed cost at 0 ms")
	if rep.version, err = measure(o.versions, os.Environ(), o.akv, "version"); err != nil {
		return err
	}
	if t, err := exec.LookPath("true"); err == nil {
		rep.trueCmd, _ = measure(o.versions, os.Environ(), t)
	}
	if hello, err := buildHello(work); err == nil {
		rep.hello, _ = measure(o.versions, os.Environ(), hello)
	} else {
		progress("no Go hello world to compare start-up with: %v", err)
	}
	emu, err := startEmulator(o.akv, work, 1)
	if err != nil {
		return err
	}
	get0 := &result{name: "get, 1 secret", n: 1, akv: map[time.Duration]sample{}, peer: map[time.Duration]sample{}, floor: map[time.Duration]time.Duration{}}
	err = measurePair(options{akv: o.akv, self: o.self, runs: o.versions, conc: o.conc}, emu, 0, get0, []string{"get", "s0000"}, []string{"get", "s0000"})
	emu.stop()
	if err != nil {
		return err
	}
	rep.get0, rep.peerGet0 = get0.akv[0], get0.peer[0]

	if o.big > 0 {
		lat := o.latencies[0]
		progress("peak RSS: export --all of %d secrets at %s", o.big, lat)
		emu, err := startEmulator(o.akv, work, o.big, "--latency", lat.String())
		if err != nil {
			return err
		}
		rep.big, err = measure(1, emu.env, o.akv, "export", "--all", "--format", "json", "--concurrency", fmt.Sprint(o.conc))
		emu.stop()
		if err != nil {
			return err
		}
		rep.bigFloor = listFloor(lat, o.big, o.conc)
	}

	for _, n := range o.fleet {
		progress("fleet: %d processes × %d secrets, --throttle %d", n, o.fleetSecrets, o.fleetLimit)
		f, err := runFleet(o, work, n)
		if err != nil {
			return err
		}
		rep.fleet = append(rep.fleet, f)
	}

	text := rep.render()
	fmt.Print(text)
	return os.WriteFile(o.out, []byte(text), 0o644)
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// measurePair runs akv and the peer alternately, o.runs times each, so a
// busy moment of the machine hits both alike.
func measurePair(o options, emu *emulator, lat time.Duration, r *result, akvArgs, peerArgs []string) error {
	var a, p sample
	for range o.runs {
		before, err := emu.stats()
		if err != nil {
			return err
		}
		ra, err := runOnce(emu.env, o.akv, akvArgs...)
		if err != nil {
			return err
		}
		after, err := emu.stats()
		if err != nil {
			return err
		}
		ra.requests = float64(after.Requests - before.Requests)
		a.add(ra)
		rp, err := runOnce(emu.env, o.self, append([]string{"-peer"}, peerArgs...)...)
		if err != nil {
			return err
		}
		last, err := emu.stats()
		if err != nil {
			return err
		}
		rp.requests = float64(last.Requests - after.Requests)
		p.add(rp)
	}
	a.finish(o.runs)
	p.finish(o.runs)
	r.akv[lat], r.peer[lat] = a, p
	if r.list {
		r.floor[lat] = listFloor(lat, r.n, o.conc)
	} else {
		r.floor[lat] = getFloor(lat, r.n, o.conc)
	}
	return nil
}

type run1 struct {
	wall     time.Duration
	requests float64
	rss      int64
	faults   int64
}

// add accumulates a run; finish turns the sums into a median and means.
func (s *sample) add(r run1) {
	s.walls = append(s.walls, r.wall)
	s.requests += r.requests
	s.rss = max(s.rss, r.rss)
	s.faults += float64(r.faults)
}

func (s *sample) finish(runs int) {
	slices.Sort(s.walls)
	s.wall = s.walls[len(s.walls)/2]
	s.requests /= float64(runs)
	s.faults /= float64(runs)
}

// listFloor is the least time a listing export can take at RTT with no
// challenge: the P sequential list calls (the service adds an empty page
// after the first when there are more) and the gets of the last page,
// or — when the gets are the bottleneck — the first page and N/C rounds
// of gets.
func listFloor(rtt time.Duration, n, c int) time.Duration {
	pages := max(1, ceilDiv(n, 25))
	p := pages
	if pages > 1 {
		p++
	}
	last := n - (pages-1)*25
	return time.Duration(max(p+ceilDiv(last, c), 1+ceilDiv(n, c))) * rtt
}

// getFloor: N/C rounds of gets.
func getFloor(rtt time.Duration, n, c int) time.Duration {
	return time.Duration(ceilDiv(n, c)) * rtt
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
	hc   *http.Client
}

func startEmulator(akv, work string, n int, flags ...string) (*emulator, error) {
	seeds := map[string]string{}
	for i := range n {
		seeds[fmt.Sprintf("s%04d", i)] = fmt.Sprintf("value-%04d-%s", i, strings.Repeat("x", 32))
	}
	data, _ := json.Marshal(seeds)
	stamp := time.Now().UnixNano()
	secrets := filepath.Join(work, fmt.Sprintf("secrets-%d.json", stamp))
	envFile := filepath.Join(work, fmt.Sprintf("emu-%d.env", stamp))
	if err := os.WriteFile(secrets, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(akv, append([]string{"emulator", "--secrets", secrets, "--write-env", envFile}, flags...)...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulator{cmd: cmd, vars: map[string]string{}}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
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
	pem, err := os.ReadFile(e.vars["AKV_CA_FILE"])
	if err != nil {
		e.stop()
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	e.hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	return e, nil
}

// base is vault demo's URL, one of the entries of AKV_VAULT_ENDPOINTS
// (the emulator serves demo and myvault).
func (e *emulator) base() string {
	for _, pair := range strings.Split(e.vars["AKV_VAULT_ENDPOINTS"], ",") {
		if u, ok := strings.CutPrefix(strings.TrimSpace(pair), "demo="); ok {
			return u
		}
	}
	return ""
}

// emuStats is the part of /_emulator/stats the tables use.
type emuStats struct {
	Requests        int64  `json:"requests"`
	Throttled       int64  `json:"throttled"`
	Retries         int64  `json:"retries"`
	EarliestRetryUs *int64 `json:"earliestRetryUs"`
}

func (e *emulator) stats() (emuStats, error) {
	var s emuStats
	resp, err := e.hc.Get(e.base() + "/_emulator/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (e *emulator) stop() {
	if e.cmd.Process.Signal(syscall.SIGTERM) != nil {
		e.cmd.Process.Kill() // Windows has no SIGTERM to send
	}
	e.cmd.Wait()
}

func runOnce(env []string, name string, args ...string) (run1, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return run1{}, fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	r := run1{wall: time.Since(start)}
	r.rss, r.faults = usage(cmd.ProcessState)
	return r, nil
}

// measure runs the command runs times.
func measure(runs int, env []string, name string, args ...string) (sample, error) {
	var s sample
	for range runs {
		r, err := runOnce(env, name, args...)
		if err != nil {
			return s, err
		}
		s.add(r)
	}
	s.finish(runs)
	return s, nil
}

// buildHello builds the smallest Go program, the start-up floor of any
// Go binary here.
func buildHello(work string) (string, error) {
	dir := filepath.Join(work, "hello")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files := map[string]string{"go.mod": "module hello\n\ngo 1.22\n", "main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return bin, nil
}

// runFleet starts n akv processes at once against one vault throttled at
// o.fleetLimit requests per second, each exporting every secret.
func runFleet(o options, work string, n int) (fleetResult, error) {
	f := fleetResult{procs: n, secrets: o.fleetSecrets, limit: o.fleetLimit}
	emu, err := startEmulator(o.akv, work, o.fleetSecrets, "--latency", o.fleetLatency.String(), "--throttle", fmt.Sprint(o.fleetLimit))
	if err != nil {
		return f, err
	}
	defer emu.stop()
	cmds := make([]*exec.Cmd, n)
	errs := make([]*bytes.Buffer, n)
	start := time.Now()
	for i := range cmds {
		cmds[i] = exec.Command(o.akv, "export", "--all", "--format", "json", "--timeout", o.fleetTimeout.String())
		cmds[i].Env = emu.env
		errs[i] = &bytes.Buffer{}
		cmds[i].Stderr = errs[i]
		if err := cmds[i].Start(); err != nil {
			return f, err
		}
	}
	for i, c := range cmds {
		if c.Wait() == nil {
			f.ok++
		} else if f.firstErr == "" {
			f.firstErr = strings.TrimSpace(errs[i].String())
		}
	}
	f.wall = time.Since(start)
	s, err := emu.stats()
	if err != nil {
		return f, err
	}
	f.requests, f.throttled, f.retries = s.Requests, s.Throttled, s.Retries
	if s.EarliestRetryUs != nil {
		d := time.Duration(*s.EarliestRetryUs) * time.Microsecond
		f.earliestRetry = &d
	}
	// Best achievable: every request that did work, at exactly the limit.
	f.best = time.Duration(float64(s.Requests-s.Throttled) / float64(o.fleetLimit) * float64(time.Second))
	return f, nil
}

// azRest fetches the 20 secrets one by one with `az rest`, the script a
// user would otherwise write; the token is passed in, so az's own login is
// not even counted. Zero when az is not installed.
func azRest(o options, e *emulator, names []string) time.Duration {
	az, err := exec.LookPath("az")
	if err != nil {
		return 0
	}
	progress("az rest, %d secrets", len(names))
	cmd := exec.Command(o.akv, "token")
	cmd.Env = e.env
	tok, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: akv token: %v\n", err)
		return 0
	}
	env := append(e.env, "REQUESTS_CA_BUNDLE="+e.vars["AKV_CA_FILE"], "AZURE_CORE_COLLECT_TELEMETRY=no")
	var total []time.Duration
	for range max(1, o.runs/2) {
		start := time.Now()
		for _, n := range names {
			c := exec.Command(az, "rest", "--method", "get", "--url", e.base()+"/secrets/"+n+"?api-version=7.4",
				"--skip-authorization-header", "--headers", "Authorization=Bearer "+strings.TrimSpace(string(tok)))
			c.Env = env
			if out, err := c.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: az rest failed: %v: %.200s\n", err, out)
				return 0
			}
		}
		total = append(total, time.Since(start))
	}
	slices.Sort(total)
	return total[len(total)/2]
}

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// latName prints a latency the way the tables' headers read: 5 ms, 80 ms.
func latName(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("%d ms", d/time.Millisecond)
	}
	return d.String()
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// floorTarget is issue 14's bound on akv / floor at a latency.
func floorTarget(lat time.Duration) float64 {
	switch {
	case lat <= 5*time.Millisecond:
		return 1.3
	case lat <= 20*time.Millisecond:
		return 1.15
	default:
		return 1.08
	}
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func (rep *report) render() string {
	o := rep.o
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# akv benchmark\n\n%s on %s (%s, %d cores, %s/%s), %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		host, cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "Emulator on loopback with a latency per Key Vault request, token endpoint local; median of %d runs; "+
		"`--concurrency %d`; akv and the peer alternate run by run.\n\n", o.runs, o.conc)

	b.WriteString("## Against the floor\n\nFloor without a challenge: named gets `RTT × ceil(N/C)`, listings `RTT × max(P + ceil(L/C), 1 + ceil(N/C))` " +
		"(P list calls including the service's empty page, L secrets on the last page). Targets: ")
	var targets []string
	for _, l := range o.latencies {
		targets = append(targets, fmt.Sprintf("≤ %.2f× at %s", floorTarget(l), latName(l)))
	}
	b.WriteString(strings.Join(targets, ", ") + ".\n\n| case | Key Vault requests (akv / peer) |")
	for _, l := range o.latencies {
		fmt.Fprintf(&b, " %s: akv | floor | × |", latName(l))
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|---|---|", len(o.latencies)) + "\n")
	floorMet, floorAll := 0, 0
	for _, r := range rep.results {
		lat0 := o.latencies[0]
		fmt.Fprintf(&b, "| %s | %s / %s |", r.name, num(r.akv[lat0].requests), num(r.peer[lat0].requests))
		for _, lat := range o.latencies {
			x := ratio(r.akv[lat].wall, r.floor[lat])
			ok := x <= floorTarget(lat)
			floorAll++
			if ok {
				floorMet++
			}
			fmt.Fprintf(&b, " %s | %s | %.2f× %s |", ms(r.akv[lat].wall), ms(r.floor[lat]), x, mark(ok))
		}
		b.WriteString("\n")
	}

	b.WriteString("\n## Against the peer and the Azure CLI\n\nThe peer is a plain `azsecrets` program (`bench -peer`): one client with default options, " +
		"a managed-identity token, the listing first, then 16 gets at a time.\n\n| case |")
	for _, l := range o.latencies {
		fmt.Fprintf(&b, " %s: azsecrets | akv faster by |", latName(l))
	}
	b.WriteString(" az rest | akv faster by |\n|---|" + strings.Repeat("---|---|", len(o.latencies)) + "---|---|\n")
	for _, r := range rep.results {
		fmt.Fprintf(&b, "| %s |", r.name)
		for _, lat := range o.latencies {
			fmt.Fprintf(&b, " %s | %.2f× |", ms(r.peer[lat].wall), ratio(r.peer[lat].wall, r.akv[lat].wall))
		}
		if r.az > 0 {
			fmt.Fprintf(&b, " %s (%s) | %.0f× |\n", ms(r.az), latName(rep.azLatency), ratio(r.az, r.akv[rep.azLatency].wall))
		} else {
			b.WriteString(" – | – |\n")
		}
	}

	fleetOK := true
	if len(rep.fleet) > 0 {
		fmt.Fprintf(&b, "\n## Fleet: processes sharing one throttled vault\n\nEach process runs `akv export --all --timeout %s` at once against "+
			"`akv emulator --throttle %d --latency %s`. Best achievable: every request that did work, at exactly the limit. "+
			"Earliest retry: the least time, on the emulator's clock, from a 429's Retry-After running out to that request's retry "+
			"(negative would be too early). Targets: all succeed, ≤ 1.25× the best, no retry early.\n\n"+
			"| processes × secrets | succeeded | wall | best achievable | × | requests | 429s | earliest retry after Retry-After | targets |\n|---|---|---|---|---|---|---|---|---|\n",
			o.fleetTimeout, o.fleetLimit, latName(o.fleetLatency))
		for _, f := range rep.fleet {
			early := "–"
			retryOK := true
			if f.earliestRetry != nil {
				early = fmt.Sprintf("%+.1f ms", float64(*f.earliestRetry)/float64(time.Millisecond))
				retryOK = *f.earliestRetry >= 0
			}
			x := ratio(f.wall, f.best)
			ok := f.ok == f.procs && x <= 1.25 && retryOK
			fleetOK = fleetOK && ok
			fmt.Fprintf(&b, "| %d × %d | %d of %d | %s | %s | %.2f× | %d | %d | %s | %s |\n", f.procs, f.secrets, f.ok, f.procs,
				ms(f.wall), ms(f.best), x, f.requests, f.throttled, early, mark(ok))
			if f.firstErr != "" {
				fmt.Fprintf(&b, "\nFirst failure of %d processes: `%s`\n\n", f.procs, strings.ReplaceAll(firstLine(f.firstErr), "`", "'"))
			}
		}
	}

	above := rep.get0.wall - rep.version.wall
	b.WriteString("\n## Fixed cost (0 ms per request)\n\nPage faults are minor faults per run (rusage): on a virtual machine each costs far more than on bare metal.\n\n" +
		"| what | median | page faults | target |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| `true` (any process on this machine) | %s | %.0f | |\n", ms(rep.trueCmd.wall), rep.trueCmd.faults)
	fmt.Fprintf(&b, "| a Go program printing one line | %s | %.0f | |\n", ms(rep.hello.wall), rep.hello.faults)
	fmt.Fprintf(&b, "| `akv version` (%d runs) | %s | %.0f | < 3 ms %s |\n", o.versions, ms(rep.version.wall), rep.version.faults, mark(rep.version.wall < 3*time.Millisecond))
	fmt.Fprintf(&b, "| `akv get`, 1 secret (%s Key Vault request per run) | %s: %s above `version` | %.0f | ≤ 3 ms above %s |\n",
		num(rep.get0.requests), ms(rep.get0.wall), ms(above), rep.get0.faults, mark(above <= 3*time.Millisecond))
	fmt.Fprintf(&b, "| azsecrets peer, 1 secret | %s | %.0f | |\n", ms(rep.peerGet0.wall), rep.peerGet0.faults)
	if o.big > 0 {
		fmt.Fprintf(&b, "| peak RSS, `export --all` of %d secrets at %s (%s, floor %s) | %.1f MB | %.0f | < 40 MB %s |\n", o.big, latName(o.latencies[0]),
			ms(rep.big.wall), ms(rep.bigFloor), float64(rep.big.rss)/1e6, rep.big.faults, mark(rep.big.rss < 40e6))
	}
	var one *result
	for _, r := range rep.results {
		if r.name == "get, 1 secret" {
			one = r
		}
	}
	if one != nil {
		req := one.akv[o.latencies[0]].requests
		fmt.Fprintf(&b, "\n`get` of one secret: %s Key Vault request(s) per run %s (target: one).\n", num(req), mark(req == 1))
	}
	fleetWord := "met"
	switch {
	case len(rep.fleet) == 0:
		fleetWord = "not run (-fleet \"\")"
	case !fleetOK:
		fleetWord = "not met"
	}
	fmt.Fprintf(&b, "\nSingle-process cases within their floor target: %d of %d. Fleet targets: %s.\n", floorMet, floorAll, fleetWord)
	return b.String()
}

func num(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
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
