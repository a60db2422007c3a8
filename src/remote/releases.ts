// Release directories on the host: created, filled (a tar on stdin, base64 pieces, a presigned S3
// download, or a git fetch by the host), described, switched to atomically, removed and pruned.
import { splitUserinfo } from '../core/redact.ts';
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

export const createRelease = (l: Layout, id: string): Cmd =>
  script('release.create', 'rm -rf "$1" && mkdir -p "$1"', [l.release(id)]);

/** A tar stream on stdin into the release directory (an executor with `put`). */
export const extractRelease = (dir: string): Cmd => script('release.extract', 'tar -xf - -C "$1"', [dir]);

/**
 * Without `put`: the tar arrives as base64 pieces, each the `input` of one command, appended to a
 * file in the release directory, then unpacked there (docs/architecture.md, "Transports").
 */
export const appendUpload = (file: string, base64: string): Cmd => ({
  ...script('release.chunk', 'base64 -d >> "$1"', [file]),
  input: { data: base64, shown: `(${base64.length} base64 characters)\n`, public: true },
});
/**
 * The host downloads the release's tar from a presigned URL (on stdin: it is a credential, in no
 * argv or `ps` on the host) and checks its sha256 before anything unpacks it; release.extract next.
 * curl's own messages never hold the URL's query, where the signature is; a download cut off midway
 * (--max-time) leaves no partial file.
 */
export const downloadUpload = (file: string, url: string, sha256: string): Cmd => ({
  ...script(
    'release.download',
    `IFS= read -r url
curl -fsS --retry 2 --connect-timeout 10 --max-time 600 -o "$1" "$url" || { rc=$?; rm -f "$1"; exit $rc; }
echo "$2  $1" | sha256sum -c --status || { echo "the downloaded release's sha256 is not $2" >&2; rm -f "$1"; exit 1; }`,
    [file, sha256],
  ),
  input: { data: `${url}\n`, shown: '*** (a presigned URL)\n', expiring: true },
});
export const unpackUpload = (dir: string, file: string): Cmd =>
  script('release.extract', 'tar -xf "$2" -C "$1" && rm -f "$2"', [dir, file]);

// Hands git the URL's credentials from the environment when it asks (a 401), so they are in no
// argv on the host (git passes the URL it is given to its helpers' argv) and in no FETCH_HEAD.
const CREDENTIALS = `!f() { [ "$1" = get ] && [ -n "$HANDOFF_GIT_USERNAME$HANDOFF_GIT_PASSWORD" ] && printf 'username=%s\\npassword=%s\\n' "$HANDOFF_GIT_USERNAME" "$HANDOFF_GIT_PASSWORD"; }; f`;

/**
 * The host fetches the source itself. `--` ends git's options, so a URL or ref can never be read as
 * one (`--upload-pack=...` runs a command); the schema refuses a leading '-' as well. Credentials
 * in the URL go on stdin (two lines) and reach git through a credential helper.
 */
export const fetchRelease = (dir: string, url: string, ref: string): Cmd => {
  const bare = splitUserinfo(url);
  return {
    ...script(
      'release.fetch',
      `cd "$1" || exit 1
IFS= read -r HANDOFF_GIT_USERNAME; IFS= read -r HANDOFF_GIT_PASSWORD
export HANDOFF_GIT_USERNAME HANDOFF_GIT_PASSWORD GIT_TERMINAL_PROMPT=0
git init -q && git -c credential.helper= -c "credential.helper=$4" -c protocol.ext.allow=never \\
  fetch -q --depth 1 -- "$2" "$3" && git checkout -q FETCH_HEAD && git rev-parse --short HEAD`,
      [dir, bare.url, ref, CREDENTIALS],
    ),
    input: {
      data: `${bare.username}\n${bare.password}\n`,
      shown: bare.username || bare.password ? '*** (credentials for git)\n' : '(no credentials)\n',
    },
  };
};

/** Atomic: a new symlink renamed over the old one. Prints the release it replaced. */
export const switchCurrent = (l: Layout, id: string): Cmd =>
  script(
    'release.switch',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'prev=$(readlink "$1" 2>/dev/null || true); ln -sfn "releases/$2" "$1.tmp" && mv -Tf "$1.tmp" "$1" && echo "${prev##*/}"',
    [l.current, id],
  );

/** Undoes a first deploy's switch (no release to point back at): removes `current` if it names `id`. */
export const unlinkCurrent = (l: Layout, id: string): Cmd =>
  script('release.unlink', '[ "$(readlink "$1" 2>/dev/null)" = "releases/$2" ] && rm -f "$1"; true', [
    l.current,
    id,
  ]);

export const removeRelease = (l: Layout, id: string): Cmd =>
  script('release.remove', 'rm -rf "$1"', [l.release(id)]);

/** Keeps the newest `keep` releases; never the running one or the rollback target. */
export const pruneReleases = (l: Layout, keep: number, protect: string[]): Cmd =>
  script(
    'release.prune',
    `cd "$1" || exit 0; keep=$2; shift 2
ls -1 | sort -r | tail -n +$((keep + 1)) | while read -r r; do
  skip=; for p in "$@"; do [ "$r" = "$p" ] && skip=1; done
  [ -z "$skip" ] && rm -rf "$r" && echo "$r"
done; true`,
    [l.releases, keep, ...protect],
  );

/** The release's commit, for whoever reads the host later (src/engine/source.ts). */
export const describeRelease = (dir: string, commit: object): Cmd =>
  script('release.describe', 'printf "%s\\n" "$2" > "$1/.handoff-commit"', [dir, JSON.stringify(commit)]);
