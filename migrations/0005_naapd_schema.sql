-- naapd migration 0005: naapd's own tables move out of public into naapd's schema.
--
-- public belongs to Prisma: `prisma db push` offers to drop tables it does not know and
-- `prisma migrate dev` calls them drift and offers a reset, either of which would erase
-- naapd's lockout state. {naapd} is NAAPD_SCHEMA (default naapd), put in by the runner,
-- which has already moved naapd_migrations itself (src/store/migrate.c). ALTER TABLE ...
-- SET SCHEMA keeps the rows, the indexes and the constraints, and takes an exclusive lock
-- only for the moment of the catalog update.
--
-- Re-runnable: a table already in {naapd} is left alone; a copy found in public as well is
-- a leftover of an older naapd run after the move, and is dropped (lockout rows live 30
-- minutes at most, so nothing of value goes with it).

SET LOCAL client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS {naapd};

DO $$
BEGIN
    IF to_regclass('public.naapd_login_lockout') IS NOT NULL THEN
        IF to_regclass('{naapd}.naapd_login_lockout') IS NULL THEN
            ALTER TABLE public.naapd_login_lockout SET SCHEMA {naapd};
        ELSE
            DROP TABLE public.naapd_login_lockout;
        END IF;
    END IF;
END
$$;
