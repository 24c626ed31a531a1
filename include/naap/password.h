#ifndef NAAP_PASSWORD_H
#define NAAP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Password hashes in User.passwordHash (api.md 3.1, decisions.md 3). Two formats verify:
 *
 *   <salt>:<key>                                 base-svc: PBKDF2-HMAC-SHA512, 10 000
 *                                                rounds, the 32-char hex salt *text* as the
 *                                                salt, 64-byte key in lowercase hex
 *   pbkdf2-sha512$<rounds>$<salt>$<key>          naapd: same PRF, salt = the hex-decoded
 *                                                16 random bytes, 64-byte key in hex
 *
 * New hashes are always written in the second, self-describing format. */

#define NAAP_PASSWORD_LEGACY_ITERATIONS 10000
#define NAAP_PASSWORD_MIN_PRODUCTION_ITERATIONS 210000
#define NAAP_PASSWORD_MAX_ITERATIONS 10000000
/* "pbkdf2-sha512$" + 8 digits + "$" + 32 + "$" + 128, with room to spare */
#define NAAP_PASSWORD_HASH_MAX 256

/**
 * Hashes password with a fresh random salt and the given rounds into out
 * (NAAP_PASSWORD_HASH_MAX bytes). Returns 0, or NAAP_EINVAL for rounds out of range.
 */
int naap_password_hash(const char *password, int iterations, char out[NAAP_PASSWORD_HASH_MAX]);

/**
 * True if password matches stored (either format), compared in constant time. A stored
 * value in neither format (or NULL) never matches. *rehash is set when a match should be
 * re-hashed: legacy format, or fewer rounds than want_iterations. Always spends at least
 * want_iterations PBKDF2 rounds, so the time tells nothing about the stored hash.
 */
bool naap_password_verify(const char *password, const char *stored, int want_iterations,
                          bool *rehash);

/**
 * Spends the time of one verification at the given rounds without a result, so a login
 * for an unknown account or one without a password takes as long as a wrong password.
 */
void naap_password_burn(const char *password, int iterations);

/** PBKDF2 rounds the calling thread has run so far (tests check the cost of a login). */
long long naap_password_rounds(void);

/** Length of a UTF-8 string in UTF-16 code units (JavaScript's String.length). */
size_t naap_password_js_length(const char *s);

#endif
