#ifndef NAAP_SCHEMA_DRIFT_H
#define NAAP_SCHEMA_DRIFT_H

#include <stdio.h>

#include "naap/config.h"

/* `naapd check-schema`: compares the live database with what naapd needs, so drift made
 * on the Prisma side (a `prisma db push` without deploy/prisma/naapd.prisma, an index
 * left INVALID by an interrupted CREATE INDEX CONCURRENTLY) is found before a request
 * fails on it. Read-only: it changes nothing. */

/**
 * Prints one line per difference on out ("what: problem; fix: SQL or command"): missing
 * tables, columns of another type or nullability, missing or different primary keys,
 * foreign keys and unique indexes, missing scaling indexes, INVALID indexes, and naapd's
 * own tables left in public. Returns how many it printed, or NAAP_ERR (logged) when the
 * database cannot be read.
 */
int naap_schema_drift_check(const naap_config *cfg, FILE *out);

#endif
