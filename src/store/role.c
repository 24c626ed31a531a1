#include "naap/role.h"
#include "naap/db.h"
#include "naap/errors.h"

int naap_role_is_admin(const char *user_id, bool *out)
{
    int rc = naap_db_exists("SELECT 1 FROM \"UserRole\" ur JOIN \"Role\" r ON r.id = ur.\"roleId\" "
                            "WHERE ur.\"userId\" = $1 AND r.name = $2",
                            NAAP_PARAMS(user_id, NAAP_ROLE_SYSTEM_ADMIN));
    *out = rc == NAAP_OK;
    return rc == NAAP_ENOTFOUND ? NAAP_OK : rc;
}
