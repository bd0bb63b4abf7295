/**
 * What root downloads and trusts is checked first: an apt repository's signing key against a
 * fingerprint pinned here (a key served by a compromised or spoofed site is refused), and an npm
 * registry tarball against the registry's own `dist.integrity` (a truncated or swapped download is
 * refused before it is unpacked).
 */
import { script } from "../../host/quote";

/** Signing keys of the third-party apt repositories hostform adds, by primary key fingerprint. */
export const SIGNING_KEYS = {
  /** NodeSource's repository key (NSolid <nsolid-gpg@nodesource.com>, RSA 2048, 2016), served as nodesource-repo.gpg.key. */
  nodesource: { url: "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key", fingerprint: "6F71F525282841EEDAF851B42F59B5F99B1BE0B4" },
  /** Google's Linux package signing key (0xD38B4796, RSA 4096, 2016); its packages are signed with rotating subkeys of it. */
  google: { url: "https://dl.google.com/linux/linux_signing_key.pub", fingerprint: "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796" },
} as const;

/**
 * Fetches `url` into a throwaway GnuPG home, refuses it unless it holds the key with the pinned
 * fingerprint, and writes only that key (with its subkeys) to `keyring` for apt's signed-by: any
 * other key the file carries is not trusted.
 */
export function pinnedKeyring(url: string, fingerprint: string, keyring: string): string {
  return script`kt=$(mktemp -d); trap 'rm -rf -- "$kt"' EXIT
curl -fsSL -o "$kt/key" -- ${url}
GNUPGHOME="$kt/gnupg"; export GNUPGHOME; install -d -m 0700 "$GNUPGHOME"
gpg --batch --quiet --import "$kt/key" 2>/dev/null || :
if ! gpg --batch --with-colons --list-keys 2>/dev/null | grep -q ${`^fpr:::::::::${fingerprint}:`}; then
  echo ${`the signing key served at ${url} is not the pinned one (${fingerprint}); refusing to trust it. If the publisher rotated its key, check the new fingerprint out of band and update SIGNING_KEYS in components/blocks/base/downloads.ts`} >&2
  exit 1
fi
install -d -m 0755 ${keyring.replace(/\/[^/]+$/, "")}
gpg --batch --export ${fingerprint} > "$kt/keyring.gpg"
install -m 0644 "$kt/keyring.gpg" ${keyring}
rm -rf -- "$kt"; trap - EXIT
`;
}

/**
 * `hf_fetch_npm URL META OUT`: downloads a registry tarball to OUT and checks it against the sha512
 * `dist.integrity` of the version document META (e.g. https://registry.npmjs.org/npm/10.9.9).
 */
export const FETCH_NPM = `hf_fetch_npm() {
  local want got
  want=$(curl -fsSL -- "$2" | jq -r '.dist.integrity // empty')
  case "$want" in
    sha512-*) ;;
    *) echo "$2 gives no sha512 dist.integrity: refusing to install $1 unchecked" >&2; return 1 ;;
  esac
  curl -fsSL -o "$3" -- "$1"
  want=$(printf '%s' "\${want#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \\n')
  got=$(sha512sum < "$3" | cut -c1-128)
  if [ "$got" != "$want" ]; then echo "$1 does not match the registry's dist.integrity ($2): refusing to install it" >&2; return 1; fi
}
`;
