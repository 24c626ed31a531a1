#include "check.h"
#include "naap/config.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

static const char *const vars[] = {
    "PORT",
    "HOST",
    "WORKERS",
    "JWT_SECRET",
    "NAAP_ENV",
    "NODE_ENV",
    "KILL_TIMEOUT",
    "MAX_MEMORY_RESTART",
    "CACHE_TTL_SHORT",
    "TRUST_PROXY",
    "DATABASE_URL",
    "REDIS_URL",
    "LOG_LEVEL",
    "PG_TRANSACTION_POOLING",
    "PG_PREPARED_STATEMENTS",
    "PASSWORD_ITERATIONS",
    "LEGACY_SESSIONS",
    "SESSION_CACHE_TTL",
    "GOOGLE_CLIENT_SECRET",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        unsetenv(vars[i]);
}

static void test_defaults(void)
{
    naap_config cfg;
    char err[256] = "";

    clear_env();
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    CHECK(cfg.port == 4000);
    CHECK(cfg.workers >= 1);
    CHECK(cfg.cache_ttl_short == 60 && cfg.cache_ttl_medium == 300 && cfg.cache_ttl_long == 600);
    CHECK(cfg.kill_timeout_ms == 30000);
    CHECK(cfg.listen_timeout_ms == 10000);
    CHECK(cfg.max_memory_restart == 500LL * 1024 * 1024);
    CHECK_STR(cfg.redis_url, "redis://localhost:6379");
    CHECK(!cfg.production);
    CHECK(!cfg.pg_prepared_statements); /* safe behind PgBouncer 1.18 (README) */
    naap_config_free(&cfg);
}

static void test_env_errors_name_the_variable(void)
{
    naap_config cfg;
    char err[256];

    clear_env();
    setenv("PORT", "abc", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "PORT:", 5) == 0);
    naap_config_free(&cfg);

    setenv("PORT", "70000", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strstr(err, "PORT") != NULL);
    naap_config_free(&cfg);
    unsetenv("PORT");

    setenv("KILL_TIMEOUT", "soon", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "KILL_TIMEOUT:", 13) == 0);
    naap_config_free(&cfg);
    unsetenv("KILL_TIMEOUT");

    setenv("TRUST_PROXY", "10.0.0.0/33", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "TRUST_PROXY:", 12) == 0);
    naap_config_free(&cfg);
    unsetenv("TRUST_PROXY");

    setenv("REDIS_URL", "rediss://x", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "REDIS_URL:", 10) == 0);
    naap_config_free(&cfg);
    unsetenv("REDIS_URL");
}

static void test_production_secret(void)
{
    naap_config cfg;
    char err[256];

    clear_env();
    setenv("NODE_ENV", "production", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "JWT_SECRET:", 11) == 0);
    naap_config_free(&cfg);

    setenv("JWT_SECRET", "short", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    naap_config_free(&cfg);

    setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    CHECK(cfg.production);
    naap_config_free(&cfg);

    /* NAAP_ENV wins over NODE_ENV */
    setenv("NAAP_ENV", "development", 1);
    unsetenv("JWT_SECRET");
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    CHECK(!cfg.production);
    naap_config_free(&cfg);
}

static void test_file_and_precedence(void)
{
    char path[] = "/tmp/naapd-config-test-XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "# comment\n"
                        "PORT=5001\n"
                        "export WORKERS=3\n"
                        "DATABASE_URL=\"postgresql://u:secretpw@db:5432/naap\"\n"
                        "KILL_TIMEOUT=5s\n"
                        "MAX_MEMORY_RESTART=1G\n"
                        "PG_TRANSACTION_POOLING=yes\n"
                        "PG_PREPARED_STATEMENTS=on\n";
    naap_config cfg;
    char err[256];

    CHECK(fd >= 0);
    CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
    close(fd);
    clear_env();
    setenv("WORKERS", "2", 1); /* env wins over the file */
    CHECK(naap_config_load(&cfg, path, err, sizeof(err)) == NAAP_OK);
    CHECK(cfg.port == 5001);
    CHECK(cfg.workers == 2);
    CHECK(cfg.kill_timeout_ms == 5000);
    CHECK(cfg.max_memory_restart == 1024LL * 1024 * 1024);
    CHECK(cfg.pg_transaction_pooling);
    CHECK(cfg.pg_prepared_statements);
    CHECK_STR(cfg.database_url, "postgresql://u:secretpw@db:5432/naap");

    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    naap_config_print(&cfg, mem);
    fclose(mem);
    CHECK(strstr(out, "secretpw") == NULL); /* check-config masks secrets */
    CHECK(strstr(out, "DATABASE_URL=postgresql://u:****@db:5432/naap") != NULL);
    free(out);
    naap_config_free(&cfg);

    /* an unknown key in the file is an error naming it */
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "PROT=1\n", 7) == 7);
    close(fd);
    CHECK(naap_config_load(&cfg, path, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strstr(err, "PROT") != NULL);
    naap_config_free(&cfg);
    unlink(path);
    unsetenv("WORKERS");
}

static void test_auth_settings(void)
{
    naap_config cfg;
    char err[256];

    clear_env();
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    CHECK(cfg.password_iterations == 210000);
    CHECK(cfg.legacy_sessions);
    CHECK(cfg.session_cache_ttl_ms == 5000);
    CHECK_STR(cfg.frontend_url, "http://localhost:3000");
    CHECK_STR(cfg.google_token_url, "https://oauth2.googleapis.com/token");
    naap_config_free(&cfg);

    /* the session cache may never outlive the 5 s revocation bound */
    setenv("SESSION_CACHE_TTL", "6s", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "SESSION_CACHE_TTL:", 18) == 0);
    naap_config_free(&cfg);
    unsetenv("SESSION_CACHE_TTL");

    /* fewer PBKDF2 rounds are for test suites only */
    setenv("PASSWORD_ITERATIONS", "1000", 1);
    setenv("LEGACY_SESSIONS", "false", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    CHECK(cfg.password_iterations == 1000 && !cfg.legacy_sessions);
    naap_config_free(&cfg);
    setenv("NODE_ENV", "production", 1);
    setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_EINVAL);
    CHECK(strncmp(err, "PASSWORD_ITERATIONS:", 20) == 0);
    naap_config_free(&cfg);

    /* OAuth client secrets are masked like the others */
    setenv("PASSWORD_ITERATIONS", "210000", 1);
    setenv("GOOGLE_CLIENT_SECRET", "oauth-client-secret", 1);
    CHECK(naap_config_load(&cfg, NULL, err, sizeof(err)) == NAAP_OK);
    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    naap_config_print(&cfg, mem);
    fclose(mem);
    CHECK(strstr(out, "oauth-client-secret") == NULL);
    CHECK(strstr(out, "PASSWORD_ITERATIONS=210000") != NULL);
    free(out);
    naap_config_free(&cfg);
    clear_env();
}

static void test_parsers(void)
{
    int64_t v;
    CHECK(naap_config_parse_bytes("500M", &v) == NAAP_OK && v == 500LL * 1024 * 1024);
    CHECK(naap_config_parse_bytes("64kb", &v) == NAAP_OK && v == 64 * 1024);
    CHECK(naap_config_parse_bytes("12", &v) == NAAP_OK && v == 12);
    CHECK(naap_config_parse_bytes("-1", &v) == NAAP_EINVAL);
    CHECK(naap_config_parse_bytes("5X", &v) == NAAP_EINVAL);
    CHECK(naap_config_parse_duration_ms("30000", 1, &v) == NAAP_OK && v == 30000);
    CHECK(naap_config_parse_duration_ms("30s", 1, &v) == NAAP_OK && v == 30000);
    CHECK(naap_config_parse_duration_ms("2m", 1, &v) == NAAP_OK && v == 120000);
    CHECK(naap_config_parse_duration_ms("60", 1000, &v) == NAAP_OK && v == 60000);
    CHECK(naap_config_parse_duration_ms("1h", 1, &v) == NAAP_EINVAL);
    CHECK(naap_config_parse_duration_ms("", 1, &v) == NAAP_EINVAL);
}

int main(void)
{
    test_defaults();
    test_env_errors_name_the_variable();
    test_production_secret();
    test_file_and_precedence();
    test_auth_settings();
    test_parsers();
    return check_report("config");
}
