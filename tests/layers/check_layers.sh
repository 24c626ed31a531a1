#!/usr/bin/env bash
# Checks that naapd's layers point only down (DESIGN.md "Layout"):
#
#   core <- store <- middleware / api, with http carrying the request, cluster on top.
#
# A file's area is the src/<area>/ directory it lives in; a header include/naap/X.h
# belongs to the area of the src/<area>/X.c that implements it (failing that, of a
# src/X/ directory, or of src/A/ or src/B/ for a name A_B; a header with none of these,
# such as version.h, declares no code and is not judged). Each area may include:
#
#   core        core
#   store       core store
#   http        anything but cluster and api
#   middleware  core store http middleware
#   api         core store http middleware api
#   cluster     anything
#
# Usage: check_layers.sh [--sql] [ROOT]   (ROOT defaults to the repository)
#   --sql  also fail when a file in src/api/ holds SQL (a string literal starting with
#          a statement: SELECT, INSERT INTO, UPDATE x SET, DELETE FROM, WITH x AS): handlers reach data through src/store/.
# Prints each offending "file -> naap/header.h" (or "file: SQL ...") and exits 1 if any.
set -u

sql=0
if [ "${1:-}" = "--sql" ]; then
    sql=1
    shift
fi
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -d "$root/src" ]; then
    echo "check_layers: no src/ under $root" >&2
    exit 2
fi
cd "$root" || exit 2

# The area a header name (without .h) belongs to, or "" if none.
header_area() {
    local name=$1 found="" c
    for c in src/*/"$name".c; do
        [ -f "$c" ] || continue
        local a=${c#src/}
        a=${a%%/*}
        if [ -n "$found" ] && [ "$found" != "$a" ]; then
            echo "check_layers: naap/$name.h is implemented in two areas ($found, $a)" >&2
            echo "?"
            return
        fi
        found=$a
    done
    if [ -z "$found" ] && [ -d "src/$name" ]; then
        found=$name
    fi
    if [ -z "$found" ] && [[ $name == *_* ]]; then
        if [ -d "src/${name%%_*}" ]; then
            found=${name%%_*}
        elif [ -d "src/${name##*_}" ]; then
            found=${name##*_}
        fi
    fi
    echo "$found"
}

# Whether area $1 may include a header of area $2.
allowed() {
    local from=$1 to=$2
    [ -z "$to" ] && return 0
    [ "$to" = "?" ] && return 1
    case $from in
    core) [[ $to == core ]] ;;
    store) [[ $to == core || $to == store ]] ;;
    http) [[ $to != cluster && $to != api ]] ;;
    middleware) [[ $to == core || $to == store || $to == http || $to == middleware ]] ;;
    api) [[ $to == core || $to == store || $to == http || $to == middleware || $to == api ]] ;;
    cluster) true ;;
    *) true ;; # an area the rule does not know yet
    esac
}

bad=0

# check FILE AREA: every naap/ include of FILE must be allowed from AREA.
check() {
    local file=$1 area=$2 inc to
    while IFS= read -r inc; do
        to=$(header_area "$inc")
        if ! allowed "$area" "$to"; then
            echo "$file -> naap/$inc.h ($area may not include ${to:-?})"
            bad=1
        fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]naap\/\([A-Za-z0-9_]*\)\.h[">].*/\1/p' "$file")
}

for c in src/*/*.c; do
    [ -f "$c" ] || continue
    area=${c#src/}
    area=${area%%/*}
    check "$c" "$area"
done
for h in include/naap/*.h; do
    [ -f "$h" ] || continue
    area=$(header_area "$(basename "$h" .h)")
    [ -n "$area" ] && [ "$area" != "?" ] && check "$h" "$area"
done

if [ "$sql" = 1 ]; then
    for c in src/api/*.c; do
        [ -f "$c" ] || continue
        while IFS= read -r hit; do
            echo "$c: SQL in the api layer: $hit"
            bad=1
        done < <(grep -nE '"[[:space:]]*(SELECT[[:space:]]|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[^[:space:]]+[[:space:]]+SET|DELETE[[:space:]]+FROM|WITH[[:space:]]+[^[:space:]]+[[:space:]]+AS)' "$c")
    done
fi

exit $bad
