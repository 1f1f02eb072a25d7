// The Azure SDK for JavaScript against akv emulator, every setting at its
// default: ManagedIdentityCredential (Cloud Shell's MSI_ENDPOINT) and
// SecretClient on https://demo.vault.azure.net through the emulator's
// proxy. Runs the fidelity scenario (see fidelity_test.go); exits non-zero
// on the first mismatch.
import { ManagedIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

const fail = (msg) => { console.error("js fidelity: " + msg); process.exit(1); };
const check = (ok, msg) => { if (!ok) fail(msg); };
const statusOf = async (call) => {
  try { await call(); } catch (e) { return `${e.statusCode} ${e.code}`; }
  return "200";
};

const client = new SecretClient(process.env.VAULT_URL, new ManagedIdentityCredential());

// set, paging, versions
const pad = (i) => String(i).padStart(2, "0");
for (let i = 0; i < 30; i++) await client.setSecret(`page-${pad(i)}`, `value-${i}`);
await client.setSecret("page-00", "second", { tags: { k: "v" } });
const got = await client.getSecret("page-00");
check(got.value === "second" && got.properties.tags.k === "v", "get after set");
const versions = [];
for await (const v of client.listPropertiesOfSecretVersions("page-00")) versions.push(v);
check(versions.length === 2, `versions: ${versions.length}`);
const older = versions.find((v) => v.version !== got.properties.version);
check((await client.getSecret("page-00", { version: older.version })).value === "value-0", "get by version");
const names = [];
for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
names.sort();
check(names.length === 30 && names[0] === "page-00" && names[29] === "page-29", `listed ${names.length} names`);

// disabled
await client.setSecret("off", "x", { enabled: false });
check(await statusOf(() => client.getSecret("off")) === "403 Forbidden", "disabled secret");

// update properties; exp and nbf are information, an expired secret still reads
const past = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
await client.updateSecretProperties("page-01", "", { contentType: "text/plain", tags: { env: "ci" }, expiresOn: past, notBefore: past });
const updated = await client.getSecret("page-01");
check(updated.value === "value-1", "expired secret value");
check(updated.properties.contentType === "text/plain" && updated.properties.tags.env === "ci", "updated properties");
check(updated.properties.expiresOn.getTime() === past.getTime() && updated.properties.notBefore.getTime() === past.getTime(), "exp/nbf");

// delete → get deleted → list deleted → recover, waiting as a user would
await (await client.beginDeleteSecret("page-02")).pollUntilDone();
const deleted = await client.getDeletedSecret("page-02");
check(deleted.properties.recoveryId.endsWith("/deletedsecrets/page-02") && deleted.properties.scheduledPurgeDate, "deleted bundle");
const deletedNames = [];
for await (const d of client.listDeletedSecrets()) deletedNames.push(d.name);
check(deletedNames.join() === "page-02", `list deleted: ${deletedNames}`);
check((await statusOf(() => client.getSecret("page-02"))).startsWith("404"), "get of a deleted secret");
await (await client.beginRecoverDeletedSecret("page-02")).pollUntilDone();
check((await client.getSecret("page-02")).value === "value-2", "recovered value");

// delete → purge (beginDeleteSecret returns once the DELETE is answered)
await client.beginDeleteSecret("page-03");
await client.purgeDeletedSecret("page-03");
check((await statusOf(() => client.getDeletedSecret("page-03"))).startsWith("404"), "purged secret still deleted");

// backup → delete → purge → restore
const blob = await client.backupSecret("page-04");
await client.beginDeleteSecret("page-04");
await client.purgeDeletedSecret("page-04");
const restored = await client.restoreSecretBackup(blob);
check(restored.name === "page-04" && (await client.getSecret("page-04")).value === "value-4", "restored secret");

// 404
check(await statusOf(() => client.getSecret("missing")) === "404 SecretNotFound", "missing secret");

// 429 with Retry-After: the client waits and tries again
const ctl = await fetch(process.env.EMU_CONTROL + "/_emulator/throttle?next=1", { method: "POST" });
check(ctl.status === 204, `throttle control: ${ctl.status}`);
check((await client.getSecret("page-05")).value === "value-5", "value after 429");
console.log("ok");
