#include "naap/onetime_token.h"
#include "naap/clock.h"
#include "naap/db.h"
#include "naap/errors.h"

/* One row per kind of constant SQL: the table name is chosen, never spliced in. The
 * insert's parameters are id, userId, token, expiresAt, createdAt and, for a
 * verification token only, email ($6): a statement may not leave a parameter unused. */
static const struct {
    const char *clear;
    const char *insert;
    int insert_params;
    const char *load;
    const char *spend;
    const char *delete;
} sql[] = {
    [NAAP_ONETIME_PASSWORD_RESET] =
        {"DELETE FROM \"PasswordResetToken\" WHERE \"userId\" = $1",
         "INSERT INTO \"PasswordResetToken\" (id, \"userId\", token, \"expiresAt\", "
         "\"createdAt\") VALUES ($1, $2, $3, $4, $5)",
         5,
         "SELECT id, \"userId\", floor(extract(epoch FROM \"expiresAt\") * 1000)::bigint AS "
         "\"expiresMs\", \"usedAt\" IS NOT NULL AS used FROM \"PasswordResetToken\" "
         "WHERE token = $1",
         "UPDATE \"PasswordResetToken\" SET \"usedAt\" = $2 WHERE id = $1 AND \"usedAt\" IS NULL",
         "DELETE FROM \"PasswordResetToken\" WHERE id = $1"},
    [NAAP_ONETIME_EMAIL_VERIFICATION] =
        {"DELETE FROM \"EmailVerificationToken\" WHERE \"userId\" = $1",
         "INSERT INTO \"EmailVerificationToken\" (id, \"userId\", token, \"expiresAt\", "
         "\"createdAt\", email) VALUES ($1, $2, $3, $4, $5, $6)",
         6,
         "SELECT id, \"userId\", floor(extract(epoch FROM \"expiresAt\") * 1000)::bigint AS "
         "\"expiresMs\", \"usedAt\" IS NOT NULL AS used FROM \"EmailVerificationToken\" "
         "WHERE token = $1",
         "UPDATE \"EmailVerificationToken\" SET \"usedAt\" = $2 WHERE id = $1 AND \"usedAt\" IS "
         "NULL",
         "DELETE FROM \"EmailVerificationToken\" WHERE id = $1"},
};

int naap_onetime_token_issue_tx(enum naap_onetime_kind kind, const char *user_id, const char *email,
                                int64_t now_ms, int64_t ttl_ms, char token[NAAP_HEX64_SIZE])
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE], expires[NAAP_ISO8601_SIZE];
    unsigned char raw[32];
    int rc;

    naap_uuid_v4(id);
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), token);
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms + ttl_ms, expires);
    const char *params[] = {id, user_id, token, expires, now, email};
    if ((rc = naap_db_exec(sql[kind].clear, NAAP_PARAMS(user_id), NULL)) != NAAP_OK)
        return rc;
    return naap_db_exec(sql[kind].insert, sql[kind].insert_params, params, NULL);
}

int naap_onetime_token_load(naap_arena *a, enum naap_onetime_kind kind, const char *token,
                            naap_onetime_token *out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(a, sql[kind].load, NAAP_PARAMS(token), &rows);

    if (rc != NAAP_OK)
        return rc;
    out->id = naap_db_text(rows, 0, "id");
    out->user_id = naap_db_text(rows, 0, "userId");
    out->expires_ms = naap_db_int(rows, 0, "expiresMs");
    out->used = naap_db_bool(rows, 0, "used");
    return NAAP_OK;
}

int naap_onetime_token_spend_tx(enum naap_onetime_kind kind, const char *id, int64_t now_ms)
{
    char now[NAAP_ISO8601_SIZE];
    long spent;

    naap_clock_iso8601(now_ms, now);
    int rc = naap_db_exec(sql[kind].spend, NAAP_PARAMS(id, now), &spent);
    return rc == NAAP_OK && spent == 0 ? NAAP_ECONFLICT : rc;
}

void naap_onetime_token_delete(enum naap_onetime_kind kind, const char *id)
{
    naap_db_exec(sql[kind].delete, NAAP_PARAMS(id), NULL);
}
