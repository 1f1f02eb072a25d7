package emulator

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/akv-cli/akv/vault/names"
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
		if !names.Secret(name) {
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
	maps.Copy(seeds, readmeSeeds())
	return seeds
}

// version is one version of a secret. It is never changed once stored:
// an update stores a changed copy, so a handler can read a version it got
// from the store without holding the store's lock.
type version struct {
	id          string
	value       string
	contentType string
	tags        map[string]string
	enabled     bool
	nbf, exp    *int64 // unix seconds; informational for secrets, never enforced
	created     time.Time
	updated     time.Time
}

// secret is a name and its versions, oldest first.
type secret struct {
	name     string // as first set; lookups ignore case, as Key Vault's do
	versions []*version
}

func (s *secret) latest() *version { return s.versions[len(s.versions)-1] }

// deletedSecret is a soft-deleted secret: all its versions, kept until
// purged or recovered.
type deletedSecret struct {
	secret
	deleted time.Time
}

// Retention is what every emulator vault reports: soft delete on, purge
// allowed, 90 days (Key Vault's default and maximum).
const (
	recoveryLevel   = "Recoverable+Purgeable"
	recoverableDays = 90
)

func (d *deletedSecret) purgeDate() time.Time { return d.deleted.AddDate(0, 0, recoverableDays) }

// The store's refusals; the handlers turn them into Key Vault's errors.
var (
	errNotFound       = errors.New("not found")
	errDeletedExists  = errors.New("deleted but recoverable")
	errAlreadyExists  = errors.New("already exists")
	errVersionMissing = errors.New("version not found")
)

// store is one vault's secrets, live and soft-deleted. Both sets keep a
// sorted index of their keys (lower-case names) so that a page of a
// listing costs a binary search and the page, whatever the vault's size.
type store struct {
	mu       sync.RWMutex
	live     map[string]*secret
	gone     map[string]*deletedSecret
	liveKeys []string // sorted keys of live
	goneKeys []string // sorted keys of gone
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func key(name string) string { return strings.ToLower(name) }

func newStore(seeds map[string]Seed, now time.Time) *store {
	s := &store{live: make(map[string]*secret, len(seeds)), gone: map[string]*deletedSecret{}}
	for name, seed := range seeds {
		enabled := seed.Enabled == nil || *seed.Enabled
		t := now.Add(-time.Duration(len(seed.Versions)+1) * time.Hour).Truncate(time.Second)
		sec := &secret{name: name}
		for _, old := range seed.Versions {
			sec.versions = append(sec.versions, &version{id: newID(), value: old, enabled: true, created: t, updated: t})
			t = t.Add(time.Hour)
		}
		sec.versions = append(sec.versions, &version{id: newID(), value: seed.Value, contentType: seed.ContentType,
			tags: seed.Tags, enabled: enabled, created: t, updated: t})
		s.live[key(name)] = sec
		s.liveKeys = append(s.liveKeys, key(name))
	}
	slices.Sort(s.liveKeys)
	return s
}

// insertKey and removeKey keep a sorted index in step with its map.
func insertKey(keys []string, k string) []string {
	i, found := slices.BinarySearch(keys, k)
	if found {
		return keys
	}
	return slices.Insert(keys, i, k)
}

func removeKey(keys []string, k string) []string {
	i, found := slices.BinarySearch(keys, k)
	if !found {
		return keys
	}
	return slices.Delete(keys, i, i+1)
}

// after returns up to n keys that sort after marker ("" is the start),
// and whether more follow.
func after(keys []string, marker string, n int) ([]string, bool) {
	i := 0
	if marker != "" {
		var found bool
		if i, found = slices.BinarySearch(keys, marker); found {
			i++
		}
	}
	end := min(i+n, len(keys))
	return slices.Clone(keys[i:end]), end < len(keys)
}

// get returns the secret's name as stored and the version asked for (""
// means the latest).
func (s *store) get(name, id string) (string, *version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, ok := s.live[key(name)]
	if !ok {
		return "", nil, errNotFound
	}
	if id == "" {
		return sec.name, sec.latest(), nil
	}
	for _, v := range sec.versions {
		if strings.EqualFold(v.id, id) {
			return sec.name, v, nil
		}
	}
	return "", nil, errVersionMissing
}

// set adds a version, creating the secret if needed. A soft-deleted
// secret blocks its name until it is recovered or purged.
func (s *store) set(name string, v *version) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(name)
	if _, ok := s.gone[k]; ok {
		return "", errDeletedExists
	}
	sec, ok := s.live[k]
	if !ok {
		sec = &secret{name: name}
		s.live[k] = sec
		s.liveKeys = insertKey(s.liveKeys, k)
	}
	sec.versions = append(sec.versions, v)
	return sec.name, nil
}

// update replaces one version ("" means the latest) with change's copy of
// it.
func (s *store) update(name, id string, change func(version) version) (string, *version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.live[key(name)]
	if !ok {
		return "", nil, errNotFound
	}
	i := len(sec.versions) - 1
	if id != "" {
		i = slices.IndexFunc(sec.versions, func(v *version) bool { return strings.EqualFold(v.id, id) })
		if i < 0 {
			return "", nil, errVersionMissing
		}
	}
	changed := change(*sec.versions[i])
	sec.versions[i] = &changed
	return sec.name, &changed, nil
}

// remove soft-deletes a secret with all its versions.
func (s *store) remove(name string, now time.Time) (*deletedSecret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(name)
	sec, ok := s.live[k]
	if !ok {
		return nil, errNotFound
	}
	// A copy of the versions: the handler reads d after the lock is
	// released, and a recovered secret's update must not reach it.
	d := &deletedSecret{secret: secret{name: sec.name, versions: slices.Clone(sec.versions)}, deleted: now}
	delete(s.live, k)
	s.liveKeys = removeKey(s.liveKeys, k)
	s.gone[k] = d
	s.goneKeys = insertKey(s.goneKeys, k)
	return d, nil
}

func (s *store) deleted(name string) (*deletedSecret, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.gone[key(name)]
	if !ok {
		return nil, errNotFound
	}
	return d, nil
}

// purge forgets a soft-deleted secret for good.
func (s *store) purge(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(name)
	if _, ok := s.gone[k]; !ok {
		return errNotFound
	}
	delete(s.gone, k)
	s.goneKeys = removeKey(s.goneKeys, k)
	return nil
}

// recover brings a soft-deleted secret back with every version.
func (s *store) recover(name string) (string, *version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(name)
	d, ok := s.gone[k]
	if !ok {
		return "", nil, errNotFound
	}
	delete(s.gone, k)
	s.goneKeys = removeKey(s.goneKeys, k)
	sec := &secret{name: d.name, versions: slices.Clone(d.versions)} // d may still be read by a handler
	s.live[k] = sec
	s.liveKeys = insertKey(s.liveKeys, k)
	return sec.name, sec.latest(), nil
}

// snapshot copies a live secret for a backup.
func (s *store) snapshot(name string) (secret, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, ok := s.live[key(name)]
	if !ok {
		return secret{}, errNotFound
	}
	return secret{name: sec.name, versions: slices.Clone(sec.versions)}, nil
}

// restore puts back a backed-up secret; its name must be free, neither
// live nor soft-deleted.
func (s *store) restore(sec secret) (*version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(sec.name)
	if _, ok := s.gone[k]; ok {
		return nil, errDeletedExists
	}
	if _, ok := s.live[k]; ok {
		return nil, errAlreadyExists
	}
	s.live[k] = &sec
	s.liveKeys = insertKey(s.liveKeys, k)
	return sec.latest(), nil
}

// listed is one item of a listing: the secret's name and the version
// that stands for it.
type listed struct {
	name string
	ver  *version
	gone *deletedSecret // set in listings of deleted secrets
}

// page returns up to n live secrets after marker (a key), latest version
// each, and whether more follow.
func (s *store) page(marker string, n int) ([]listed, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys, more := after(s.liveKeys, marker, n)
	out := make([]listed, len(keys))
	for i, k := range keys {
		sec := s.live[k]
		out[i] = listed{name: sec.name, ver: sec.latest()}
	}
	return out, more
}

// deletedPage is page for soft-deleted secrets.
func (s *store) deletedPage(marker string, n int) ([]listed, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys, more := after(s.goneKeys, marker, n)
	out := make([]listed, len(keys))
	for i, k := range keys {
		d := s.gone[k]
		out[i] = listed{name: d.name, ver: d.latest(), gone: d}
	}
	return out, more
}

// versionsPage returns up to n versions of a live secret from offset on.
func (s *store) versionsPage(name string, offset, n int) ([]listed, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, ok := s.live[key(name)]
	if !ok {
		return nil, false, errNotFound
	}
	offset = min(max(offset, 0), len(sec.versions))
	end := min(offset+n, len(sec.versions))
	out := make([]listed, 0, end-offset)
	for _, v := range sec.versions[offset:end] {
		out = append(out, listed{name: sec.name, ver: v})
	}
	return out, end < len(sec.versions), nil
}
