#include "naap/db.h"
#include "db_result.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/metrics.h"
#include "naap/own_schema.h"
#include "naap/thread_registry.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After a failed connect a thread waits this long before trying again, so a burst of
 * requests during an outage fails fast instead of each paying a connect attempt. */
#define RECONNECT_PAUSE_MS 250
/* Extra time past the server's statement_timeout before the client gives up itself:
 * the server normally cancels first and reports why. */
#define CLIENT_GRACE_MS 1000
/* Named statements one connection keeps (PG_PREPARED_STATEMENTS). naapd's statements are
 * fixed texts, far fewer than this; the bound is for the server's memory, should a text
 * ever be built per call. Past it a statement runs unnamed, as with the setting off. */
#define STMT_MAX 256
/* A direct session loses its statements only to a DISCARD ALL. One that keeps losing them
 * is a transaction pooler handing us other server sessions (PgBouncer < 1.21), where every
 * new Parse would leave one more statement behind on some server: stop preparing there. */
#define STMT_LOST_MAX 8
#define STMT_SLOTS (2 * STMT_MAX) /* open addressing stays at most half full */

/* One SQL text this connection has named. Entries are never removed before the
 * connection goes: a statement the server lost is prepared again under a new name. */
struct stmt {
    char *sql; /* NULL: free slot */
    uint64_t hash;
    unsigned id;   /* the name's suffix, unique within the connection */
    bool prepared; /* the server holds it now */
};

struct db_conn {
    naap_thread_node node; /* first: the registry hands nodes back */
    PGconn *pg;
    int64_t retry_after_ms;
    int64_t failed_ms; /* when this thread's last connect failed */
    bool in_tx;
    /* the connection died inside a transaction: every statement fails until the caller
     * ends it, so nothing of the rest of that transaction runs in autocommit */
    bool tx_lost;
    bool connected_before; /* a later connect is a reconnect (for /metrics) */
    struct stmt *stmts;    /* STMT_SLOTS, allocated on first use */
    int nstmts;
    unsigned next_id;
    int lost;     /* statements this connection's server did not know (26000) */
    char tag[17]; /* random per connection, part of every statement name */
};

static const naap_config *config;
static naap_thread_registry registry = NAAP_THREAD_REGISTRY_INIT;
static _Thread_local struct db_conn *tls_conn;
static _Atomic int64_t last_connect_ok_ms;

void naap_db_init(const naap_config *cfg)
{
    config = cfg;
}

static struct db_conn *thread_conn(void)
{
    if (!tls_conn) {
        tls_conn = naap_xcalloc(1, sizeof(*tls_conn));
        naap_thread_registry_add(&registry, &tls_conn->node);
    }
    return tls_conn;
}

/* The server forgets a session's named statements with the session, so they go with the
 * connection. */
static void forget_statements(struct db_conn *c)
{
    if (c->stmts)
        for (int i = 0; i < STMT_SLOTS; i++)
            free(c->stmts[i].sql);
    free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
}

static void drop(struct db_conn *c)
{
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    forget_statements(c);
    if (c->in_tx)
        c->tx_lost = true;
    c->in_tx = false;
}

/* libpq prints server notices to stderr by default; they belong in the JSON log. */
static void log_notice(void *arg, const char *message)
{
    char msg[256];
    (void)arg;
    snprintf(msg, sizeof(msg), "%s", message);
    msg[strcspn(msg, "\n")] = '\0';
    naap_log_debug("postgres notice: %s", msg);
}

static int connect_now(struct db_conn *c)
{
    char timeout[16], options[64];
    const char *keys[4], *vals[4];
    int n = 0;
    int64_t now = naap_clock_mono_ms();

    /* the pause ends early once another thread of this process has connected since our
     * failure: PostgreSQL is back, and no request should wait out a stale pause */
    if (now < c->retry_after_ms && atomic_load(&last_connect_ok_ms) <= c->failed_ms)
        return NAAP_EUNAVAILABLE;
    snprintf(timeout, sizeof(timeout), "%d", config->pg_connect_timeout_s);
    keys[n] = "dbname", vals[n++] = config->database_url;
    keys[n] = "connect_timeout", vals[n++] = timeout;
    /* PgBouncer 1.18 rejects startup options; there the timeout comes from SET LOCAL in
     * transactions and from the role's own setting (README: PgBouncer). */
    if (!config->pg_transaction_pooling) {
        snprintf(options, sizeof(options), "-c statement_timeout=%d",
                 config->pg_statement_timeout_ms);
        keys[n] = "options", vals[n++] = options;
    }
    keys[n] = NULL, vals[n] = NULL;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        char msg[256] = "out of memory";
        if (c->pg)
            snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->pg));
        msg[strcspn(msg, "\n")] = '\0';
        naap_log_warn("postgres connect failed: %s", msg);
        naap_metrics_inc(NAAP_M_PG_ERROR);
        drop(c);
        c->retry_after_ms = now + RECONNECT_PAUSE_MS;
        c->failed_ms = now;
        return NAAP_EUNAVAILABLE;
    }
    atomic_store(&last_connect_ok_ms, naap_clock_mono_ms());
    if (c->connected_before)
        naap_metrics_inc(NAAP_M_PG_RECONNECT);
    c->connected_before = true;
    c->lost = 0;
    /* Names differ between connections as well as within one: through a pooler that
     * hands this client another server session (PgBouncer in transaction mode), a name
     * of ours can only be missing there (26000, handled), never another client's
     * statement that would run our parameters through someone else's SQL. */
    unsigned char raw[8];
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), c->tag);
    PQsetNoticeProcessor(c->pg, log_notice, NULL);
    if (PQsetnonblocking(c->pg, 1) != 0) {
        drop(c);
        return NAAP_EUNAVAILABLE;
    }
    return NAAP_OK;
}

/* Waits for the whole result of the statement just sent, at most until deadline. */
static PGresult *await_result(struct db_conn *c, int64_t deadline, int *timed_out)
{
    PGresult *last = NULL, *r;
    int sock = PQsocket(c->pg);

    *timed_out = 0;
    for (;;) {
        while (PQflush(c->pg) == 1 || PQisBusy(c->pg)) {
            int64_t left = deadline - naap_clock_mono_ms();
            if (left <= 0) {
                *timed_out = 1;
                PQclear(last);
                return NULL;
            }
            struct pollfd pfd = {.fd = sock, .events = POLLIN};
            if (PQflush(c->pg) == 1)
                pfd.events |= POLLOUT;
            int rc = poll(&pfd, 1, (int)left);
            if (rc < 0 && errno != EINTR) {
                PQclear(last);
                return NULL;
            }
            if (rc > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c->pg)) {
                PQclear(last);
                return NULL;
            }
        }
        r = PQgetResult(c->pg);
        if (!r)
            return last;
        PQclear(last);
        last = r;
    }
}

static int classify(PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return NAAP_ERR;
    if (strcmp(state, "57014") == 0) /* query_canceled: statement_timeout fired */
        return NAAP_ETIMEDOUT;
    /* unique and foreign-key violations; serialization failure and deadlock, which a
     * transaction run again may pass (naap_db_tx) */
    if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0)
        return NAAP_ECONFLICT;
    /* 08P01 is the exception in class 08: the server sends it on a healthy connection
     * for a malformed request (a statement given the wrong number of parameters), a bug
     * in our SQL rather than an outage */
    if (strcmp(state, "08P01") == 0)
        return NAAP_ERR;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return NAAP_EUNAVAILABLE; /* connection exception, admin shutdown */
    return NAAP_ERR;
}

enum send { SEND_SIMPLE, SEND_PARAMS, SEND_PREPARE, SEND_PREPARED };

/* Sends one request and waits for its result, at most until deadline. NULL when none
 * came: the connection is then dropped, *rc says why, and *never_ran is set when the
 * request certainly did not reach the server (a failed send). */
static PGresult *exchange(struct db_conn *c, enum send kind, const char *name, const char *sql,
                          int nparams, const char *const *params, int64_t deadline, int *rc,
                          bool *never_ran)
{
    int sent = 0, timed_out;

    switch (kind) {
    case SEND_SIMPLE:
        sent = PQsendQuery(c->pg, sql);
        break;
    case SEND_PARAMS:
        sent = PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
        break;
    case SEND_PREPARE:
        sent = PQsendPrepare(c->pg, name, sql, nparams, NULL);
        break;
    case SEND_PREPARED:
        sent = PQsendQueryPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
        break;
    }
    if (!sent) {
        naap_log_warn("postgres send failed: %s", PQerrorMessage(c->pg));
        naap_metrics_inc(NAAP_M_PG_ERROR);
        drop(c);
        *never_ran = true;
        *rc = NAAP_EUNAVAILABLE;
        return NULL;
    }
    PGresult *res = await_result(c, deadline, &timed_out);
    if (!res) {
        /* no answer in time or the socket died: the connection's state is unknown, so it
         * is dropped rather than cancelled (PQcancel crashes PgBouncer 1.18) */
        naap_log_warn("postgres %s", timed_out ? "did not answer in time" : "connection lost");
        naap_metrics_inc(timed_out ? NAAP_M_PG_TIMEOUT : NAAP_M_PG_ERROR);
        drop(c);
        *rc = timed_out ? NAAP_ETIMEDOUT : NAAP_EUNAVAILABLE;
    }
    return res;
}

/* What the caller gets for a statement's result (which it takes over). *never_ran is set
 * when the server's termination notice (57P01, sent when it shut down) answered it. */
static int finish(struct db_conn *c, PGresult *res, naap_db_rows **rows, bool *never_ran)
{
    int rc;
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (rows) {
            *rows = naap_xmalloc(sizeof(**rows));
            (*rows)->res = res;
        } else {
            PQclear(res);
        }
        return NAAP_OK;
    }
    rc = classify(res);
    /* conflicts are answers (409, a retried transaction), not failures of the database */
    if (rc == NAAP_ETIMEDOUT)
        naap_metrics_inc(NAAP_M_PG_TIMEOUT);
    else if (rc != NAAP_ECONFLICT)
        naap_metrics_inc(NAAP_M_PG_ERROR);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    *never_ran = state && strcmp(state, "57P01") == 0;
    if (rc == NAAP_ERR || rc == NAAP_EUNAVAILABLE) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
        msg[strcspn(msg, "\n")] = '\0';
        naap_log_error("postgres error: %s", msg);
    }
    PQclear(res);
    if (PQstatus(c->pg) != CONNECTION_OK || *never_ran)
        drop(c);
    return rc;
}

/* FNV-1a: the cache is per connection and keyed by text naapd wrote, so nothing needs a
 * hash an outsider cannot steer. */
static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* sql's entry in this connection's cache, made when there is room; NULL: run it unnamed. */
static struct stmt *statement_of(struct db_conn *c, const char *sql)
{
    uint64_t h = sql_hash(sql);
    if (!c->stmts)
        c->stmts = naap_xcalloc(STMT_SLOTS, sizeof(*c->stmts));
    for (size_t i = h % STMT_SLOTS;; i = (i + 1) % STMT_SLOTS) {
        struct stmt *s = &c->stmts[i];
        if (!s->sql) {
            if (c->nstmts >= STMT_MAX)
                return NULL;
            s->sql = naap_xstrdup(sql);
            s->hash = h;
            s->prepared = false;
            c->nstmts++;
            return s;
        }
        if (s->hash == h && strcmp(s->sql, sql) == 0)
            return s;
    }
}

static void statement_name(const struct db_conn *c, const struct stmt *s, char name[40])
{
    snprintf(name, 40, "naap_%s_%u", c->tag, s->id);
}

/* Outside transactions only: a statement the server no longer knows fails at Bind, and
 * inside a transaction that failure would abort the caller's work where running it
 * unnamed would have succeeded. Transactions keep planning every statement, as before. */
static bool use_prepared(const struct db_conn *c, bool simple)
{
    return !simple && config->pg_prepared_statements && !c->in_tx && c->lost < STMT_LOST_MAX;
}

/* Prepares s on this connection. A Parse error is the statement's own error (the unnamed
 * path parses the same text the same way): it is answered as one, and the text stays
 * unprepared. */
static int prepare(struct db_conn *c, struct stmt *s, int nparams, int64_t deadline,
                   bool *never_ran)
{
    char name[40];
    int rc;

    s->id = ++c->next_id; /* never reuse a name the server may still hold */
    statement_name(c, s, name);
    PGresult *res =
        exchange(c, SEND_PREPARE, name, s->sql, nparams, NULL, deadline, &rc, never_ran);
    if (!res)
        return rc;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return finish(c, res, NULL, never_ran);
    PQclear(res);
    s->prepared = true;
    return NAAP_OK;
}

/* Whether the server refused to run a prepared statement because of the statement
 * itself: its session lost it (26000: a DISCARD ALL, or a pooler that switched server
 * sessions), or an ALTER changed a column it returns (0A000, "cached plan must not change
 * result type"; matched by code alone, since the text is translated). Such a statement
 * runs once unnamed; an error that was not about preparing comes back from that run just
 * as it did before. */
static bool statement_lost(PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0);
}

/* Frees the server's copy of s, so that a connection holds at most STMT_MAX of them. */
static int deallocate(struct db_conn *c, const struct stmt *s, int64_t deadline, bool *never_ran)
{
    char name[40], sql[64];
    int rc;

    statement_name(c, s, name);
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
    PGresult *res = exchange(c, SEND_SIMPLE, NULL, sql, 0, NULL, deadline, &rc, never_ran);
    PQclear(res); /* already gone is as good as freed */
    return res ? NAAP_OK : rc;
}

/* One attempt. *never_ran is set when the statement certainly did not execute because
 * the connection was already dead: the server's termination notice (57P01, sent when it
 * shut down) or a failed send. */
static int run_once(struct db_conn *c, const char *sql, int nparams, const char *const *params,
                    naap_db_rows **rows, int timeout_ms, bool simple, bool *never_ran)
{
    int64_t deadline = naap_clock_mono_ms() + timeout_ms;
    struct stmt *s = use_prepared(c, simple) ? statement_of(c, sql) : NULL;
    PGresult *res;
    int rc = NAAP_OK;

    *never_ran = false;
    if (s && !s->prepared && (rc = prepare(c, s, nparams, deadline, never_ran)) != NAAP_OK)
        return rc;
    if (s) {
        char name[40];
        statement_name(c, s, name);
        res = exchange(c, SEND_PREPARED, name, NULL, nparams, params, deadline, &rc, never_ran);
        if (!res)
            return rc;
        if (!statement_lost(res))
            return finish(c, res, rows, never_ran);
        bool missing = strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "26000") == 0;
        PQclear(res);
        s->prepared = false;
        naap_log_debug("prepared statement %s: running it unnamed once",
                       missing ? "missing" : "refused");
        if (missing && ++c->lost == STMT_LOST_MAX)
            naap_log_warn("PG_PREPARED_STATEMENTS: the server keeps losing this connection's "
                          "statements (PgBouncer before 1.21 in transaction mode?); this "
                          "connection runs them unnamed from now on");
        if (!missing && (rc = deallocate(c, s, deadline, never_ran)) != NAAP_OK)
            return rc;
    }
    res = exchange(c, simple ? SEND_SIMPLE : SEND_PARAMS, NULL, sql, nparams, params, deadline, &rc,
                   never_ran);
    return res ? finish(c, res, rows, never_ran) : rc;
}

/* An idle connection has nothing to read unless the server said goodbye (FATAL 57P01 on
 * shutdown, idle_session_timeout) or, rarely, reported a parameter change. libpq only
 * notices the goodbye when it next reads, so a readable idle socket is reason enough to
 * start over on a fresh connection. */
static bool idle_connection_usable(struct db_conn *c)
{
    struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
    return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

static int run(const char *sql, int nparams, const char *const *params, naap_db_rows **rows,
               int timeout_ms, bool simple)
{
    struct db_conn *c = thread_conn();
    bool never_ran;
    int rc;

    if (rows)
        *rows = NULL;
    if (!config || c->tx_lost)
        return NAAP_EUNAVAILABLE;
    if (c->pg && !c->in_tx && !idle_connection_usable(c))
        drop(c); /* closed by the server while idle (restart, idle timeout): reconnect now */
    bool reused = c->pg != NULL, in_tx = c->in_tx; /* drop() clears in_tx */
    if (!c->pg && (rc = connect_now(c)) != NAAP_OK)
        return rc;
    char *own = naap_own_schema_expand(sql, config->naapd_schema);
    if (own)
        sql = own;
    rc = run_once(c, sql, nparams, params, rows, timeout_ms, simple, &never_ran);
    /* an idle connection killed by a PostgreSQL restart should not fail the request that
     * happens to find it: retry once on a fresh one, outside transactions only */
    if (rc != NAAP_OK && never_ran && reused && !in_tx) {
        if ((rc = connect_now(c)) == NAAP_OK)
            rc = run_once(c, sql, nparams, params, rows, timeout_ms, simple, &never_ran);
    }
    free(own);
    return rc;
}

int naap_db_query(const char *sql, int nparams, const char *const *params, naap_db_rows **rows)
{
    int timeout = config ? config->pg_statement_timeout_ms + CLIENT_GRACE_MS : 1000;
    return run(sql, nparams, params, rows, timeout, false);
}

int naap_db_query_timeout(const char *sql, int nparams, const char *const *params,
                          naap_db_rows **rows, int timeout_ms)
{
    return run(sql, nparams, params, rows, timeout_ms, false);
}

int naap_db_begin(void)
{
    char sql[96];
    int rc;

    if (thread_conn()->in_tx || thread_conn()->tx_lost) {
        naap_log_error("BUG: a transaction was begun inside an open one");
        return NAAP_ERR;
    }
    if (!config)
        return NAAP_EUNAVAILABLE;
    if (config->pg_transaction_pooling)
        snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL statement_timeout = %d",
                 config->pg_statement_timeout_ms);
    else
        snprintf(sql, sizeof(sql), "BEGIN");
    /* the extended protocol refuses two statements in one string; the simple one takes
     * them, so BEGIN and its timeout cost one round trip */
    rc = run(sql, 0, NULL, NULL, config->pg_statement_timeout_ms + CLIENT_GRACE_MS, true);
    if (rc == NAAP_OK)
        thread_conn()->in_tx = true;
    return rc;
}

int naap_db_commit(void)
{
    naap_db_rows *rows = NULL;
    int rc = naap_db_query("COMMIT", 0, NULL, &rows);
    /* PostgreSQL answers COMMIT of a transaction that already failed with "ROLLBACK" and
     * no error: that is a failed write, not a success */
    if (rc == NAAP_OK && strcmp(PQcmdStatus(rows->res), "COMMIT") != 0) {
        naap_log_error("COMMIT rolled back: the transaction had failed");
        rc = NAAP_ERR;
    }
    naap_db_rows_free(rows);
    thread_conn()->in_tx = false;
    thread_conn()->tx_lost = false;
    return rc;
}

bool naap_db_in_tx(void)
{
    return tls_conn && tls_conn->in_tx;
}

void naap_db_rollback(void)
{
    struct db_conn *c = thread_conn();
    if (c->in_tx && c->pg)
        naap_db_query("ROLLBACK", 0, NULL, NULL);
    c->in_tx = false;
    c->tx_lost = false;
}

int naap_db_rows_count(const naap_db_rows *rows)
{
    return rows ? PQntuples(rows->res) : 0;
}

long naap_db_rows_affected(const naap_db_rows *rows)
{
    return rows ? strtol(PQcmdTuples(rows->res), NULL, 10) : 0;
}

const char *naap_db_value(const naap_db_rows *rows, int row, int col)
{
    if (PQgetisnull(rows->res, row, col))
        return NULL;
    return PQgetvalue(rows->res, row, col);
}

void naap_db_rows_free(naap_db_rows *rows)
{
    if (!rows)
        return;
    PQclear(rows->res);
    free(rows);
}

void naap_db_close_all(void)
{
    naap_thread_node *n = naap_thread_registry_take_all(&registry);
    while (n) {
        struct db_conn *c = (struct db_conn *)n;
        n = n->next;
        drop(c);
        free(c);
    }
    tls_conn = NULL;
}
