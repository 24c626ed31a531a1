#include "naap/cache_ns.h"
#include "naap/cache.h"
#include "naap/crypto.h"
#include "naap/errors.h"

#include <stdio.h>
#include <string.h>

#define NS_SESSION "session:%s"

/* The sid is a credential (a legacy session's bearer is its sid): key names show up in
 * SCAN, MONITOR and slow logs, so they carry its SHA-256, as session.c's keys do. */
const char *naap_ns_user(naap_arena *arena, const char *user_id)
{
    return naap_arena_printf(arena, "user:%s", user_id);
}

/* A legacy sid is the bearer token itself: key names are visible to SCAN, MONITOR, the
 * slow log and RDB dumps, so only its digest may appear in them (as in session.c). */
const char *naap_ns_session_id(naap_arena *arena, const char *sid)
{
    char *digest = naap_arena_alloc(arena, NAAP_HEX64_SIZE);
    naap_sha256_hex(sid, strlen(sid), digest);
    return digest;
}

const char *naap_ns_session(naap_arena *arena, const char *sid)
{
    return naap_arena_printf(arena, NS_SESSION, naap_ns_session_id(arena, sid));
}

int naap_ns_session_buf(char *out, size_t outlen, const char *sid)
{
    char digest[NAAP_HEX64_SIZE];
    naap_sha256_hex(sid, strlen(sid), digest);
    int n = snprintf(out, outlen, NS_SESSION, digest);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = '\0';
        return NAAP_ETOOLARGE;
    }
    return NAAP_OK;
}

const char *naap_ns_team(naap_arena *arena, const char *team_id)
{
    return naap_arena_printf(arena, "team:%s", team_id);
}

const char *naap_ns_memberships(naap_arena *arena, const char *user_id)
{
    return naap_arena_printf(arena, "memberships:%s", user_id);
}

const char *naap_ns_team_plugins(naap_arena *arena, const char *team_id)
{
    return naap_arena_printf(arena, "team-plugins:%s", team_id);
}

const char *naap_ns_my_plugins(naap_arena *arena, const char *user_id)
{
    return naap_arena_printf(arena, "my-plugins:%s", user_id);
}

const char *naap_ns_package(naap_arena *arena, const char *name)
{
    return naap_arena_printf(arena, "package:%s", name);
}

int naap_cache_invalidate_list(const char *const *namespaces)
{
    int first = NAAP_OK;

    for (; *namespaces; namespaces++) {
        int rc = naap_cache_invalidate(*namespaces);
        if (rc != NAAP_OK && first == NAAP_OK)
            first = rc;
    }
    return first;
}
