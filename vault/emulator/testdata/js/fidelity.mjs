// The Azure SDK for JavaScript against akv emulator: set, get, list every
// page, list versions, 404. Exits non-zero on any mismatch.
import { SecretClient } from "@azure/keyvault-secrets";

// The simplest managed-identity credential: POST to MSI_ENDPOINT.
const credential = {
  async getToken(scopes) {
    const scope = Array.isArray(scopes) ? scopes[0] : scopes;
    const res = await fetch(process.env.MSI_ENDPOINT, {
      method: "POST",
      headers: { Metadata: "true", "Content-Type": "application/x-www-form-urlencoded" },
      body: "resource=" + encodeURIComponent(scope.replace(/\/\.default$/, "")),
    });
    if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
    const body = await res.json();
    return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
  },
};

const fail = (msg) => { console.error(msg); process.exit(1); };
const client = new SecretClient(process.env.VAULT_URL, credential, { disableChallengeResourceVerification: true });

for (let i = 0; i < 60; i++) {
  await client.setSecret(`s${String(i).padStart(2, "0")}`, `value-${i}`);
}
await client.setSecret("s00", "second", { tags: { k: "v" } });

const got = await client.getSecret("s00");
if (got.value !== "second" || got.properties.tags.k !== "v") fail(`getSecret: ${JSON.stringify(got.properties)}`);
const v1 = await client.getSecret("s01");
const byVersion = await client.getSecret("s01", { version: v1.properties.version });
if (byVersion.value !== "value-1") fail("getSecret by version");

const names = [];
for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
if (names.length !== 60 || names[0] !== "s00" || names[59] !== "s59") fail(`listed ${names.length} secrets`);

let versions = 0;
for await (const _ of client.listPropertiesOfSecretVersions("s00")) versions++;
if (versions !== 2) fail(`versions: ${versions}`);

try {
  await client.getSecret("missing");
  fail("missing secret was found");
} catch (e) {
  if (e.statusCode !== 404 || e.code !== "SecretNotFound") fail(`missing secret: ${e.statusCode} ${e.code}`);
}
console.log("ok");
