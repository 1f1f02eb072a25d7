#!/usr/bin/env bash
# A short tour of akv against the built-in emulator: nothing leaves this
# machine. The emulator stops whatever happens (trap).
set -euo pipefail
akv_bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/akv-demo.XXXXXX")
emu_pid=
cleanup() {
  if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work"
akv() { "$akv_bin" "$@"; }
bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi
step() { printf '\n%s== %s%s\n$ %s\n' "$bold" "$1" "$plain" "$2"; }

"$akv_bin" emulator --write-env emu.env >/dev/null 2>&1 &
emu_pid=$!
for _ in $(seq 100); do [ -s emu.env ] && break; sleep 0.05; done
[ -s emu.env ] || { echo "demo: the emulator did not start" >&2; exit 1; }
. ./emu.env
echo "An emulator runs on loopback; akv finds it through this environment:"
sed 's/^/    /' emu.env

step "A token from the (emulated) Cloud Shell managed identity" 'akv token | cut -c1-40'
akv token | cut -c1-40

step "Names and attributes, never values" 'akv list --prefix app-'
akv list --prefix app-

step "Values, one per line" 'akv get db-password api-key'
akv get db-password api-key

step "Every App Service reference form works too" 'akv get "@Microsoft.KeyVault(VaultName=demo;SecretName=db-password)"'
akv get "@Microsoft.KeyVault(VaultName=demo;SecretName=db-password)"

step "A missing secret: a clear error and exit code 4" 'akv get no-such-secret'
akv get no-such-secret || echo "exit code: $?"

step "A dry run of a selection" 'akv check db-password api-key multi-line'
akv check db-password api-key multi-line

step "Source secrets into this shell (the exit status survives)" 'out=$(akv export db-password api-key) && eval "$out"'
out=$(akv export db-password api-key) && eval "$out"
echo "DB_PASSWORD is ${#DB_PASSWORD} characters long"

step "A .env for docker compose, written atomically with mode 0600" 'akv export --prefix app- --strip-prefix app- --format dotenv-compose -o .env'
akv export --prefix app- --strip-prefix app- --format dotenv-compose -o .env
ls -l .env | cut -d' ' -f1
cat .env

step "A value a format cannot carry is refused, naming the formats that can" 'akv export --format docker multi-line'
akv export --format docker multi-line || echo "exit code: $?"

step "Render a template: every secret fetched in one parallel batch" 'akv render -i deploy.tpl'
cat > deploy.tpl <<'TPL'
DATABASE_URL={{ secret "app-db-url" | compose }}
MOTD={{ secret "vec-mixed-quotes" | shell }}
TPL
akv render -i deploy.tpl

step "Run a program with secrets only in its environment" 'DB_PASSWORD=akv://demo/db-password akv run --mask -- sh -c '\''echo "connecting with $DB_PASSWORD"'\'''
DB_PASSWORD=akv://demo/db-password akv run --mask -- sh -c 'echo "connecting with $DB_PASSWORD"'

echo
echo "Done: the emulator stops now. Try it yourself: bin/akv emulator --write-env e.env & then . ./e.env"
