package credential

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// WorkloadIdentity is Kubernetes workload identity as the AKS webhook
// sets it up: AZURE_FEDERATED_TOKEN_FILE holds a service-account token
// for api://AzureADTokenExchange, exchanged at Entra ID with
// AZURE_CLIENT_ID and AZURE_TENANT_ID. The kubelet rotates the file (a
// ..data symlink swap), so it is read again for every exchange.
type WorkloadIdentity struct {
	file string
	*federated
}

var _ azcore.TokenCredential = (*WorkloadIdentity)(nil)

// maxAssertion bounds what is read from a token file or an OIDC answer;
// real tokens are a few KiB.
const maxAssertion = 64 << 10

// NewWorkloadIdentity returns a workload identity credential reading its
// assertion from tokenFile.
func NewWorkloadIdentity(tokenFile string, opts *EntraOptions) (*WorkloadIdentity, error) {
	if tokenFile == "" {
		return nil, &Error{Credential: "WorkloadIdentity", Kind: KindUsage, Msg: "WorkloadIdentity: no token file",
			Hint: "set AZURE_FEDERATED_TOKEN_FILE"}
	}
	ent, err := newEntraClient("WorkloadIdentity", opts.orZero())
	if err != nil {
		return nil, err
	}
	ent.hints = map[int]string{
		700024: "the kubelet refreshes the projected token long before it expires: check that the volume is a projected serviceAccountToken and the node's clock",
		50027:  "AZURE_FEDERATED_TOKEN_FILE must hold the projected service-account token itself",
		70021:  "add a federated credential with this issuer (the cluster's OIDC issuer URL), subject (system:serviceaccount:NAMESPACE:NAME) and audience to the identity named by AZURE_CLIENT_ID",
	}
	w := &WorkloadIdentity{file: tokenFile}
	w.federated = newFederated(ent, "AZURE_FEDERATED_TOKEN_FILE "+inert(tokenFile), w.readAssertion)
	return w, nil
}

func (w *WorkloadIdentity) readAssertion(ctx context.Context) (string, error) {
	assertion, err := readTokenFile(ctx, w.file)
	if err != nil {
		return "", &Error{Credential: w.ent.name, Kind: KindAuth,
			Msg:  "WorkloadIdentity: cannot read AZURE_FEDERATED_TOKEN_FILE",
			Hint: `the AKS webhook projects it into pods labelled azure.workload.identity/use: "true" whose service account names the identity`, Err: err}
	}
	return assertion, nil
}

// readTokenFile reads a token file afresh: no caching, since the platform
// replaces it while we run.
func readTokenFile(ctx context.Context, path string) (string, error) {
	data, err := readSmallFile(ctx, path, maxAssertion)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("%s is empty", inert(path))
	}
	return tok, nil
}

// readSmallFile reads at most limit bytes of path, without hanging on
// what is not a regular file: a FIFO opens at once (O_NONBLOCK; with no
// writer it reads as empty), and a writer that never writes is cut off
// when ctx ends. A longer file is an error. Paths in errors are inert.
func readSmallFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, inertPathError(err)
	}
	defer f.Close()
	dl, _ := ctx.Deadline() // zero: none
	if errors.Is(f.SetReadDeadline(dl), os.ErrNoDeadline) {
		// Not pollable (a regular file; a FIFO on macOS): plain blocking
		// reads, as without O_NONBLOCK.
		f.Fd()
	} else {
		stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
		defer stop()
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("%s: nothing to read before the deadline (a pipe nobody writes?)", inert(path))
		}
		return nil, inertPathError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", inert(path), limit>>10)
	}
	return data, nil
}

func inertPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %v", pe.Op, inert(pe.Path), pe.Err)
	}
	return err
}
