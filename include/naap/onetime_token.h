#ifndef NAAP_ONETIME_TOKEN_H
#define NAAP_ONETIME_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "naap/arena.h"
#include "naap/crypto.h"

/* The single-use tokens of the upstream tables "PasswordResetToken" and
 * "EmailVerificationToken" (api.md 3.8-3.11): issued per user, looked up by value, spent
 * once, deleted when expired. Both tables have the same shape (the verification one also
 * keeps the address), so one module serves both. */

enum naap_onetime_kind {
    NAAP_ONETIME_PASSWORD_RESET,
    NAAP_ONETIME_EMAIL_VERIFICATION,
};

typedef struct naap_onetime_token {
    const char *id;      /* in the arena given to naap_onetime_token_load */
    const char *user_id; /* likewise */
    int64_t expires_ms;
    bool used;
} naap_onetime_token;

/**
 * Replaces user_id's tokens of this kind with a new random one (64 hex digits, in token)
 * valid from now_ms for ttl_ms; email is stored with a verification token (else unused).
 */
int naap_onetime_token_issue_tx(enum naap_onetime_kind kind, const char *user_id, const char *email,
                                int64_t now_ms, int64_t ttl_ms, char token[NAAP_HEX64_SIZE]);
/** Looks token up into *out (strings in a). NAAP_ENOTFOUND if there is no such token. */
int naap_onetime_token_load(naap_arena *a, enum naap_onetime_kind kind, const char *token,
                            naap_onetime_token *out);
/**
 * Marks the row spent at now_ms, only if it is still unspent. Returns 0, NAAP_ECONFLICT
 * when another request spent it first, or a store error.
 */
int naap_onetime_token_spend_tx(enum naap_onetime_kind kind, const char *id, int64_t now_ms);
/** Deletes the row (an expired token); errors are ignored, the row then simply stays. */
void naap_onetime_token_delete(enum naap_onetime_kind kind, const char *id);

#endif
