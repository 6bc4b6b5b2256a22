#!/usr/bin/env bash
# Signs a SHA256SUMS file with a detached binary GPG signature (<file>.sig), as the Terraform and OpenTofu
# registries verify it, and exports the public key beside the dist dir for uploading to the registries.
# The key comes from the environment:
#   GPG_KEY_FILE    an exported secret key (armored or binary), imported into a temporary GNUPGHOME that is
#                   removed afterwards; GPG_FINGERPRINT picks one key if the file holds several.
#   GPG_FINGERPRINT a secret key already in the keyring (GNUPGHOME or ~/.gnupg), e.g. a hardware key.
#   GPG_PASSPHRASE  the key's passphrase, if it has one (given to gpg on a pipe, never on the command line).
# Usage: sign.sh <SHA256SUMS file> <public key output file>
set -euo pipefail
sums=${1:?usage: sign.sh <SHA256SUMS file> <public key output>}
pubkey_out=${2:?public key output missing}
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${GPG_KEY_FILE:-}" ] && [ -z "${GPG_FINGERPRINT:-}" ]; then
  cat >&2 <<'MSG'
sign.sh: no signing key: set GPG_FINGERPRINT (a secret key in your keyring) or GPG_KEY_FILE (an exported
secret key; GPG_PASSPHRASE if it has one). The registries accept only signed releases; see README, "Releasing".
MSG
  exit 1
fi
if [ -n "${GPG_KEY_FILE:-}" ]; then
  [ -r "$GPG_KEY_FILE" ] || { echo "sign.sh: GPG_KEY_FILE $GPG_KEY_FILE cannot be read" >&2; exit 1; }
  mkdir -p "$root/target"
  GNUPGHOME=$(mktemp -d "$root/target/gnupg.XXXXXX")
  export GNUPGHOME
  chmod 700 "$GNUPGHOME"
  trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
  gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 0 --import "$GPG_KEY_FILE" <<<"${GPG_PASSPHRASE:-}" 2>/dev/null \
    || { echo "sign.sh: gpg could not import GPG_KEY_FILE $GPG_KEY_FILE" >&2; exit 1; }
fi
fingerprint=${GPG_FINGERPRINT:-$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')}
[ -n "$fingerprint" ] || { echo "sign.sh: the key file holds no secret key" >&2; exit 1; }
gpg --batch --list-secret-keys "$fingerprint" >/dev/null 2>&1 \
  || { echo "sign.sh: no secret key $fingerprint in the keyring${GNUPGHOME:+ $GNUPGHOME}" >&2; exit 1; }
gpg --batch --yes --pinentry-mode loopback --passphrase-fd 0 --local-user "$fingerprint" \
  --output "$sums.sig" --detach-sign "$sums" <<<"${GPG_PASSPHRASE:-}"
gpg --batch --yes --armor --output "$pubkey_out" --export "$fingerprint"
echo "signed $(basename "$sums") with $fingerprint; public key in $pubkey_out" >&2
