"""Debian's Azure SDK for Python against akv emulator, every setting at
its default: ManagedIdentityCredential (Cloud Shell's MSI_ENDPOINT) and
SecretClient on https://demo.vault.azure.net through the emulator's
proxy. Runs the fidelity scenario (see fidelity_test.go); exits non-zero
on the first mismatch."""

import datetime
import os
import sys
import urllib.request

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient


def check(ok, what):
    if not ok:
        sys.exit("python fidelity: " + what)


def status_of(call):
    try:
        call()
    except HttpResponseError as e:
        return e.status_code, e.error.code if e.error else None
    return 200, None


client = SecretClient(os.environ["VAULT_URL"], ManagedIdentityCredential())

# set, paging, versions
for i in range(30):
    client.set_secret("page-%02d" % i, "value-%d" % i)
client.set_secret("page-00", "second", tags={"k": "v"})
got = client.get_secret("page-00")
check(got.value == "second" and got.properties.tags == {"k": "v"}, "get after set: %r" % got.properties.tags)
versions = list(client.list_properties_of_secret_versions("page-00"))
check(len(versions) == 2, "versions: %d" % len(versions))
older = [v for v in versions if v.version != got.properties.version][0]
check(client.get_secret("page-00", older.version).value == "value-0", "get by version")
names = sorted(p.name for p in client.list_properties_of_secrets())
check(names == ["page-%02d" % i for i in range(30)], "listed %d names" % len(names))

# disabled
client.set_secret("off", "x", enabled=False)
check(status_of(lambda: client.get_secret("off")) == (403, "Forbidden"), "disabled secret")

# update properties; exp and nbf are information, an expired secret still reads
past = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
client.update_secret_properties("page-01", content_type="text/plain", tags={"env": "ci"}, expires_on=past, not_before=past)
got = client.get_secret("page-01")
check(got.value == "value-1", "expired secret value")
check(got.properties.content_type == "text/plain" and got.properties.tags == {"env": "ci"}, "updated properties")
check(got.properties.expires_on == past and got.properties.not_before == past, "exp/nbf: %s" % got.properties.expires_on)

# delete → get deleted → list deleted → recover
client.begin_delete_secret("page-02").wait()
deleted = client.get_deleted_secret("page-02")
check(deleted.recovery_id.endswith("/deletedsecrets/page-02") and deleted.scheduled_purge_date is not None, "deleted bundle")
check([d.name for d in client.list_deleted_secrets()] == ["page-02"], "list deleted")
check(status_of(lambda: client.get_secret("page-02"))[0] == 404, "get of a deleted secret")
client.begin_recover_deleted_secret("page-02").wait()
check(client.get_secret("page-02").value == "value-2", "recovered value")

# delete → purge
client.begin_delete_secret("page-03").wait()
client.purge_deleted_secret("page-03")
check(status_of(lambda: client.get_deleted_secret("page-03"))[0] == 404, "purged secret still deleted")

# backup → delete → purge → restore
blob = client.backup_secret("page-04")
client.begin_delete_secret("page-04").wait()
client.purge_deleted_secret("page-04")
restored = client.restore_secret_backup(blob)
check(restored.name == "page-04" and client.get_secret("page-04").value == "value-4", "restored secret")

# 404
try:
    client.get_secret("missing")
    check(False, "missing secret was found")
except ResourceNotFoundError as e:
    check(e.error.code == "SecretNotFound", "missing secret: %s" % e.error.code)

# 429 with Retry-After: the client waits and tries again
urllib.request.urlopen(urllib.request.Request(os.environ["EMU_CONTROL"] + "/_emulator/throttle?next=1", method="POST"))
check(client.get_secret("page-05").value == "value-5", "value after 429")
print("ok")
