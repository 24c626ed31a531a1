#ifndef NAAP_USER_H
#define NAAP_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "naap/arena.h"

/* The upstream user tables (schema.md: "User", "UserConfig", "UserRole", "Role",
 * "OAuthAccount"): every statement naapd runs on them. Strings returned through out
 * parameters live in the caller's arena. Functions ending in _tx must run inside an open
 * transaction (naap_db_tx). Errors are the store's (naap/db.h). */

/* A user to create: register (with a password) and OAuth sign-up (with a profile). */
typedef struct naap_user_new {
    const char *email;         /* NULL: none (an OAuth profile without a verified address) */
    const char *password_hash; /* NULL: OAuth-only account */
    const char *display_name;
    const char *avatar_url; /* may be NULL */
    bool email_verified;    /* emailVerified is set to the creation time */
} naap_user_new;

/**
 * Inserts the User row and its UserConfig (theme "dark"), created at now_ms; *id gets
 * the new user's id. NAAP_ECONFLICT when the email (or id) is taken meanwhile.
 */
int naap_user_create_tx(naap_arena *a, const naap_user_new *u, int64_t now_ms, const char **id);

/** The id of the user with exactly this email; NAAP_ENOTFOUND if there is none. */
int naap_user_id_by_email(naap_arena *a, const char *email, const char **id);

/** Login: the id and passwordHash (NULL when unset) of email's user; NAAP_ENOTFOUND. */
int naap_user_credentials(naap_arena *a, const char *email, const char **id, const char **hash);

/**
 * Locks the user's row until the transaction ends and reads its passwordHash (NULL when
 * unset) into *hash: a login compares it with the hash it verified, so a password reset
 * (which updates the row first) is either seen or waits. NAAP_ENOTFOUND if the user is gone.
 */
int naap_user_lock_hash_tx(naap_arena *a, const char *id, const char **hash);

/**
 * After a successful login at now_ms: clears lockedUntil and, with new_hash, replaces
 * the hash only if it is still verified_hash, so a password reset racing the login is
 * never undone. Touches nothing when neither applies.
 */
int naap_user_login_update_tx(const char *id, const char *new_hash, const char *verified_hash,
                              int64_t now_ms);

/**
 * Password reset: replaces the hash and clears lockedUntil; *email gets the user's email
 * (NULL when none). NAAP_ENOTFOUND if the user is gone.
 */
int naap_user_set_password_tx(naap_arena *a, const char *id, const char *hash, int64_t now_ms,
                              const char **email);

/** Sets emailVerified to now_ms. NAAP_ENOTFOUND if the user is gone. */
int naap_user_mark_verified_tx(const char *id, int64_t now_ms);

/** The user's email (NULL when none) and whether it is verified; NAAP_ENOTFOUND. */
int naap_user_email_state(naap_arena *a, const char *id, const char **email, bool *verified);

/**
 * The AuthUser object of api.md 3.1 (roles and permissions from its Role rows) as a new
 * reference in *out. NAAP_ENOTFOUND if the user does not exist.
 */
int naap_user_auth_json(naap_arena *a, const char *id, json_t **out);

/** The user linked to provider's account_id; NAAP_ENOTFOUND if none is. */
int naap_user_by_oauth(naap_arena *a, const char *provider, const char *account_id,
                       const char **id);

/**
 * An OAuth provider has verified that its user owns this user's email. If the account has
 * a password but an unverified email (anyone could have registered the address first),
 * clears the password and marks the email verified at now_ms; *cleared says whether it
 * did (the caller then ends the account's sessions). Otherwise changes nothing.
 */
int naap_user_claim_email_tx(const char *id, int64_t now_ms, bool *cleared);

/** Links provider's account_id to user id. NAAP_ECONFLICT if it is linked meanwhile. */
int naap_user_link_oauth_tx(const char *id, const char *provider, const char *account_id,
                            int64_t now_ms);

#endif
