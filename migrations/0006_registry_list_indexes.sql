-- naapd:no-transaction
-- naapd migration 0006: naapd's own indexes for the package list (GET /registry/packages,
-- /marketplace, /plugins; src/store/package.c naap_package_list), so its sort and search
-- paths walk an index instead of sorting or scanning every package (issue 13).
--
-- Like 0002: one statement at a time outside a transaction, CONCURRENTLY where SQL allows
-- it, IF NOT EXISTS so a re-run (after an interruption) is harmless, tables
-- schema-qualified. Not in `naapd check-schema`'s list: they make the list fast, nothing
-- fails without them. deploy/prisma/naapd.prisma section 4 has them for schema.prisma.
--
-- Sort paths: ORDER BY <key>, id LIMIT n walks one of these and stops after n rows. Not
-- partial: the registry lists drafts too and the marketplace only published packages,
-- and a full index serves both (each filters NOT deprecated / publishStatus on the rows
-- it walks), which Prisma can also express. sort=name walks Prisma's unique
-- "PluginPackage_name_key" (the id tie-break then sorts nothing: names are unique).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_downloads"
  ON "public"."PluginPackage"("downloads" DESC, "id");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_rating"
  ON "public"."PluginPackage"("rating" DESC, "id");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_created"
  ON "public"."PluginPackage"("createdAt" DESC, "id");

-- Search, keyword arm: keywords @> ARRAY[term].
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_keywords"
  ON "public"."PluginPackage" USING gin ("keywords");

-- Search, substring arms: name/displayName/description ILIKE '%term%'. A B-tree cannot
-- answer a leading wildcard; a pg_trgm GIN index can (for terms of 3 or more characters).
-- pg_trgm ships with PostgreSQL's contrib (Debian: in postgresql-15) and is a trusted
-- extension, so a role with CREATE on the database (which `naapd migrate` needs anyway)
-- may create it. When it is missing or refused, migrate goes on with a WARNING on stderr
-- and without this index: search then filters the rows it reads, as before. To add it
-- later (as a role that may):
--   CREATE EXTENSION IF NOT EXISTS pg_trgm;
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_search_trgm" ON "public"."PluginPackage"
--     USING gin ("name" gin_trgm_ops, "displayName" gin_trgm_ops, "description" gin_trgm_ops);
-- SQL has no conditional statement and CREATE INDEX CONCURRENTLY cannot run inside DO, so
-- here it is built in the DO block without CONCURRENTLY: that holds off writes to
-- PluginPackage (publish, deprecate, reviews) while it builds, which at a registry's size
-- is well under a second; reads go on.
DO $$
DECLARE
    opclass_schema name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE WARNING 'naapd 0006: extension pg_trgm is not installed on the server '
                      '(Debian: postgresql-contrib); package search goes without '
                      'idx_packages_search_trgm';
        RETURN;
    END IF;
    -- refused: no CREATE on the database (pg_trgm is trusted from PostgreSQL 13 on), or a
    -- hosted service's extension allow-list; whatever the reason, it is only this index
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'naapd 0006: CREATE EXTENSION pg_trgm failed: % (SQLSTATE %); '
                      'package search goes without idx_packages_search_trgm', SQLERRM, SQLSTATE;
        RETURN;
    END;
    -- wherever the extension lives (an operator may have made it in another schema)
    SELECT n.nspname INTO opclass_schema FROM pg_opclass c
      JOIN pg_namespace n ON n.oid = c.opcnamespace
      JOIN pg_am a ON a.oid = c.opcmethod
     WHERE c.opcname = 'gin_trgm_ops' AND a.amname = 'gin' LIMIT 1;
    EXECUTE format('CREATE INDEX IF NOT EXISTS "idx_packages_search_trgm"'
                   ' ON "public"."PluginPackage" USING gin ('
                   '"name" %1$I.gin_trgm_ops, "displayName" %1$I.gin_trgm_ops,'
                   ' "description" %1$I.gin_trgm_ops)', opclass_schema);
END
$$;
