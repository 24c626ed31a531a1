#include "naap/onetime_token.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <string.h>

/* One row per kind of constant SQL: the table name is chosen, never spliced in. */
static const struct {
    const char *load;
    const char *spend;
    const char *delete;
} sql[] = {
    [NAAP_ONETIME_PASSWORD_RESET] =
        {"SELECT id, \"userId\", floor(extract(epoch FROM \"expiresAt\") * 1000)::bigint, "
         "\"usedAt\" IS NOT NULL FROM \"PasswordResetToken\" WHERE token = $1",
         "UPDATE \"PasswordResetToken\" SET \"usedAt\" = $2 WHERE id = $1 AND \"usedAt\" IS NULL "
         "RETURNING id",
         "DELETE FROM \"PasswordResetToken\" WHERE id = $1"},
    [NAAP_ONETIME_EMAIL_VERIFICATION] =
        {"SELECT id, \"userId\", floor(extract(epoch FROM \"expiresAt\") * 1000)::bigint, "
         "\"usedAt\" IS NOT NULL FROM \"EmailVerificationToken\" WHERE token = $1",
         "UPDATE \"EmailVerificationToken\" SET \"usedAt\" = $2 WHERE id = $1 AND \"usedAt\" IS "
         "NULL RETURNING id",
         "DELETE FROM \"EmailVerificationToken\" WHERE id = $1"},
};

int naap_onetime_token_load(enum naap_onetime_kind kind, const char *token, naap_onetime_token *out)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {token};
    int rc = naap_db_query(sql[kind].load, 1, params, &rows);

    if (rc == NAAP_OK &&
        !(naap_db_rows_count(rows) > 0 && strlen(naap_db_value(rows, 0, 0)) < sizeof(out->id) &&
          strlen(naap_db_value(rows, 0, 1)) < sizeof(out->user_id)))
        rc = NAAP_ENOTFOUND;
    if (rc == NAAP_OK) {
        strcpy(out->id, naap_db_value(rows, 0, 0));
        strcpy(out->user_id, naap_db_value(rows, 0, 1));
        out->expires_ms = strtoll(naap_db_value(rows, 0, 2), NULL, 10);
        out->used = strcmp(naap_db_value(rows, 0, 3), "t") == 0;
    }
    naap_db_rows_free(rows);
    return rc;
}

int naap_onetime_token_spend(enum naap_onetime_kind kind, const char *id, const char *now_iso)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {id, now_iso};
    int rc = naap_db_query(sql[kind].spend, 2, params, &rows);
    if (rc == NAAP_OK && naap_db_rows_count(rows) == 0)
        rc = NAAP_ECONFLICT;
    naap_db_rows_free(rows);
    return rc;
}

void naap_onetime_token_delete(enum naap_onetime_kind kind, const char *id)
{
    const char *params[] = {id};
    naap_db_query(sql[kind].delete, 1, params, NULL);
}
