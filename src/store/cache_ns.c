#include "naap/cache_ns.h"
#include "naap/cache.h"
#include "naap/errors.h"

const char *naap_ns_user(naap_arena *arena, const char *user_id)
{
    return naap_arena_printf(arena, "user:%s", user_id);
}

const char *naap_ns_session(naap_arena *arena, const char *sid)
{
    return naap_arena_printf(arena, "session:%s", sid);
}

const char *naap_ns_team(naap_arena *arena, const char *team_id)
{
    return naap_arena_printf(arena, "team:%s", team_id);
}

const char *naap_ns_memberships(naap_arena *arena, const char *user_id)
{
    return naap_arena_printf(arena, "memberships:%s", user_id);
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
