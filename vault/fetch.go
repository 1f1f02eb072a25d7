package vault

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// Secret is one fetched secret. Err is set instead of the value fields
// when fetching it failed.
type Secret struct {
	Ref         Ref
	Value       string
	Version     string
	Updated     time.Time
	ContentType string
	Tags        map[string]string
	Err         error
}

// FetchError reports every failed secret of a batch at once.
type FetchError struct {
	Failed []Secret // each with Err set
}

func (e *FetchError) Error() string {
	var lines []string
	seen := map[string]bool{}
	for _, s := range e.Failed {
		// One dead identity fails every secret the same way: say it once.
		if msg := s.Err.Error(); !seen[msg] {
			seen[msg] = true
			lines = append(lines, msg)
		}
	}
	return strings.Join(lines, "\n")
}

// ErrorKind is the kind that explains the most: the first in Kinds
// among the failures' kinds.
func (e *FetchError) ErrorKind() Kind {
	for _, k := range Kinds() {
		for _, s := range e.Failed {
			if KindOf(s.Err) == k {
				return k
			}
		}
	}
	return KindInternal
}

// ErrorHint is the hint of the first failure of the kind that explains
// the most.
func (e *FetchError) ErrorHint() string {
	kind := e.ErrorKind()
	for _, s := range e.Failed {
		if h := hintOf(s.Err); h != "" && KindOf(s.Err) == kind {
			return h
		}
	}
	return ""
}

func collect(secrets []Secret) error {
	var failed []Secret
	for _, s := range secrets {
		if s.Err != nil {
			failed = append(failed, s)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &FetchError{Failed: failed}
}

// Get fetches refs in parallel and returns them in input order, duplicates
// fetched once. When any fails, the error is a *FetchError naming every
// failure; the slice still holds each secret's outcome (for check).
func (c *Client) Get(ctx context.Context, refs []Ref) ([]Secret, error) {
	out := make([]Secret, len(refs))
	index := map[Ref][]int{}
	var order []Ref
	for i, r := range refs {
		if _, seen := index[r]; !seen {
			order = append(order, r)
		}
		index[r] = append(index[r], i)
	}
	f := c.newFetcher(ctx, len(order), func(r Ref, s Secret) {
		for _, i := range index[r] {
			out[i] = s // each worker writes its own indexes
		}
	})
	for _, r := range order {
		f.add(r)
	}
	f.wait()
	c.batchOver()
	return out, collect(out)
}

// fetcher runs gets on at most Concurrency worker goroutines, so a
// worker's stack grows once through azcore's deep pipeline rather than
// once per secret. done is called from the workers.
type fetcher struct {
	c    *Client
	refs chan Ref
	wg   sync.WaitGroup
}

// n is how many secrets there are, or -1 when a listing is still finding
// them. The queue holds them all when n is known; a listing's page loop
// may wait for the workers once 256 are queued, when they are busy anyway.
// (A 4096-deep queue cost a 256 KB allocation per batch, a tenth of the
// CPU of a one-secret get.)
func (c *Client) newFetcher(ctx context.Context, n int, done func(Ref, Secret)) *fetcher {
	queue, workers := n, min(n, c.opts.Concurrency)
	if n < 0 {
		queue, workers = 256, c.opts.Concurrency
	}
	f := &fetcher{c: c, refs: make(chan Ref, queue)}
	for range max(1, workers) {
		f.wg.Go(func() {
			for r := range f.refs {
				s := c.getOne(ctx, r)
				c.finished()
				done(r, s)
			}
		})
	}
	return f
}

func (f *fetcher) add(r Ref) {
	f.c.track(1)
	f.refs <- r
}

func (f *fetcher) wait() {
	close(f.refs)
	f.wg.Wait()
}

func (c *Client) getOne(ctx context.Context, r Ref) (s Secret) {
	s = Secret{Ref: r}
	op := "get " + r.Name
	defer func() {
		// Last resort on a worker goroutine, where nothing above could
		// recover: a bug fails this secret, not the process, and leaves
		// no stack dump or value behind.
		if p := recover(); p != nil {
			s = Secret{Ref: r, Err: &Error{Kind: KindInternal, Op: op, Msg: "internal error (a bug in akv; please report it)"}}
		}
	}()
	v, err := c.vault(ctx, r)
	if err != nil {
		s.Err = err
		return s
	}
	first, err := v.enter(ctx)
	if err != nil {
		s.Err = v.classify(op, err)
		return s
	}
	defer func() { v.leave(first, s.Err) }() // also when a bug panics: the others may go
	if err := c.acquire(ctx); err != nil {
		s.Err = v.classify(op, err)
		return s
	}
	start := time.Now()
	var resp azsecrets.GetSecretResponse
	err = v.call(v.firstRequest(ctx, first), op, func(ctx context.Context) error {
		defer c.release()
		var err error
		resp, err = v.sc.GetSecret(ctx, r.Name, r.Version, nil)
		return err
	})
	if err == nil {
		err = v.checkSecret(op, r, resp.Secret)
	}
	if err != nil {
		s.Err = err
		c.opts.Log("%s: %v", op, KindOf(err))
		return s
	}
	c.opts.Log("%s from vault %s: ok in %s", op, v.label, time.Since(start).Round(time.Millisecond))
	s.Value = *resp.Value
	_, s.Version, _ = parseSecretID(string(*resp.ID))
	if resp.Attributes != nil && resp.Attributes.Updated != nil {
		s.Updated = resp.Attributes.Updated.UTC()
	}
	if resp.ContentType != nil {
		s.ContentType = *resp.ContentType
	}
	s.Tags = derefTags(resp.Tags)
	return s
}

// checkSecret refuses a secret answer that lacks its value or is not the
// secret (or version) asked for: a 200 with an empty or wrong body is not
// an empty secret.
func (v *vaultClient) checkSecret(op string, r Ref, sec azsecrets.Secret) error {
	why := ""
	switch {
	case sec.Value == nil:
		why = "no value"
	case sec.ID == nil:
		why = "no id"
	}
	if why == "" {
		name, version, ok := parseSecretID(string(*sec.ID))
		switch {
		case !ok:
			why = fmt.Sprintf("id %s is not a secret's id", quoteServer(string(*sec.ID)))
		case !strings.EqualFold(name, r.Name):
			why = fmt.Sprintf("its id names %s, not %q", quoteServer(name), r.Name)
		case r.Version != "" && !strings.EqualFold(version, r.Version):
			why = fmt.Sprintf("its id names version %s, not %s", quoteServer(version), r.Version)
		}
	}
	if why == "" {
		return nil
	}
	return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("vault %s sent a malformed secret: %s", v.label, why),
		Hint: "the endpoint does not answer like Key Vault: check AKV_VAULT_ENDPOINTS"}
}

// parseSecretID reads https://HOST/secrets/NAME[/VERSION]. It checks the
// shape only; the caller decides whether NAME is a valid name.
func parseSecretID(id string) (name, version string, ok bool) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", "", false
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) == 3 && parts[2] == "" {
		parts = parts[:2]
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "secrets" || parts[1] == "" {
		return "", "", false
	}
	if len(parts) == 3 {
		if !validVersion(parts[2]) {
			return "", "", false
		}
		version = parts[2]
	}
	return parts[1], version, true
}

func derefTags(in map[string]*string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}
