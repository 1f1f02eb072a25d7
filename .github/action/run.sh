#!/usr/bin/env bash
# The akv GitHub Action (action.yml): install akv, then export the selected
# secrets into the job's environment, masked, with GitHub OIDC when the job
# grants id-token: write (no azure/login, no stored secret).
#
# Inputs come in as INPUT_* variables that action.yml maps; they are never
# pasted into shell code. cmd/akv/action_test.go runs this script offline
# against the emulator with a simulated runner (GITHUB_ENV, GITHUB_OUTPUT,
# GITHUB_PATH, ACTIONS_ID_TOKEN_REQUEST_*).
set -euo pipefail

# The runner reads every line starting with "::" as a command: the
# message's %, CR and LF are escaped as the Actions toolkit does, so an
# input with a newline cannot start a command of its own.
fail() {
  local msg="$*"
  msg=${msg//'%'/%25}
  msg=${msg//$'\r'/%0D}
  msg=${msg//$'\n'/%0A}
  echo "::error title=akv::$msg"
  exit 1
}

action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: this runs as the akv action}
bin_dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/akv.XXXXXX")
exe=
case "${RUNNER_OS:-$(uname -s)}" in
  Windows* | MINGW* | MSYS*) os=windows exe=.exe ;;
  macOS | Darwin) os=darwin ;;
  *) os=linux ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  ARM64 | arm64 | aarch64) arch=arm64 ;;
  *) arch=amd64 ;;
esac
akv="$bin_dir/akv$exe"

# From the action's own checkout: the ref in `uses: akv-cli/akv@REF` is
# exactly the code that runs.
install_from_source() {
  command -v go >/dev/null 2>&1 ||
    fail "Go is not on PATH: add actions/setup-go before this step, or set akv-version to install a release"
  (cd "$action_path" && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$akv" ./cmd/akv)
}

# A release binary, verified against the checksum committed next to this
# script: the action's ref pins the binary too, not just the download.
install_release() {
  local version=$1 asset="akv-$os-$arch$exe" want got
  want=$(awk -v a="$version/$asset" '$2 == a { print $1 }' "$action_path/.github/action/checksums.txt")
  [ -n "$want" ] ||
    fail "no checksum for $version/$asset in this action's checksums.txt: use an action ref that lists it, or leave akv-version empty to build from source"
  curl -fsSL --proto '=https' --tlsv1.2 --retry 3 -o "$akv" \
    "${AKV_RELEASE_BASE_URL:-https://github.com/akv-cli/akv/releases/download}/$version/$asset" ||
    fail "cannot download $asset $version"
  if command -v sha256sum >/dev/null 2>&1; then
    got=$(sha256sum "$akv" | cut -d' ' -f1)
  else
    got=$(shasum -a 256 "$akv" | cut -d' ' -f1)
  fi
  if [ "$got" != "$want" ]; then
    rm -f "$akv"
    fail "checksum mismatch for $asset $version: got $got, want $want"
  fi
  chmod +x "$akv"
}

if [ -n "${INPUT_AKV_VERSION:-}" ]; then
  install_release "$INPUT_AKV_VERSION"
else
  install_from_source
fi
echo "akv-path=$akv" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin_dir" >> "$GITHUB_PATH" # later steps can run akv too
fi

# The identity: GitHub OIDC when the application is named (inputs or
# AZURE_CLIENT_ID/AZURE_TENANT_ID); akv says so when the job lacks
# id-token: write. Otherwise akv's auto mode (a self-hosted runner's
# managed identity, a service principal in the environment).
client_id=${INPUT_CLIENT_ID:-${AZURE_CLIENT_ID:-}}
tenant_id=${INPUT_TENANT_ID:-${AZURE_TENANT_ID:-}}
[ -z "$client_id" ] || export AZURE_CLIENT_ID="$client_id"
[ -z "$tenant_id" ] || export AZURE_TENANT_ID="$tenant_id"
args=(export --format github)
if [ -n "$client_id" ] && [ -n "$tenant_id" ] && [ -z "${AZURE_CLIENT_SECRET:-}${AZURE_CLIENT_CERTIFICATE_PATH:-}" ]; then
  args+=(--auth github)
fi
# --flag=VALUE, so a value is never read as a flag of its own.
[ -z "${INPUT_VAULT:-}" ] || args+=("--vault=$INPUT_VAULT")
[ -z "${INPUT_PREFIX:-}" ] || args+=("--prefix=$INPUT_PREFIX")

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}
selected=${INPUT_PREFIX:-}
while IFS= read -r line || [ -n "$line" ]; do
  line=$(trim "$line")
  [ -z "$line" ] || { args+=("--tag=$line"); selected=1; }
done <<< "${INPUT_TAG:-}"
refs=()
while IFS= read -r line || [ -n "$line" ]; do
  line=$(trim "$line")
  case "$line" in '' | '#'*) continue ;; esac
  refs+=("$line")
  selected=1
done <<< "${INPUT_SECRETS:-}"
[ -n "$selected" ] || fail "nothing selected: set the secrets input (lines of NAME=ref or refs), prefix or tag"

# Masks go to the log (stdout) first; the variables are appended to
# $GITHUB_ENV in one write, only after every secret resolved. After "--"
# a secrets line is a reference even when it starts with "-" (akv refuses
# it then), never a flag such as --format=shell that would print values.
"$akv" "${args[@]}" -- ${refs[@]+"${refs[@]}"}
