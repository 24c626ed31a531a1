#ifndef NAAP_CONFIG_H
#define NAAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The effective configuration. Environment variables (named as in the Node service)
 * override the optional KEY=VALUE file, which overrides the defaults. The master loads
 * it; workers inherit it across fork and never reload it themselves. */
typedef struct naap_config {
    char *host;
    int port;
    char *database_url;
    char *redis_url; /* empty: Redis disabled, memory fallbacks only */
    int workers;
    int worker_threads; /* libmicrohttpd pool threads per worker */
    char *jwt_secret;
    char *env; /* NAAP_ENV, else NODE_ENV */
    bool production;
    char *trust_proxy;
    int client_ipv6_prefix; /* IPv6 clients are counted by this network (rate limit, lockout) */
    char *metrics_allow;    /* client addresses GET /metrics answers; others get 404 */
    char *cors_origins;     /* "*" or a comma-separated allowlist */
    int cors_max_age_s;     /* how long a browser may reuse a preflight answer */
    int cache_ttl_short;
    int cache_ttl_medium;
    int cache_ttl_long;
    int kill_timeout_ms;
    int listen_timeout_ms;
    int64_t max_memory_restart; /* bytes; 0 disables */
    int memory_check_interval_ms;
    int http_timeout_s;
    int http_max_connections;
    int pg_statement_timeout_ms;
    int pg_connect_timeout_s;
    bool pg_transaction_pooling; /* PgBouncer in transaction mode sits in between */
    bool pg_prepared_statements; /* each connection keeps named statements (db.c) */
    int redis_timeout_ms;
    char *migrations_dir;
    char *naapd_schema; /* naapd's own tables; never public (Prisma's) */
    char *log_level;
    /* auth (api.md 3, decisions.md 2-4) */
    bool legacy_sessions;     /* accept opaque Session.token bearers */
    int password_iterations;  /* PBKDF2 rounds for new hashes */
    int session_cache_ttl_ms; /* Redis-cached Session row check; <= 5 s */
    char *frontend_url;       /* OAuth redirect_uri base */
    int oauth_timeout_ms;
    char *google_client_id;
    char *google_client_secret;
    char *google_auth_url;
    char *google_token_url;
    char *google_userinfo_url;
    char *github_client_id;
    char *github_client_secret;
    char *github_auth_url;
    char *github_token_url;
    char *github_user_url;
    char *github_emails_url;
    /* rate limiting (decisions.md "Added"): points per duration, block after the limit */
    bool rate_limit_enabled;
    int rl_points[4]; /* indexed by naap_tier; [0] (none) unused */
    int rl_duration_ms[4];
    int rl_block_ms[4];
    int login_email_points; /* login attempts per account across addresses, per duration */
    int login_email_duration_ms;
    char *config_file; /* the file read, or NULL */
} naap_config;

/**
 * Fills cfg from defaults, then the file at path (may be NULL), then getenv().
 * On error returns NAAP_EINVAL with a one-line message naming the variable in err.
 */
int naap_config_load(naap_config *cfg, const char *path, char *err, size_t errlen);
/** Checks rules that span settings (secrets in production); same error contract. */
int naap_config_validate(const naap_config *cfg, char *err, size_t errlen);
/** Prints KEY=VALUE lines of the effective configuration, secrets masked. */
void naap_config_print(const naap_config *cfg, FILE *out);
/** Frees the strings held by cfg. */
void naap_config_free(naap_config *cfg);

/** Parses "500M", "1G", "1048576" (bytes) into bytes. Returns 0 or NAAP_EINVAL. */
int naap_config_parse_bytes(const char *s, int64_t *out);
/**
 * Parses a duration into milliseconds: a bare number is in default_unit_ms units
 * (PM2's kill_timeout is in ms, the guide's TTLs in s); suffixes ms, s, m are accepted.
 */
int naap_config_parse_duration_ms(const char *s, int64_t default_unit_ms, int64_t *out);

#endif
