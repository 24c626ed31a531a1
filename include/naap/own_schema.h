#ifndef NAAP_OWN_SCHEMA_H
#define NAAP_OWN_SCHEMA_H

/* naapd's own tables (migration history, login lockout) live in a schema of their own,
 * NAAPD_SCHEMA ("naapd" by default), which Prisma never manages. SQL names them as
 * NAAP_OWN_SCHEMA "." table: the db layer and the migration runner replace the marker
 * with the configured schema, quoted, so nothing depends on search_path (PgBouncer's
 * transaction pooling does not keep it per client). */

/** The marker for naapd's schema in SQL text: "FROM {naapd}.naapd_login_lockout". */
#define NAAP_OWN_SCHEMA "{naapd}"

/**
 * Returns sql with every NAAP_OWN_SCHEMA replaced by schema as a quoted identifier, as a
 * new string the caller frees; NULL when sql holds no marker (use sql as it is).
 */
char *naap_own_schema_expand(const char *sql, const char *schema);

#endif
