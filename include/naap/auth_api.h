#ifndef NAAP_AUTH_API_H
#define NAAP_AUTH_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "naap/http.h"
#include "naap/onetime_token.h"
#include "naap/session.h"

/* Pieces the /auth handlers (src/api/auth_*.c) share. */

/* Far above any real address (RFC 5321: 254), far below PostgreSQL's index entry limit:
 * a longer "email" cannot be an account and must not reach a unique index. */
#define NAAP_AUTH_EMAIL_MAX 1024
/* Shortest password accepted, in UTF-16 units (naap_password_js_length), as upstream. */
#define NAAP_AUTH_PASSWORD_MIN 8

/**
 * Answers 200 with {"success":true,"token","csrfToken"?,"user","expiresAt"} for a session
 * just created: a JWT is signed for it and, with csrf, a CSRF token issued. Steals user.
 */
void naap_auth_respond_session(naap_request *req, const naap_session *s, json_t *user, bool csrf,
                               int64_t now_ms);

/**
 * Logs a password-reset or email-verification token so an operator can hand it on (no
 * mail is sent, as upstream); never in production, where logs travel further.
 */
void naap_auth_log_token(naap_request *req, const char *what, const char *user_id,
                         const char *token);

/* The 400 messages of one kind of single-use token (api.md 3.9, 3.11). */
typedef struct naap_onetime_messages {
    const char *invalid;
    const char *expired;
    const char *used;
} naap_onetime_messages;

/**
 * Loads token for redeeming at now_ms (strings in the request arena). Returns true with
 * *t filled; false after answering 400 (unknown, expired — the row is then deleted — or
 * spent) or 503.
 */
bool naap_auth_onetime_load(naap_request *req, enum naap_onetime_kind kind, const char *token,
                            const naap_onetime_messages *msgs, int64_t now_ms,
                            naap_onetime_token *t);
/** Answers a failed redeeming transaction: spent meanwhile, user gone, or a store error. */
void naap_auth_onetime_fail(naap_request *req, const naap_onetime_messages *msgs, int rc);

#endif
