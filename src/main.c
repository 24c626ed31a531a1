#include "naap/alloc.h"
#include "naap/cluster.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/migrate.h"
#include "naap/schema_drift.h"
#include "naap/upgrade.h"
#include "naap/version.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses (sysexits.h where one fits), documented in --help and README. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_RUN = 1,  /* migrate failed; workers had to be killed on stop */
    EXIT_SCHEMA_DRIFT = 2, /* check-schema: the database lacks something naapd needs */
    EXIT_USAGE = 64,
    EXIT_UNAVAILABLE = 69, /* cannot listen */
    EXIT_CONFIG = 78,
};

static const char usage[] =
    "Usage: naapd [--config FILE] [COMMAND]\n"
    "\n"
    "Commands:\n"
    "  serve          run the master and its workers (default)\n"
    "  migrate        apply pending migrations from MIGRATIONS_DIR, ./migrations or\n"
    "                 the installed share directory\n"
    "  migrate --dry-run  list the migrations that would run, changing nothing\n"
    "  check-config   print the effective configuration (secrets masked) and validate it\n"
    "  check-schema   compare the database with what naapd needs; one line per difference,\n"
    "                 with its fix (exit 0: nothing missing, 2: differences found)\n"
    "  version        print the version\n"
    "\n"
    "Options:\n"
    "  --config FILE  read KEY=VALUE settings from FILE; environment variables win\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 ok; 1 migration or check-schema failed to run, or workers were\n"
    "killed on stop; 2 check-schema found differences;\n"
    "64 usage error; 69 cannot listen; 78 invalid configuration.\n";

static int load_config(naap_config *cfg, const char *path)
{
    char err[256];
    if (naap_config_load(cfg, path, err, sizeof(err)) != NAAP_OK) {
        fprintf(stderr, "naapd: %s\n", err);
        naap_config_free(cfg);
        return EXIT_CONFIG;
    }
    naap_log_set_level((enum naap_log_level)naap_log_level_parse(cfg->log_level));
    return EXIT_OK;
}

static int require_database(const naap_config *cfg)
{
    if (cfg->database_url[0])
        return EXIT_OK;
    fprintf(stderr, "naapd: DATABASE_URL: not set (e.g. postgresql://user@host:5432/naap)\n");
    return EXIT_CONFIG;
}

static int cmd_serve(naap_config *cfg)
{
    int rc;

    if ((rc = require_database(cfg)) != EXIT_OK)
        return rc;
    char *handover = naap_upgrade_take_state();
    if (handover) { /* re-executed by an upgrade: the socket and workers are handed over */
        rc = naap_master_resume(cfg, handover);
        free(handover);
        return rc;
    }
    if (!cfg->jwt_secret[0]) {
        /* development only (production refuses this in validation): sessions last until
         * the master restarts; every worker shares the secret through fork */
        unsigned char raw[32];
        char hex[NAAP_HEX64_SIZE];
        naap_random_bytes(raw, sizeof(raw));
        naap_hex_encode(raw, sizeof(raw), hex);
        free(cfg->jwt_secret);
        cfg->jwt_secret = naap_xstrdup(hex);
        naap_log_warn("JWT_SECRET not set: using a random one; sessions end when naapd restarts");
    }
    int fd = naap_listen_open(cfg->host, cfg->port);
    if (fd < 0)
        return EXIT_UNAVAILABLE;
    return naap_master_run(cfg, fd);
}

static int cmd_check_schema(const naap_config *cfg)
{
    int found = naap_schema_drift_check(cfg, stdout);
    if (found < 0)
        return EXIT_FAILURE_RUN;
    return found ? EXIT_SCHEMA_DRIFT : EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *command = "serve";
    bool command_given = false, dry_run = false;
    naap_config cfg;
    int rc;

    naap_upgrade_init(argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "help") == 0) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            command = "version";
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else if (argv[i][0] != '-' && !command_given) {
            command = argv[i];
            command_given = true;
        } else {
            fprintf(stderr, "naapd: unknown argument %s\n%s", argv[i], usage);
            return EXIT_USAGE;
        }
    }
    if (strcmp(command, "version") == 0) {
        printf("naapd %s\n", naap_version);
        return EXIT_OK;
    }
    if (strcmp(command, "serve") && strcmp(command, "migrate") && strcmp(command, "check-config") &&
        strcmp(command, "check-schema")) {
        fprintf(stderr, "naapd: unknown command %s\n%s", command, usage);
        return EXIT_USAGE;
    }
    if (dry_run && strcmp(command, "migrate") != 0) {
        fprintf(stderr, "naapd: --dry-run goes with migrate only\n%s", usage);
        return EXIT_USAGE;
    }
    if ((rc = load_config(&cfg, config_path)) != EXIT_OK)
        return rc; /* load_config freed what it had parsed */
    if (strcmp(command, "check-config") == 0) {
        naap_config_print(&cfg, stdout);
        rc = EXIT_OK;
    } else if (strcmp(command, "migrate") == 0) {
        rc = require_database(&cfg);
        if (rc == EXIT_OK)
            rc = (dry_run ? naap_migrate_dry_run(&cfg) : naap_migrate_run(&cfg)) == NAAP_OK
                     ? EXIT_OK
                     : EXIT_FAILURE_RUN;
    } else if (strcmp(command, "check-schema") == 0) {
        rc = require_database(&cfg);
        if (rc == EXIT_OK)
            rc = cmd_check_schema(&cfg);
    } else {
        rc = cmd_serve(&cfg);
    }
    naap_config_free(&cfg);
    return rc;
}
