#ifndef NAAP_ROLE_H
#define NAAP_ROLE_H

#include <stdbool.h>

/* System roles a handler checks (decisions.md 5 and "Details settled"): a user is a
 * system administrator when one of their UserRole rows names the Role 'system:admin'. */

#define NAAP_ROLE_SYSTEM_ADMIN "system:admin"

/** *out = whether user_id holds the system:admin role. Store errors as naap_db_query. */
int naap_role_is_admin(const char *user_id, bool *out);

#endif
