#!/usr/bin/env bash
# Self-test of check_layers.sh: builds small source trees in a temporary directory and
# checks the script refuses an upward include and SQL in src/api/ (with --sql), naming
# the file, and accepts a tree that follows the rule.
set -u

check=$(cd "$(dirname "$0")" && pwd)/check_layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# tree NAME FILE=CONTENT...: a fresh tree under $tmp/NAME with the given files.
tree() {
    local root=$tmp/$1
    shift
    mkdir -p "$root/src" "$root/include/naap"
    for spec in "$@"; do
        mkdir -p "$root/$(dirname "${spec%%=*}")"
        printf '%s\n' "${spec#*=}" >"$root/${spec%%=*}"
    done
    echo "$root"
}

# expect_reject ROOT TEXT [FLAGS]: the script exits non-zero and prints TEXT.
expect_reject() {
    local root=$1 text=$2 out rc
    out=$("$check" ${3:+"$3"} "$root" 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] || fail "$root ${3:-}: exit 0, expected a rejection"
    grep -qF -- "$text" <<<"$out" || fail "$root ${3:-}: output does not name '$text': $out"
}

# expect_pass ROOT [FLAGS]
expect_pass() {
    local root=$1 out
    out=$("$check" ${2:+"$2"} "$root" 2>&1) || fail "$root ${2:-}: rejected a clean tree: $out"
}

# core including a header implemented in api
up=$(tree up 'src/core/x.c=#include "naap/y.h"' 'src/api/y.c=#include "naap/y.h"' \
    'include/naap/y.h=/* y */')
expect_reject "$up" "src/core/x.c -> naap/y.h"

# store including middleware, through a header: judged by the .c implementing it
hdr=$(tree hdr 'src/store/y.c=#include "naap/y.h"' 'include/naap/y.h=#include "naap/z.h"' \
    'src/middleware/z.c=#include "naap/z.h"' 'include/naap/z.h=/* z */')
expect_reject "$hdr" "include/naap/y.h -> naap/z.h"

# http must not reach the cluster
http=$(tree http 'src/http/s.c=#include "naap/shared.h"' 'src/cluster/shared.c=/* */')
expect_reject "$http" "src/http/s.c -> naap/shared.h"

# downward includes only: accepted
down=$(tree down 'src/api/h.c=#include "naap/x.h"
#include "naap/m.h"' 'src/core/x.c=#include "naap/x.h"' 'src/middleware/m.c=#include "naap/x.h"' \
    'src/cluster/c.c=#include "naap/m.h"' 'include/naap/x.h=/* x */' 'include/naap/m.h=/* m */')
expect_pass "$down"

# SQL in a handler: refused with --sql only
sql=$(tree sql 'src/api/h.c=int h(void) { return q("SELECT id FROM \"User\" WHERE id = $1"); }' \
    'src/store/q.c=int q(const char *s) { return s[0]; }')
expect_reject "$sql" "src/api/h.c" --sql
expect_pass "$sql"
# ... while SQL in the store and plain words in api strings are fine
nosql=$(tree nosql 'src/api/h.c=const char *m = "Selected"; const char *n = "Update failed";' \
    'src/store/q.c=const char *s = "DELETE FROM t";')
expect_pass "$nosql" --sql

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "check_layers.sh self-test passed"
