#!/usr/bin/env bash
# A short tour of akv against the built-in emulator: nothing leaves this
# machine. The tour runs itself under `akv emulator -- bash`, so the
# emulator stops when the tour ends, whatever happens.
set -euo pipefail
akv_bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ -z "${AKV_DEMO_INSIDE:-}" ]; then
  AKV_DEMO_INSIDE=1 exec "$akv_bin" emulator -- bash "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" "$akv_bin"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/akv-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
akv() { "$akv_bin" "$@"; }
bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi
step() { printf '\n%s== %s%s\n$ %s\n' "$bold" "$1" "$plain" "$2"; }

echo "This tour runs under 'akv emulator -- bash': a local Key Vault and token"
echo "endpoint on 127.0.0.1, found through this environment:"
env | grep -E '^(MSI_ENDPOINT|AKV_VAULT_ENDPOINTS|AKV_CA_FILE|AKV_VAULT)=' | sort | sed 's/^/    /'

step "Which identity akv uses, and why (never the token)" 'akv whoami'
akv whoami

step "Names and attributes, never values" 'akv list --table --prefix app-'
akv list --table --prefix app-

step "Values, one per line" 'akv get db-password api-key'
akv get db-password api-key

step "JSON, with version, update time, content type and tags" 'akv get --json --meta db-password'
akv get --json --meta db-password

step "Every App Service reference form works too" 'akv get "@Microsoft.KeyVault(VaultName=demo;SecretName=db-password)"'
akv get "@Microsoft.KeyVault(VaultName=demo;SecretName=db-password)"

step "A missing secret: a clear error and exit code 4" 'akv get no-such-secret'
akv get no-such-secret || echo "exit code: $?"

step "Source secrets into this shell (the exit status survives)" 'out=$(akv export db-password api-key) && eval "$out"'
out=$(akv export db-password api-key) && eval "$out"
echo "DB_PASSWORD is ${#DB_PASSWORD} characters long"

step "Select by tag: a .env for docker compose, atomic, mode 0600" 'akv export --tag app=demo --format dotenv-compose -o .env'
akv export --tag app=demo --format dotenv-compose -o .env
ls -l .env | cut -d' ' -f1
cat .env

step "A typo in a selection is an error, not an empty .env" 'akv export --prefix ap- -o .env'
akv export --prefix ap- -o .env || echo "exit code: $? (and .env still has $(wc -l < .env) lines)"

step "A value a format cannot carry is refused, naming the formats that can" 'akv export --format docker multi-line'
akv export --format docker multi-line || echo "exit code: $?"

cat > deploy.tpl <<'TPL'
DATABASE_URL={{ secret "app-db-url" | compose }}
MOTD={{ secret "vec-mixed-quotes" | shell }}
TPL
step "A template: every secret fetched in one parallel batch, each value escaped for its place" 'cat deploy.tpl'
cat deploy.tpl
step "...rendered" 'akv render -i deploy.tpl'
akv render -i deploy.tpl

step "A dry run of a selection" 'akv check db-password api-key multi-line'
akv check db-password api-key multi-line

step "Run a program with secrets only in its environment, masked in its output" 'DB_PASSWORD=akv://demo/db-password akv run --mask -- sh -c '\''echo "connecting with $DB_PASSWORD"'\'''
DB_PASSWORD=akv://demo/db-password akv run --mask -- sh -c 'echo "connecting with $DB_PASSWORD"'

echo
echo "Done; the emulator stops with this tour. Try it yourself, in a shell of your own:"
echo "bin/akv emulator -- bash"
