package emulator

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"
)

// Seed describes one secret: its current value plus optional metadata and
// older versions (oldest first).
type Seed struct {
	Value       string            `json:"value"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Enabled     *bool             `json:"enabled,omitempty"`
	Versions    []string          `json:"versions,omitempty"`
	Certificate *CertificateSeed  `json:"certificate,omitempty"` // issued at start into Value (certs.go)
}

// ParseSeeds reads a --secrets file: name → value, or name → Seed.
func ParseSeeds(data []byte) (map[string]Seed, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("secrets file: want a JSON object of name → value or name → {\"value\": …}: %w", err)
	}
	out := make(map[string]Seed, len(raw))
	for name, r := range raw {
		if !validName(name) {
			return nil, fmt.Errorf("secrets file: %q is not a valid secret name (1-127 of a-z, A-Z, 0-9, -)", name)
		}
		var s string
		if json.Unmarshal(r, &s) == nil {
			out[name] = Seed{Value: s}
			continue
		}
		var seed Seed
		if err := json.Unmarshal(r, &seed); err != nil {
			return nil, fmt.Errorf("secrets file: secret %q: want a string or {\"value\": …}: %w", name, err)
		}
		out[name] = seed
	}
	return out, nil
}

//go:embed vectors.json
var vectorsJSON []byte

// DemoSeeds is the built-in set: a few everyday secrets, a disabled one,
// one with history, and every hard value of the test vectors under its
// own name.
func DemoSeeds() map[string]Seed {
	var vectors map[string]string
	if err := json.Unmarshal(vectorsJSON, &vectors); err != nil {
		panic("emulator: embedded vectors.json is invalid: " + err.Error()) // a build defect, caught by tests
	}
	no := false
	seeds := map[string]Seed{
		"db-password": {Value: "s3cr3t-Pa55w0rd!", ContentType: "text/plain", Tags: map[string]string{"app": "demo", "env": "dev"},
			Versions: []string{"old-Pa55w0rd"}},
		"api-key":    {Value: "ak_live_51H8demo0000000000000000", Tags: map[string]string{"app": "demo"}},
		"multi-line": {Value: "first line\nsecond line\nthird line"},
		"app-db-url": {Value: "postgres://app:s3cr3t@db.internal:5432/app?sslmode=require", Tags: map[string]string{"app": "demo"}},
		"app-token":  {Value: "tok-0123456789abcdef", Tags: map[string]string{"app": "demo"}},
		"old-key":    {Value: "retired", Enabled: &no},
		"tls-cert-b64": {Value: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmRlbW8KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
			ContentType: "application/x-pem-file;base64"},
	}
	maps.Copy(seeds, demoCertificates())
	for name, v := range vectors {
		seeds["vec-"+name] = Seed{Value: v, Tags: map[string]string{"set": "vectors"}}
	}
	return seeds
}

// validName is Key Vault's rule for secret names: 1-127 of a-z, A-Z, 0-9, -.
func validName(s string) bool {
	if len(s) < 1 || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

type version struct {
	id          string
	value       string
	contentType string
	tags        map[string]string
	enabled     bool
	created     time.Time
	updated     time.Time
}

// store is one vault's secrets; the latest version is last.
type store struct {
	mu      sync.RWMutex
	secrets map[string][]*version
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func newStore(seeds map[string]Seed, now time.Time) *store {
	s := &store{secrets: map[string][]*version{}}
	for name, seed := range seeds {
		enabled := seed.Enabled == nil || *seed.Enabled
		t := now.Add(-time.Duration(len(seed.Versions)+1) * time.Hour).Truncate(time.Second)
		for _, old := range seed.Versions {
			s.secrets[name] = append(s.secrets[name], &version{id: newID(), value: old, enabled: true, created: t, updated: t})
			t = t.Add(time.Hour)
		}
		s.secrets[name] = append(s.secrets[name], &version{id: newID(), value: seed.Value, contentType: seed.ContentType,
			tags: seed.Tags, enabled: enabled, created: t, updated: t})
	}
	return s
}

func (s *store) latest(name string) *version {
	s.mu.RLock()
	defer s.mu.RUnlock()
	vs := s.secrets[name]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

func (s *store) version(name, id string) *version {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.secrets[name] {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (s *store) put(name string, v *version) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[name] = append(s.secrets[name], v)
}

// names returns the secret names in order, with their latest version.
func (s *store) names() ([]string, map[string]*version) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.secrets))
	latest := make(map[string]*version, len(s.secrets))
	for n, vs := range s.secrets {
		names = append(names, n)
		latest[n] = vs[len(vs)-1]
	}
	sort.Strings(names)
	return names, latest
}

func (s *store) versions(name string) []*version {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*version(nil), s.secrets[name]...)
}
