package credential

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// federated is what workload identity, GitHub Actions and Azure Pipelines
// share: the client proves itself with a platform's token, fetched afresh
// for every exchange (the platform rotates it), then the cache.
type federated struct {
	ent       *entraClient
	source    string // where the assertion comes from, for --verbose
	assertion func(ctx context.Context) (string, error)
	cached
}

func newFederated(ent *entraClient, source string, assertion func(context.Context) (string, error)) *federated {
	f := &federated{ent: ent, source: source, assertion: assertion}
	f.cached = newCached(ent.name, ent.now, f.fetch)
	return f
}

func (f *federated) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	assertion, err := f.assertion(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return f.ent.exchange(ctx, resource, clientAuth{assertion: assertion, source: f.source})
}
