-- naapd migration 0001: the public-schema tables, indexes and foreign keys that NaaP's
-- base-svc uses (spec: schema.md, Prisma schema @ b1b0ae7d plus PluginReview and the
-- WorkflowPlugin bundle columns from 037fa2d2).
--
-- NaaP creates these tables with `prisma db push`, so on a live database they already
-- exist and this file must change nothing there: every object is created only if its
-- name is absent, and nothing is ever altered or dropped. On an empty database it yields
-- exactly what Prisma would have created, so base-svc and naapd can share the database
-- in either order.
--
-- Runs as one transaction (PQexec of the whole file), hence SET LOCAL. Names follow
-- Prisma's conventions verbatim because the Node services query them by these names.

SET LOCAL search_path = public;
-- "already exists, skipping" notices are the expected case on a live database.
SET LOCAL client_min_messages = warning;

-- ---------------------------------------------------------------------------------------
-- Identity & auth
-- ---------------------------------------------------------------------------------------

-- ids are TEXT without a default: Prisma generates uuid() client-side, so naapd must too.
-- @updatedAt columns likewise have no default: the writer sets them on insert and update.
CREATE TABLE IF NOT EXISTS "User" (
    "id" TEXT NOT NULL,
    "email" TEXT,
    "passwordHash" TEXT,
    "emailVerified" TIMESTAMP(3),
    "address" TEXT,
    "displayName" TEXT,
    "avatarUrl" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "LoginAttempt" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "ipAddress" TEXT,
    "success" BOOLEAN NOT NULL DEFAULT false,
    "userId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoginAttempt_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- userId is a plain column without FK upstream (here and in EmailVerificationToken), so
-- deleting a user leaves their tokens behind. Kept that way to match the live schema.
CREATE TABLE IF NOT EXISTS "PasswordResetToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PasswordResetToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "EmailVerificationToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailVerificationToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "UserConfig" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "theme" TEXT NOT NULL DEFAULT 'dark',
    "preferences" JSONB DEFAULT '{}',
    "debugEnabled" BOOLEAN NOT NULL DEFAULT true,
    "debugDisabledBy" TEXT,
    "debugDisabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserConfig_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "OAuthAccount" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthAccount_pkey" PRIMARY KEY ("id")
);

-- Prisma emits scalar lists without NOT NULL even though the field is required.
CREATE TABLE IF NOT EXISTS "Role" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "description" TEXT,
    "permissions" JSONB NOT NULL,
    "canAssign" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "inherits" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "scope" TEXT NOT NULL DEFAULT 'system',
    "pluginName" TEXT,
    "isSystem" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Role_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "UserRole" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,
    "grantedBy" TEXT,
    "grantedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserRole_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------
-- Teams
-- ---------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS "Team" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "description" TEXT,
    "avatarUrl" TEXT,
    "ownerId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- invitedBy is a user id without FK, as upstream.
CREATE TABLE IF NOT EXISTS "TeamMember" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'member',
    "invitedBy" TEXT,
    "joinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------
-- Marketplace / registry
-- ---------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS "Publisher" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT,
    "githubOrg" TEXT,
    "githubUser" TEXT,
    "email" TEXT,
    "avatarUrl" TEXT,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Publisher_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "PluginPackage" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "description" TEXT,
    "category" TEXT NOT NULL DEFAULT 'other',
    "author" TEXT,
    "authorEmail" TEXT,
    "repository" TEXT,
    "githubRepo" TEXT,
    "license" TEXT,
    "keywords" TEXT[],
    "icon" TEXT,
    "downloads" INTEGER NOT NULL DEFAULT 0,
    "rating" DOUBLE PRECISION,
    "deprecated" BOOLEAN NOT NULL DEFAULT false,
    "isCore" BOOLEAN NOT NULL DEFAULT false,
    "publishStatus" TEXT NOT NULL DEFAULT 'draft',
    "publisherId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginPackage_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "PluginVersion" (
    "id" TEXT NOT NULL,
    "packageId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "manifest" JSONB NOT NULL,
    "frontendUrl" TEXT,
    "backendImage" TEXT,
    "releaseNotes" TEXT,
    "deprecated" BOOLEAN NOT NULL DEFAULT false,
    "deprecationMsg" TEXT,
    "downloads" INTEGER NOT NULL DEFAULT 0,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PluginVersion_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "PluginInstallation" (
    "id" TEXT NOT NULL,
    "packageId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "containerPort" INTEGER,
    "databaseName" TEXT,
    "frontendPort" INTEGER,
    "config" JSONB,
    "installedAt" TIMESTAMP(3),
    "lastHealthCheck" TIMESTAMP(3),
    "healthStatus" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginInstallation_pkey" PRIMARY KEY ("id")
);

-- Absent from the schema at b1b0ae7d (upstream's review endpoints fail there), defined as
-- in 037fa2d2 so the review endpoints can work.
CREATE TABLE IF NOT EXISTS "PluginReview" (
    "id" TEXT NOT NULL,
    "packageId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "comment" TEXT,
    "displayName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginReview_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------
-- Team plugin installation
-- ---------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS "PluginDeployment" (
    "id" TEXT NOT NULL,
    "packageId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "frontendUrl" TEXT,
    "backendUrl" TEXT,
    "containerPort" INTEGER,
    "databaseSchema" TEXT,
    "activeInstalls" INTEGER NOT NULL DEFAULT 0,
    "deployedAt" TIMESTAMP(3),
    "lastHealthCheck" TIMESTAMP(3),
    "healthStatus" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginDeployment_pkey" PRIMARY KEY ("id")
);

-- installedBy is a user id without FK, as upstream.
CREATE TABLE IF NOT EXISTS "TeamPluginInstall" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "installedBy" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "pinnedVersionId" TEXT,
    "sharedConfig" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamPluginInstall_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "TeamMemberPluginAccess" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "pluginInstallId" TEXT NOT NULL,
    "visible" BOOLEAN NOT NULL DEFAULT true,
    "canUse" BOOLEAN NOT NULL DEFAULT true,
    "canConfigure" BOOLEAN NOT NULL DEFAULT false,
    "pluginRole" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamMemberPluginAccess_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "TeamMemberPluginConfig" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "pluginInstallId" TEXT NOT NULL,
    "personalConfig" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamMemberPluginConfig_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------
-- Per-user plugin list, plugin config, audit
-- ---------------------------------------------------------------------------------------

-- "order" is a reserved word: the column must always be quoted.
CREATE TABLE IF NOT EXISTS "WorkflowPlugin" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "remoteUrl" TEXT NOT NULL,
    "routes" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "order" INTEGER NOT NULL DEFAULT 0,
    "icon" TEXT,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WorkflowPlugin_pkey" PRIMARY KEY ("id")
);

-- pluginName matches WorkflowPlugin.name by convention only (no FK upstream).
CREATE TABLE IF NOT EXISTS "UserPluginPreference" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "pluginName" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "order" INTEGER,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserPluginPreference_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "PluginConfig" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginConfig_pkey" PRIMARY KEY ("id")
);

-- userId has no FK so audit rows survive the deletion of their user.
CREATE TABLE IF NOT EXISTS "AuditLog" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "resourceId" TEXT,
    "userId" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "details" JSONB,
    "status" TEXT NOT NULL DEFAULT 'success',
    "errorMsg" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------
-- WorkflowPlugin bundle columns: an ADDITION over the live (b1b0ae7d) schema.
-- POST /base/plugins writes these fields, and upstream fails without them. bundleUrl,
-- stylesUrl, globalName and deploymentType are defined as upstream 037fa2d2 later added
-- them, so a future `prisma db push` of that schema finds them already in place.
-- bundleHash and bundleSize exist in no upstream schema (naapd's choice of types).
-- All nullable, so rows written by the Node service stay valid.
-- ---------------------------------------------------------------------------------------
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "bundleUrl" TEXT;
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "stylesUrl" TEXT;
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "globalName" TEXT;
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "deploymentType" TEXT DEFAULT 'cdn';
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "bundleHash" TEXT;
ALTER TABLE "WorkflowPlugin" ADD COLUMN IF NOT EXISTS "bundleSize" INTEGER;

-- ---------------------------------------------------------------------------------------
-- Unique indexes (@unique / @@unique) and plain indexes (@@index).
-- IF NOT EXISTS matches by name only, which is what we want: Prisma's names are fixed.
-- ---------------------------------------------------------------------------------------

CREATE UNIQUE INDEX IF NOT EXISTS "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX IF NOT EXISTS "User_address_key" ON "User"("address");

CREATE INDEX IF NOT EXISTS "LoginAttempt_email_createdAt_idx" ON "LoginAttempt"("email", "createdAt");
CREATE INDEX IF NOT EXISTS "LoginAttempt_ipAddress_createdAt_idx" ON "LoginAttempt"("ipAddress", "createdAt");

CREATE UNIQUE INDEX IF NOT EXISTS "Session_token_key" ON "Session"("token");
CREATE INDEX IF NOT EXISTS "Session_userId_idx" ON "Session"("userId");
-- Redundant with Session_token_key, kept because upstream declares it.
CREATE INDEX IF NOT EXISTS "Session_token_idx" ON "Session"("token");
CREATE INDEX IF NOT EXISTS "Session_expiresAt_idx" ON "Session"("expiresAt");

CREATE UNIQUE INDEX IF NOT EXISTS "PasswordResetToken_token_key" ON "PasswordResetToken"("token");
CREATE INDEX IF NOT EXISTS "PasswordResetToken_userId_idx" ON "PasswordResetToken"("userId");
CREATE INDEX IF NOT EXISTS "PasswordResetToken_token_idx" ON "PasswordResetToken"("token");
CREATE INDEX IF NOT EXISTS "PasswordResetToken_expiresAt_idx" ON "PasswordResetToken"("expiresAt");

CREATE UNIQUE INDEX IF NOT EXISTS "EmailVerificationToken_token_key" ON "EmailVerificationToken"("token");
CREATE INDEX IF NOT EXISTS "EmailVerificationToken_userId_idx" ON "EmailVerificationToken"("userId");
CREATE INDEX IF NOT EXISTS "EmailVerificationToken_token_idx" ON "EmailVerificationToken"("token");
CREATE INDEX IF NOT EXISTS "EmailVerificationToken_expiresAt_idx" ON "EmailVerificationToken"("expiresAt");

CREATE UNIQUE INDEX IF NOT EXISTS "UserConfig_userId_key" ON "UserConfig"("userId");

CREATE UNIQUE INDEX IF NOT EXISTS "OAuthAccount_provider_providerAccountId_key" ON "OAuthAccount"("provider", "providerAccountId");
CREATE INDEX IF NOT EXISTS "OAuthAccount_userId_idx" ON "OAuthAccount"("userId");

CREATE UNIQUE INDEX IF NOT EXISTS "Role_name_key" ON "Role"("name");
CREATE INDEX IF NOT EXISTS "Role_scope_idx" ON "Role"("scope");
CREATE INDEX IF NOT EXISTS "Role_pluginName_idx" ON "Role"("pluginName");

CREATE UNIQUE INDEX IF NOT EXISTS "UserRole_userId_roleId_key" ON "UserRole"("userId", "roleId");
CREATE INDEX IF NOT EXISTS "UserRole_userId_idx" ON "UserRole"("userId");

CREATE UNIQUE INDEX IF NOT EXISTS "Team_slug_key" ON "Team"("slug");
CREATE INDEX IF NOT EXISTS "Team_ownerId_idx" ON "Team"("ownerId");

CREATE UNIQUE INDEX IF NOT EXISTS "TeamMember_teamId_userId_key" ON "TeamMember"("teamId", "userId");
CREATE INDEX IF NOT EXISTS "TeamMember_userId_idx" ON "TeamMember"("userId");
CREATE INDEX IF NOT EXISTS "TeamMember_teamId_idx" ON "TeamMember"("teamId");
CREATE INDEX IF NOT EXISTS "TeamMember_teamId_role_idx" ON "TeamMember"("teamId", "role");

CREATE UNIQUE INDEX IF NOT EXISTS "Publisher_name_key" ON "Publisher"("name");
CREATE UNIQUE INDEX IF NOT EXISTS "Publisher_githubOrg_key" ON "Publisher"("githubOrg");
CREATE UNIQUE INDEX IF NOT EXISTS "Publisher_githubUser_key" ON "Publisher"("githubUser");
CREATE INDEX IF NOT EXISTS "Publisher_githubOrg_idx" ON "Publisher"("githubOrg");
CREATE INDEX IF NOT EXISTS "Publisher_githubUser_idx" ON "Publisher"("githubUser");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginPackage_name_key" ON "PluginPackage"("name");
CREATE INDEX IF NOT EXISTS "PluginPackage_category_idx" ON "PluginPackage"("category");
CREATE INDEX IF NOT EXISTS "PluginPackage_deprecated_idx" ON "PluginPackage"("deprecated");
CREATE INDEX IF NOT EXISTS "PluginPackage_publisherId_idx" ON "PluginPackage"("publisherId");
CREATE INDEX IF NOT EXISTS "PluginPackage_publishStatus_idx" ON "PluginPackage"("publishStatus");
CREATE INDEX IF NOT EXISTS "PluginPackage_isCore_idx" ON "PluginPackage"("isCore");
CREATE INDEX IF NOT EXISTS "PluginPackage_publishStatus_category_deprecated_idx" ON "PluginPackage"("publishStatus", "category", "deprecated");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginVersion_packageId_version_key" ON "PluginVersion"("packageId", "version");
CREATE INDEX IF NOT EXISTS "PluginVersion_packageId_publishedAt_idx" ON "PluginVersion"("packageId", "publishedAt");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginInstallation_packageId_key" ON "PluginInstallation"("packageId");
CREATE INDEX IF NOT EXISTS "PluginInstallation_status_idx" ON "PluginInstallation"("status");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginReview_packageId_userId_key" ON "PluginReview"("packageId", "userId");
CREATE INDEX IF NOT EXISTS "PluginReview_packageId_createdAt_idx" ON "PluginReview"("packageId", "createdAt");
CREATE INDEX IF NOT EXISTS "PluginReview_userId_idx" ON "PluginReview"("userId");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginDeployment_packageId_key" ON "PluginDeployment"("packageId");
CREATE INDEX IF NOT EXISTS "PluginDeployment_status_idx" ON "PluginDeployment"("status");
CREATE INDEX IF NOT EXISTS "PluginDeployment_healthStatus_idx" ON "PluginDeployment"("healthStatus");

CREATE UNIQUE INDEX IF NOT EXISTS "TeamPluginInstall_teamId_deploymentId_key" ON "TeamPluginInstall"("teamId", "deploymentId");
CREATE INDEX IF NOT EXISTS "TeamPluginInstall_teamId_idx" ON "TeamPluginInstall"("teamId");
CREATE INDEX IF NOT EXISTS "TeamPluginInstall_deploymentId_idx" ON "TeamPluginInstall"("deploymentId");

CREATE UNIQUE INDEX IF NOT EXISTS "TeamMemberPluginAccess_memberId_pluginInstallId_key" ON "TeamMemberPluginAccess"("memberId", "pluginInstallId");
CREATE INDEX IF NOT EXISTS "TeamMemberPluginAccess_memberId_idx" ON "TeamMemberPluginAccess"("memberId");
CREATE INDEX IF NOT EXISTS "TeamMemberPluginAccess_pluginInstallId_idx" ON "TeamMemberPluginAccess"("pluginInstallId");

CREATE UNIQUE INDEX IF NOT EXISTS "TeamMemberPluginConfig_memberId_pluginInstallId_key" ON "TeamMemberPluginConfig"("memberId", "pluginInstallId");
CREATE INDEX IF NOT EXISTS "TeamMemberPluginConfig_memberId_idx" ON "TeamMemberPluginConfig"("memberId");
CREATE INDEX IF NOT EXISTS "TeamMemberPluginConfig_pluginInstallId_idx" ON "TeamMemberPluginConfig"("pluginInstallId");

CREATE UNIQUE INDEX IF NOT EXISTS "WorkflowPlugin_name_key" ON "WorkflowPlugin"("name");
CREATE INDEX IF NOT EXISTS "WorkflowPlugin_enabled_order_idx" ON "WorkflowPlugin"("enabled", "order");

CREATE UNIQUE INDEX IF NOT EXISTS "UserPluginPreference_userId_pluginName_key" ON "UserPluginPreference"("userId", "pluginName");
CREATE INDEX IF NOT EXISTS "UserPluginPreference_userId_idx" ON "UserPluginPreference"("userId");

CREATE UNIQUE INDEX IF NOT EXISTS "PluginConfig_key_key" ON "PluginConfig"("key");

CREATE INDEX IF NOT EXISTS "AuditLog_action_createdAt_idx" ON "AuditLog"("action", "createdAt");
CREATE INDEX IF NOT EXISTS "AuditLog_resource_resourceId_idx" ON "AuditLog"("resource", "resourceId");
CREATE INDEX IF NOT EXISTS "AuditLog_userId_createdAt_idx" ON "AuditLog"("userId", "createdAt");
CREATE INDEX IF NOT EXISTS "AuditLog_createdAt_idx" ON "AuditLog"("createdAt");

-- ---------------------------------------------------------------------------------------
-- Foreign keys. PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS, so each one is added only
-- when no constraint of that name exists on that public table. A database that predates
-- some FK (e.g. one built without "Publisher") gains it, a Prisma-built one is untouched.
-- The userId columns of PasswordResetToken, EmailVerificationToken and AuditLog have no
-- FK on purpose (schema.md section 7).
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT * FROM (VALUES
            ('LoginAttempt',           'LoginAttempt_userId_fkey',                   'userId',          'User',              'SET NULL'),
            ('Session',                'Session_userId_fkey',                        'userId',          'User',              'CASCADE'),
            ('UserConfig',             'UserConfig_userId_fkey',                     'userId',          'User',              'CASCADE'),
            ('OAuthAccount',           'OAuthAccount_userId_fkey',                   'userId',          'User',              'CASCADE'),
            ('UserRole',               'UserRole_userId_fkey',                       'userId',          'User',              'CASCADE'),
            ('UserRole',               'UserRole_roleId_fkey',                       'roleId',          'Role',              'CASCADE'),
            ('Team',                   'Team_ownerId_fkey',                          'ownerId',         'User',              'CASCADE'),
            ('TeamMember',             'TeamMember_teamId_fkey',                     'teamId',          'Team',              'CASCADE'),
            ('TeamMember',             'TeamMember_userId_fkey',                     'userId',          'User',              'CASCADE'),
            ('PluginPackage',          'PluginPackage_publisherId_fkey',             'publisherId',     'Publisher',         'SET NULL'),
            ('PluginVersion',          'PluginVersion_packageId_fkey',               'packageId',       'PluginPackage',     'CASCADE'),
            ('PluginInstallation',     'PluginInstallation_packageId_fkey',          'packageId',       'PluginPackage',     'CASCADE'),
            ('PluginInstallation',     'PluginInstallation_versionId_fkey',          'versionId',       'PluginVersion',     'CASCADE'),
            ('PluginReview',           'PluginReview_packageId_fkey',                'packageId',       'PluginPackage',     'CASCADE'),
            ('PluginReview',           'PluginReview_userId_fkey',                   'userId',          'User',              'CASCADE'),
            ('PluginDeployment',       'PluginDeployment_packageId_fkey',            'packageId',       'PluginPackage',     'CASCADE'),
            ('PluginDeployment',       'PluginDeployment_versionId_fkey',            'versionId',       'PluginVersion',     'CASCADE'),
            ('TeamPluginInstall',      'TeamPluginInstall_teamId_fkey',              'teamId',          'Team',              'CASCADE'),
            ('TeamPluginInstall',      'TeamPluginInstall_deploymentId_fkey',        'deploymentId',    'PluginDeployment',  'CASCADE'),
            ('TeamPluginInstall',      'TeamPluginInstall_pinnedVersionId_fkey',     'pinnedVersionId', 'PluginVersion',     'SET NULL'),
            ('TeamMemberPluginAccess', 'TeamMemberPluginAccess_memberId_fkey',       'memberId',        'TeamMember',        'CASCADE'),
            ('TeamMemberPluginAccess', 'TeamMemberPluginAccess_pluginInstallId_fkey','pluginInstallId', 'TeamPluginInstall', 'CASCADE'),
            ('TeamMemberPluginConfig', 'TeamMemberPluginConfig_memberId_fkey',       'memberId',        'TeamMember',        'CASCADE'),
            ('TeamMemberPluginConfig', 'TeamMemberPluginConfig_pluginInstallId_fkey','pluginInstallId', 'TeamPluginInstall', 'CASCADE'),
            ('UserPluginPreference',   'UserPluginPreference_userId_fkey',           'userId',          'User',              'CASCADE')
        ) AS v(tbl, conname, col, reftbl, on_delete)
    LOOP
        IF NOT EXISTS (
            SELECT 1
              FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public'
               AND t.relname = fk.tbl
               AND c.conname = fk.conname
        ) THEN
            EXECUTE format(
                'ALTER TABLE public.%I ADD CONSTRAINT %I FOREIGN KEY (%I) '
                'REFERENCES public.%I("id") ON DELETE %s ON UPDATE CASCADE',
                fk.tbl, fk.conname, fk.col, fk.reftbl, fk.on_delete);
        END IF;
    END LOOP;
END
$$;
