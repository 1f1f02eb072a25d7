package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/akv-cli/akv/vault/emulator"
)

// scriptCondition adds [have:PROG] to the scripts: true when PROG is on
// PATH; when it is missing, false on a developer's machine (the script
// skips with a message) and an error in CI, which installs every real
// reader (.ci/run) and must not pass without one.
func scriptCondition(cond string) (bool, error) {
	prog, ok := strings.CutPrefix(cond, "have:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(prog); err == nil {
		return true, nil
	}
	if os.Getenv("CI") != "" {
		return false, fmt.Errorf("%s is not installed; .ci/run must install it", prog)
	}
	return false, nil
}

// cmdTLSPair is Go's crypto/tls as the reader of akv cert's files: it
// loads CHAIN and KEY with tls.LoadX509KeyPair, serves them on loopback,
// and completes a handshake whose client trusts only the roots in CAFILE
// (so the chain must carry the intermediate): tlspair CHAIN KEY CAFILE NAME.
func cmdTLSPair(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: tlspair CHAIN KEY CAFILE SERVERNAME")
	}
	err := tlsHandshake(ts.MkAbs(args[0]), ts.MkAbs(args[1]), ts.MkAbs(args[2]), args[3])
	switch {
	case err != nil && !neg:
		ts.Fatalf("crypto/tls: %v", err)
	case err == nil && neg:
		ts.Fatalf("crypto/tls accepted %s and %s", args[0], args[1])
	}
}

func tlsHandshake(chainFile, keyFile, caFile, name string) error {
	pair, err := tls.LoadX509KeyPair(chainFile, keyFile)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return errors.New("no CA certificate in " + caFile)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, c) // the handshake happens on the first read
	}()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(),
		&tls.Config{RootCAs: roots, ServerName: name})
	if err != nil {
		return err
	}
	return c.Close()
}

// cmdCertSeeds writes an emulator secrets file from files: a .p12 goes in
// base64 as Key Vault keeps a PFX, anything else as text; content type -
// means none: certseeds OUT NAME=CONTENT-TYPE:FILE....
func cmdCertSeeds(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: certseeds OUT NAME=CONTENT-TYPE:FILE...")
	}
	seeds := map[string]map[string]string{}
	for _, a := range args[1:] {
		name, rest, ok1 := strings.Cut(a, "=")
		ct, file, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			ts.Fatalf("bad seed %q: want NAME=CONTENT-TYPE:FILE", a)
		}
		data, err := os.ReadFile(ts.MkAbs(file))
		ts.Check(err)
		value := string(data)
		if strings.HasSuffix(file, ".p12") {
			value = base64.StdEncoding.EncodeToString(data)
		}
		seeds[name] = map[string]string{"value": value}
		if ct != "-" {
			seeds[name]["contentType"] = ct
		}
	}
	out, err := json.Marshal(seeds)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o600))
}

func TestTLSHandshakeNeedsTheIntermediate(t *testing.T) {
	// The reader the scripts use must be able to fail: a chain without its
	// intermediate does not verify against the root alone.
	vars := emulatorVars(t, emulator.Options{})
	dir := t.TempDir()
	code, _, stderr := runIn(t, vars, false, "cert", "--cert", dir+"/leaf.pem", "--chain", dir+"/chain.pem", "--key", dir+"/key.pem", "tls-cert-ec")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if err := tlsHandshake(dir+"/chain.pem", dir+"/key.pem", vars["AKV_CA_FILE"], "app.demo.example"); err != nil {
		t.Fatalf("chain: %v", err)
	}
	if err := tlsHandshake(dir+"/leaf.pem", dir+"/key.pem", vars["AKV_CA_FILE"], "app.demo.example"); err == nil {
		t.Fatal("a leaf without its intermediate verified")
	}
}
