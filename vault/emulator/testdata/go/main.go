// Command fidelity drives akv emulator with the Azure SDK for Go, every
// setting at its default: azidentity.ManagedIdentityCredential (Cloud
// Shell's MSI_ENDPOINT) and azsecrets on https://demo.vault.azure.net
// through the emulator's proxy. It runs the fidelity scenario (see
// ../../fidelity_test.go) and prints "ok", or the first mismatch instead
// (the test takes any other output as the failure).
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "go fidelity:", err)
		return
	}
	fmt.Println("ok")
}

func check(ok bool, format string, args ...any) error {
	if !ok {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// status is the HTTP status and error code of a failed call.
func status(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%d %s", re.StatusCode, re.ErrorCode)
	}
	if err == nil {
		return "200"
	}
	return err.Error()
}

func run(ctx context.Context) error {
	cred, err := azidentity.NewManagedIdentityCredential(nil)
	if err != nil {
		return err
	}
	c, err := azsecrets.NewClient(os.Getenv("VAULT_URL"), cred, nil)
	if err != nil {
		return err
	}
	set := func(name, value string, p azsecrets.SetSecretParameters) error {
		p.Value = &value
		_, err := c.SetSecret(ctx, name, p, nil)
		return err
	}
	value := func(name, version string) string {
		s, err := c.GetSecret(ctx, name, version, nil)
		if err != nil {
			return status(err)
		}
		return *s.Value
	}

	// set, paging, versions
	for i := range 30 {
		if err := set(fmt.Sprintf("page-%02d", i), fmt.Sprintf("value-%d", i), azsecrets.SetSecretParameters{}); err != nil {
			return err
		}
	}
	v := "v"
	if err := set("page-00", "second", azsecrets.SetSecretParameters{Tags: map[string]*string{"k": &v}}); err != nil {
		return err
	}
	got, err := c.GetSecret(ctx, "page-00", "", nil)
	if err != nil {
		return err
	}
	if err := check(*got.Value == "second" && *got.Tags["k"] == "v", "get after set"); err != nil {
		return err
	}
	var versions []string
	for p := c.NewListSecretPropertiesVersionsPager("page-00", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range page.Value {
			versions = append(versions, s.ID.Version())
		}
	}
	if err := check(len(versions) == 2, "versions: %d", len(versions)); err != nil {
		return err
	}
	older := versions[0]
	if older == got.ID.Version() {
		older = versions[1]
	}
	if err := check(value("page-00", older) == "value-0", "get by version"); err != nil {
		return err
	}
	var names []string
	for p := c.NewListSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range page.Value {
			names = append(names, s.ID.Name())
		}
	}
	slices.Sort(names)
	if err := check(len(names) == 30 && names[0] == "page-00" && names[29] == "page-29", "listed %d names", len(names)); err != nil {
		return err
	}

	// disabled
	no := false
	if err := set("off", "x", azsecrets.SetSecretParameters{SecretAttributes: &azsecrets.SecretAttributes{Enabled: &no}}); err != nil {
		return err
	}
	if err := check(value("off", "") == "403 Forbidden", "disabled secret: %s", value("off", "")); err != nil {
		return err
	}

	// update properties; exp and nbf are information, an expired secret still reads
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	ct, env := "text/plain", "ci"
	if _, err := c.UpdateSecretProperties(ctx, "page-01", "", azsecrets.UpdateSecretPropertiesParameters{
		ContentType: &ct, Tags: map[string]*string{"env": &env},
		SecretAttributes: &azsecrets.SecretAttributes{Expires: &past, NotBefore: &past},
	}, nil); err != nil {
		return err
	}
	upd, err := c.GetSecret(ctx, "page-01", "", nil)
	if err != nil {
		return err
	}
	if err := check(*upd.Value == "value-1" && *upd.ContentType == "text/plain" && *upd.Tags["env"] == "ci", "updated properties"); err != nil {
		return err
	}
	if err := check(upd.Attributes.Expires.Equal(past) && upd.Attributes.NotBefore.Equal(past), "exp/nbf: %v", upd.Attributes.Expires); err != nil {
		return err
	}

	// delete → get deleted → list deleted → recover
	if _, err := c.DeleteSecret(ctx, "page-02", nil); err != nil {
		return err
	}
	del, err := c.GetDeletedSecret(ctx, "page-02", nil)
	if err != nil {
		return err
	}
	if err := check(strings.HasSuffix(*del.RecoveryID, "/deletedsecrets/page-02") && del.ScheduledPurgeDate != nil, "deleted bundle"); err != nil {
		return err
	}
	var deleted []string
	for p := c.NewListDeletedSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range page.Value {
			deleted = append(deleted, s.ID.Name())
		}
	}
	if err := check(slices.Equal(deleted, []string{"page-02"}), "list deleted: %v", deleted); err != nil {
		return err
	}
	if err := check(strings.HasPrefix(value("page-02", ""), "404"), "get of a deleted secret"); err != nil {
		return err
	}
	if _, err := c.RecoverDeletedSecret(ctx, "page-02", nil); err != nil {
		return err
	}
	if err := check(value("page-02", "") == "value-2", "recovered value"); err != nil {
		return err
	}

	// delete → purge
	if _, err := c.DeleteSecret(ctx, "page-03", nil); err != nil {
		return err
	}
	if _, err := c.PurgeDeletedSecret(ctx, "page-03", nil); err != nil {
		return err
	}
	_, err = c.GetDeletedSecret(ctx, "page-03", nil)
	if err := check(strings.HasPrefix(status(err), "404"), "purged secret still deleted"); err != nil {
		return err
	}

	// backup → delete → purge → restore
	backup, err := c.BackupSecret(ctx, "page-04", nil)
	if err != nil {
		return err
	}
	if _, err := c.DeleteSecret(ctx, "page-04", nil); err != nil {
		return err
	}
	if _, err := c.PurgeDeletedSecret(ctx, "page-04", nil); err != nil {
		return err
	}
	restored, err := c.RestoreSecret(ctx, azsecrets.RestoreSecretParameters{SecretBackup: backup.Value}, nil)
	if err != nil {
		return err
	}
	if err := check(restored.ID.Name() == "page-04" && value("page-04", "") == "value-4", "restored secret"); err != nil {
		return err
	}

	// 404
	if err := check(value("missing", "") == "404 SecretNotFound", "missing secret: %s", value("missing", "")); err != nil {
		return err
	}

	// 429 with Retry-After: the client waits and tries again
	resp, err := http.Post(os.Getenv("EMU_CONTROL")+"/_emulator/throttle?next=1", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return check(value("page-05", "") == "value-5", "value after 429")
}
