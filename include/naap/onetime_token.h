#ifndef NAAP_ONETIME_TOKEN_H
#define NAAP_ONETIME_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

/* The single-use tokens of the upstream tables "PasswordResetToken" and
 * "EmailVerificationToken" (api.md 3.8-3.11): looked up by value, spent once, deleted
 * when expired. Both tables have the same shape, so one module serves both. */

enum naap_onetime_kind {
    NAAP_ONETIME_PASSWORD_RESET,
    NAAP_ONETIME_EMAIL_VERIFICATION,
};

#define NAAP_ONETIME_ID_MAX 256 /* longer ids or user ids are treated as not found */

typedef struct naap_onetime_token {
    char id[NAAP_ONETIME_ID_MAX];
    char user_id[NAAP_ONETIME_ID_MAX];
    int64_t expires_ms;
    bool used;
} naap_onetime_token;

/** Looks token up. Returns 0 with the row in *out, NAAP_ENOTFOUND, or a store error. */
int naap_onetime_token_load(enum naap_onetime_kind kind, const char *token,
                            naap_onetime_token *out);
/**
 * Marks the row spent at now_iso, only if it is still unspent, in the current transaction.
 * Returns 0, NAAP_ECONFLICT when another request spent it first, or a store error.
 */
int naap_onetime_token_spend(enum naap_onetime_kind kind, const char *id, const char *now_iso);
/** Deletes the row (an expired token); errors are ignored, the row then simply stays. */
void naap_onetime_token_delete(enum naap_onetime_kind kind, const char *id);

#endif
