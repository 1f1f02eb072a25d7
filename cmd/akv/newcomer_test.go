package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// useTestResolver points the akv under test at the fake DNS server of
// cmdFakeDNS. It lives in the test binary only: the real akv always uses
// the system's resolver.
func useTestResolver() {
	addr := os.Getenv("AKV_TEST_DNS")
	if addr == "" {
		return
	}
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
}

// cmdFakeDNS serves DNS on loopback, answering NXDOMAIN to every query
// (SERVFAIL with `fakedns servfail`), and sets AKV_TEST_DNS so the akv
// under test asks it: "no such host" without a packet leaving the
// machine. fakedns [servfail].
func cmdFakeDNS(ts *testscript.TestScript, neg bool, args []string) {
	rcode := byte(3)
	if len(args) == 1 && args[0] == "servfail" {
		rcode = 2
	} else if len(args) != 0 {
		ts.Fatalf("usage: fakedns [servfail]")
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { pc.Close() })
	log := ts.Value("dns").(*dnsLog)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if name, resp := nxdomain(buf[:n]); resp != nil {
				resp[3] = 0x80 | rcode
				log.add(name)
				pc.WriteTo(resp, addr)
			}
		}
	}()
	ts.Setenv("AKV_TEST_DNS", pc.LocalAddr().String())
}

// dnsLog counts the queries the fake DNS server answered, by name.
type dnsLog struct {
	mu    sync.Mutex
	names map[string]int
}

func (l *dnsLog) add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.names == nil {
		l.names = map[string]int{}
	}
	l.names[name]++
}

// cmdDNSQueries checks how many queries for NAME the fake DNS server got
// (A and AAAA count apart), and resets the count: dnsqueries NAME N.
func cmdDNSQueries(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: dnsqueries NAME N")
	}
	log := ts.Value("dns").(*dnsLog)
	log.mu.Lock()
	got := log.names[args[0]]
	delete(log.names, args[0])
	log.mu.Unlock()
	if want, _ := strconv.Atoi(args[1]); got != want {
		ts.Fatalf("%d DNS queries for %s, want %s", got, args[0], args[1])
	}
}

// nxdomain answers a DNS query with "no such name": its header (QR, RA,
// RCODE 3) and question, nothing else. It returns the name asked for.
func nxdomain(q []byte) (string, []byte) {
	if len(q) < 12 {
		return "", nil
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		end := i + 1 + int(q[i])
		if end > len(q) {
			return "", nil
		}
		labels = append(labels, string(q[i+1:end]))
		i = end
	}
	i += 5 // the root label, QTYPE, QCLASS
	if i > len(q) {
		return "", nil
	}
	resp := append([]byte(nil), q[:i]...)
	resp[2] = 0x80 | q[2]&0x79 // QR; opcode and RD as asked
	resp[3] = 0x80 | 3         // RA; NXDOMAIN
	resp[4], resp[5] = 0, 1    // one question
	for j := 6; j < 12; j++ {  // no answer, authority or additional records
		resp[j] = 0
	}
	return strings.Join(labels, "."), resp
}

// cmdRefused checks that nothing listens any more at the endpoints in
// FILE (lines of name=https://host:port,… or a URL): refused FILE.
func cmdRefused(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: refused FILE")
	}
	text := strings.TrimSpace(ts.ReadFile(args[0]))
	for _, field := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' }) {
		_, u, ok := strings.Cut(field, "=")
		if !ok {
			u = field
		}
		host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
		host, _, _ = strings.Cut(host, "/")
		conn, err := net.DialTimeout("tcp", host, 2*time.Second)
		if err == nil {
			conn.Close()
			ts.Fatalf("%s still accepts connections", host)
		}
	}
}
