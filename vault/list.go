package vault

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// Item is one entry of a vault listing: never a value.
type Item struct {
	Name        string
	ID          string
	Enabled     bool
	Created     time.Time
	Updated     time.Time
	ContentType string
	Tags        map[string]string
}

// Filter selects listed secrets: name prefix and tags (all must match).
type Filter struct {
	Prefix string
	Tags   map[string]string
}

func (f Filter) match(it Item) bool {
	if !strings.HasPrefix(it.Name, f.Prefix) {
		return false
	}
	for k, v := range f.Tags {
		if got, ok := it.Tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// itemOf reads one list item, refusing what a listing must not hold: an
// item without a secret's id, or a name Key Vault would not accept.
func (v *vaultClient) itemOf(p *azsecrets.SecretProperties) (Item, error) {
	malformed := func(why string) (Item, error) {
		return Item{}, &Error{Kind: KindNetwork, Op: "list vault " + v.label,
			Msg:  fmt.Sprintf("vault %s sent a malformed listing: %s", v.label, why),
			Hint: "the endpoint does not answer like Key Vault: check AKV_VAULT_ENDPOINTS"}
	}
	if p == nil {
		return malformed("a null item")
	}
	if p.ID == nil {
		return malformed("an item without an id")
	}
	name, _, ok := parseSecretID(string(*p.ID))
	if !ok {
		return malformed(fmt.Sprintf("item id %s is not a secret's id", quoteServer(string(*p.ID))))
	}
	if !validSecretName(name) {
		return Item{}, &Error{Kind: KindNetwork, Op: "list vault " + v.label,
			Msg: fmt.Sprintf("vault %s listed a name that is not a valid Key Vault secret name: %s", v.label, quoteServer(name))}
	}
	it := Item{Enabled: true, ID: string(*p.ID), Name: name}
	if a := p.Attributes; a != nil {
		if a.Enabled != nil {
			it.Enabled = *a.Enabled
		}
		if a.Created != nil {
			it.Created = a.Created.UTC()
		}
		if a.Updated != nil {
			it.Updated = a.Updated.UTC()
		}
	}
	if p.ContentType != nil {
		it.ContentType = *p.ContentType
	}
	it.Tags = derefTags(p.Tags)
	return it, nil
}

// pages walks every page of the vault's listing (empty pages included),
// calling page for each one as it arrives. A name is passed on once,
// however often the vault lists it; a nextLink must stay on the vault's
// origin and never repeat.
func (c *Client) pages(ctx context.Context, vault Ref, page func([]Item) error) error {
	v, err := c.vault(ctx, vault)
	if err != nil {
		return err
	}
	op := "list vault " + v.label
	first, err := v.enter(ctx)
	if err != nil {
		return v.classify(op, err)
	}
	pager := v.sc.NewListSecretPropertiesPager(nil)
	seen := map[string]bool{}             // names, lower case: Key Vault names ignore case
	links := map[[sha256.Size]byte]bool{} // nextLinks followed, by hash: a server's links may be long
	for n := 0; pager.More(); {
		// Pages take no concurrency slot: they are one at a time per
		// vault, and waiting behind the gets they feed would stall them.
		var resp azsecrets.ListSecretPropertiesResponse
		err := v.call(v.firstRequest(withoutSlot(ctx), first && n == 0), op, func(ctx context.Context) error {
			var err error
			resp, err = pager.NextPage(ctx)
			return err
		})
		var items []Item
		if err == nil {
			items, err = v.pageItems(op, resp, seen, links)
		}
		if n == 0 {
			v.leave(first, err)
		}
		if err != nil {
			return err
		}
		n++
		c.opts.Log("%s: page %d with %d secrets", op, n, len(items))
		if err := page(items); err != nil {
			return err
		}
	}
	return nil
}

// pageItems checks one list page and returns its items not seen before.
func (v *vaultClient) pageItems(op string, resp azsecrets.ListSecretPropertiesResponse, seen map[string]bool, links map[[sha256.Size]byte]bool) ([]Item, error) {
	malformed := func(why string) error {
		return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("vault %s sent a malformed listing: %s", v.label, why),
			Hint: "the endpoint does not answer like Key Vault: check AKV_VAULT_ENDPOINTS"}
	}
	if resp.Value == nil {
		return nil, malformed("no value array")
	}
	if next := resp.NextLink; next != nil && *next != "" {
		u, err := url.Parse(*next)
		if err != nil || origin(u) != v.origin {
			return nil, &Error{Kind: KindNetwork, Op: op,
				Msg:  fmt.Sprintf("vault %s sent a nextLink to another origin, %s: nothing was sent there", v.label, quoteServer(*next)),
				Hint: "a Key Vault's pages stay on its own address: check AKV_VAULT_ENDPOINTS"}
		}
		sum := sha256.Sum256([]byte(*next))
		if links[sum] {
			return nil, malformed("a nextLink it sent before, " + quoteServer(*next))
		}
		links[sum] = true
	}
	items := make([]Item, 0, len(resp.Value))
	for _, p := range resp.Value {
		it, err := v.itemOf(p)
		if err != nil {
			return nil, err
		}
		if key := strings.ToLower(it.Name); !seen[key] {
			seen[key] = true
			items = append(items, it)
		}
	}
	return items, nil
}

// List returns the vault's secrets that match f, in listing order.
func (c *Client) List(ctx context.Context, vault Ref, f Filter) ([]Item, error) {
	var out []Item
	err := c.pages(ctx, vault, func(items []Item) error {
		for _, it := range items {
			if f.match(it) {
				out = append(out, it)
			}
		}
		return nil
	})
	return out, err
}

// Matched is the outcome of GetMatching: the secrets fetched in listing
// order, and the enabled=false ones that were skipped.
type Matched struct {
	Secrets  []Secret
	Disabled []Item
}

// GetMatching lists the vault and fetches every enabled secret matching f,
// starting each page's gets as soon as that page arrives.
func (c *Client) GetMatching(ctx context.Context, vault Ref, f Filter) (Matched, error) {
	var (
		mu    sync.Mutex
		sel   Matched
		index = map[Ref]int{}
	)
	fe := c.newFetcher(ctx, -1, func(r Ref, s Secret) {
		mu.Lock()
		sel.Secrets[index[r]] = s
		mu.Unlock()
	})
	listErr := c.pages(ctx, vault, func(items []Item) error {
		for _, it := range items {
			if !f.match(it) {
				continue
			}
			if !it.Enabled {
				sel.Disabled = append(sel.Disabled, it)
				continue
			}
			r := vault
			r.Name = it.Name
			mu.Lock()
			index[r] = len(sel.Secrets)
			sel.Secrets = append(sel.Secrets, Secret{Ref: r})
			mu.Unlock()
			fe.add(r)
		}
		return nil
	})
	fe.wait()
	c.batchOver()
	if listErr != nil {
		return Matched{}, listErr
	}
	return sel, collect(sel.Secrets)
}
