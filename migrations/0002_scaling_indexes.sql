-- naapd:no-transaction
-- naapd migration 0002: the extra indexes of the scaling guide (SCALING-GUIDE.md section 7).
--
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block, hence the marker on
-- line 1: the runner executes this file one statement at a time, outside a transaction,
-- so building these on a large live table does not block writers.
-- Index names are the guide's, so an operator who already applied the guide's migration by
-- hand gets no duplicates (IF NOT EXISTS matches by name).
-- Tables are schema-qualified because no search_path is set for these statements.
--
-- The guide names columns that do not exist in the real (Prisma) schema. Each such index
-- is built on the column that plays that role instead, as noted per statement.
--
-- A failed CONCURRENTLY build leaves an INVALID index behind, which IF NOT EXISTS would then
-- skip forever. If a run of this file is interrupted, check pg_index.indisvalid and drop
-- any invalid idx_* index before re-running.

-- User lookups (auth)
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_users_email" ON "public"."User"("email");

-- Guide: "User"("authProvider", "providerId"). User has no such columns, OAuth identities
-- live in OAuthAccount. Same columns as the unique index
-- OAuthAccount_provider_providerAccountId_key, so this one is redundant, kept only so the
-- guide's index set exists under its names.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_users_provider"
  ON "public"."OAuthAccount"("provider", "providerAccountId");

-- Team member lookups
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_team_members_user" ON "public"."TeamMember"("userId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_team_members_team_role" ON "public"."TeamMember"("teamId", "role");

-- Plugin queries
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_plugin_installs_team" ON "public"."TeamPluginInstall"("teamId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_plugin_installs_deployment" ON "public"."TeamPluginInstall"("deploymentId");
-- Guide: ("teamMemberId"). The column is "memberId".
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_plugin_access_member" ON "public"."TeamMemberPluginAccess"("memberId");

-- Marketplace
-- Guide: WHERE "isPublished" = true. There is no such column, publication is
-- "publishStatus" ('draft', 'published', 'unlisted', 'deprecated').
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_category_published"
  ON "public"."PluginPackage"("category") WHERE "publishStatus" = 'published';
-- Guide: ("packageId", "createdAt" DESC). PluginVersion has no createdAt, its timestamp
-- (and the "latest version" ordering key) is "publishedAt".
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_versions_package_created"
  ON "public"."PluginVersion"("packageId", "publishedAt" DESC);

-- Session/Token lookups
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_sessions_user" ON "public"."Session"("userId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_sessions_expires" ON "public"."Session"("expiresAt");
