-- naapd migration 0003: login lockout per (email, client IP) (decisions.md 4).
--
-- base-svc locks a whole account (User.lockedUntil) after 5 failures from anywhere, so
-- anyone can lock anyone out. naapd counts failures per (email, address) pair instead,
-- which needs state the Prisma schema has no place for: this table, naapd's own (like
-- naapd_migrations), which base-svc never reads. LoginAttempt rows are still written as
-- upstream does. A row lives from a pair's first failure until a success, a password
-- reset, or pruning of rows idle for an hour.

CREATE TABLE IF NOT EXISTS "naapd_login_lockout" (
    "email" TEXT NOT NULL,
    "ipAddress" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "naapd_login_lockout_pkey" PRIMARY KEY ("email", "ipAddress")
);

CREATE INDEX IF NOT EXISTS "naapd_login_lockout_updatedAt_idx"
    ON "naapd_login_lockout"("updatedAt");
