-- Test fixture: every schema.md table written the way Prisma 5 (multiSchema, so names are
-- "public"-qualified) emits DDL, i.e. what `prisma db push` leaves in NaaP's live database
-- at b1b0ae7d, plus PluginReview (037fa2d2), WITHOUT the WorkflowPlugin bundle columns
-- that naapd's 0001 adds.
-- Loaded into an empty database to stand in for a database created by base-svc: naapd's
-- migrations applied on top of it must leave every one of these objects unchanged.
-- Not idempotent on purpose (plain CREATE, like Prisma's output).

-- CreateTable
CREATE TABLE "public"."User" (
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

-- CreateTable
CREATE TABLE "public"."LoginAttempt" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "ipAddress" TEXT,
    "success" BOOLEAN NOT NULL DEFAULT false,
    "userId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoginAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."PasswordResetToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PasswordResetToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."EmailVerificationToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailVerificationToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."UserConfig" (
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

-- CreateTable
CREATE TABLE "public"."OAuthAccount" (
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

-- CreateTable
CREATE TABLE "public"."Role" (
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

-- CreateTable
CREATE TABLE "public"."UserRole" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,
    "grantedBy" TEXT,
    "grantedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserRole_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."Team" (
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

-- CreateTable
CREATE TABLE "public"."TeamMember" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'member',
    "invitedBy" TEXT,
    "joinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."Publisher" (
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

-- CreateTable
CREATE TABLE "public"."PluginPackage" (
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

-- CreateTable
CREATE TABLE "public"."PluginVersion" (
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

-- CreateTable
CREATE TABLE "public"."PluginInstallation" (
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

-- CreateTable
CREATE TABLE "public"."PluginReview" (
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

-- CreateTable
CREATE TABLE "public"."PluginDeployment" (
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

-- CreateTable
CREATE TABLE "public"."TeamPluginInstall" (
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

-- CreateTable
CREATE TABLE "public"."TeamMemberPluginAccess" (
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

-- CreateTable
CREATE TABLE "public"."TeamMemberPluginConfig" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "pluginInstallId" TEXT NOT NULL,
    "personalConfig" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamMemberPluginConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."WorkflowPlugin" (
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

-- CreateTable
CREATE TABLE "public"."UserPluginPreference" (
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

-- CreateTable
CREATE TABLE "public"."PluginConfig" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PluginConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."AuditLog" (
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

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "public"."User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_address_key" ON "public"."User"("address");

-- CreateIndex
CREATE INDEX "LoginAttempt_email_createdAt_idx" ON "public"."LoginAttempt"("email", "createdAt");

-- CreateIndex
CREATE INDEX "LoginAttempt_ipAddress_createdAt_idx" ON "public"."LoginAttempt"("ipAddress", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Session_token_key" ON "public"."Session"("token");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "public"."Session"("userId");

-- CreateIndex
CREATE INDEX "Session_token_idx" ON "public"."Session"("token");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "public"."Session"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "PasswordResetToken_token_key" ON "public"."PasswordResetToken"("token");

-- CreateIndex
CREATE INDEX "PasswordResetToken_userId_idx" ON "public"."PasswordResetToken"("userId");

-- CreateIndex
CREATE INDEX "PasswordResetToken_token_idx" ON "public"."PasswordResetToken"("token");

-- CreateIndex
CREATE INDEX "PasswordResetToken_expiresAt_idx" ON "public"."PasswordResetToken"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailVerificationToken_token_key" ON "public"."EmailVerificationToken"("token");

-- CreateIndex
CREATE INDEX "EmailVerificationToken_userId_idx" ON "public"."EmailVerificationToken"("userId");

-- CreateIndex
CREATE INDEX "EmailVerificationToken_token_idx" ON "public"."EmailVerificationToken"("token");

-- CreateIndex
CREATE INDEX "EmailVerificationToken_expiresAt_idx" ON "public"."EmailVerificationToken"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "UserConfig_userId_key" ON "public"."UserConfig"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "OAuthAccount_provider_providerAccountId_key" ON "public"."OAuthAccount"("provider", "providerAccountId");

-- CreateIndex
CREATE INDEX "OAuthAccount_userId_idx" ON "public"."OAuthAccount"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Role_name_key" ON "public"."Role"("name");

-- CreateIndex
CREATE INDEX "Role_scope_idx" ON "public"."Role"("scope");

-- CreateIndex
CREATE INDEX "Role_pluginName_idx" ON "public"."Role"("pluginName");

-- CreateIndex
CREATE UNIQUE INDEX "UserRole_userId_roleId_key" ON "public"."UserRole"("userId", "roleId");

-- CreateIndex
CREATE INDEX "UserRole_userId_idx" ON "public"."UserRole"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Team_slug_key" ON "public"."Team"("slug");

-- CreateIndex
CREATE INDEX "Team_ownerId_idx" ON "public"."Team"("ownerId");

-- CreateIndex
CREATE UNIQUE INDEX "TeamMember_teamId_userId_key" ON "public"."TeamMember"("teamId", "userId");

-- CreateIndex
CREATE INDEX "TeamMember_userId_idx" ON "public"."TeamMember"("userId");

-- CreateIndex
CREATE INDEX "TeamMember_teamId_idx" ON "public"."TeamMember"("teamId");

-- CreateIndex
CREATE INDEX "TeamMember_teamId_role_idx" ON "public"."TeamMember"("teamId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "Publisher_name_key" ON "public"."Publisher"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Publisher_githubOrg_key" ON "public"."Publisher"("githubOrg");

-- CreateIndex
CREATE UNIQUE INDEX "Publisher_githubUser_key" ON "public"."Publisher"("githubUser");

-- CreateIndex
CREATE INDEX "Publisher_githubOrg_idx" ON "public"."Publisher"("githubOrg");

-- CreateIndex
CREATE INDEX "Publisher_githubUser_idx" ON "public"."Publisher"("githubUser");

-- CreateIndex
CREATE UNIQUE INDEX "PluginPackage_name_key" ON "public"."PluginPackage"("name");

-- CreateIndex
CREATE INDEX "PluginPackage_category_idx" ON "public"."PluginPackage"("category");

-- CreateIndex
CREATE INDEX "PluginPackage_deprecated_idx" ON "public"."PluginPackage"("deprecated");

-- CreateIndex
CREATE INDEX "PluginPackage_publisherId_idx" ON "public"."PluginPackage"("publisherId");

-- CreateIndex
CREATE INDEX "PluginPackage_publishStatus_idx" ON "public"."PluginPackage"("publishStatus");

-- CreateIndex
CREATE INDEX "PluginPackage_isCore_idx" ON "public"."PluginPackage"("isCore");

-- CreateIndex
CREATE INDEX "PluginPackage_publishStatus_category_deprecated_idx" ON "public"."PluginPackage"("publishStatus", "category", "deprecated");

-- CreateIndex
CREATE UNIQUE INDEX "PluginVersion_packageId_version_key" ON "public"."PluginVersion"("packageId", "version");

-- CreateIndex
CREATE INDEX "PluginVersion_packageId_publishedAt_idx" ON "public"."PluginVersion"("packageId", "publishedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PluginInstallation_packageId_key" ON "public"."PluginInstallation"("packageId");

-- CreateIndex
CREATE INDEX "PluginInstallation_status_idx" ON "public"."PluginInstallation"("status");

-- CreateIndex
CREATE UNIQUE INDEX "PluginReview_packageId_userId_key" ON "public"."PluginReview"("packageId", "userId");

-- CreateIndex
CREATE INDEX "PluginReview_packageId_createdAt_idx" ON "public"."PluginReview"("packageId", "createdAt");

-- CreateIndex
CREATE INDEX "PluginReview_userId_idx" ON "public"."PluginReview"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "PluginDeployment_packageId_key" ON "public"."PluginDeployment"("packageId");

-- CreateIndex
CREATE INDEX "PluginDeployment_status_idx" ON "public"."PluginDeployment"("status");

-- CreateIndex
CREATE INDEX "PluginDeployment_healthStatus_idx" ON "public"."PluginDeployment"("healthStatus");

-- CreateIndex
CREATE UNIQUE INDEX "TeamPluginInstall_teamId_deploymentId_key" ON "public"."TeamPluginInstall"("teamId", "deploymentId");

-- CreateIndex
CREATE INDEX "TeamPluginInstall_teamId_idx" ON "public"."TeamPluginInstall"("teamId");

-- CreateIndex
CREATE INDEX "TeamPluginInstall_deploymentId_idx" ON "public"."TeamPluginInstall"("deploymentId");

-- CreateIndex
CREATE UNIQUE INDEX "TeamMemberPluginAccess_memberId_pluginInstallId_key" ON "public"."TeamMemberPluginAccess"("memberId", "pluginInstallId");

-- CreateIndex
CREATE INDEX "TeamMemberPluginAccess_memberId_idx" ON "public"."TeamMemberPluginAccess"("memberId");

-- CreateIndex
CREATE INDEX "TeamMemberPluginAccess_pluginInstallId_idx" ON "public"."TeamMemberPluginAccess"("pluginInstallId");

-- CreateIndex
CREATE UNIQUE INDEX "TeamMemberPluginConfig_memberId_pluginInstallId_key" ON "public"."TeamMemberPluginConfig"("memberId", "pluginInstallId");

-- CreateIndex
CREATE INDEX "TeamMemberPluginConfig_memberId_idx" ON "public"."TeamMemberPluginConfig"("memberId");

-- CreateIndex
CREATE INDEX "TeamMemberPluginConfig_pluginInstallId_idx" ON "public"."TeamMemberPluginConfig"("pluginInstallId");

-- CreateIndex
CREATE UNIQUE INDEX "WorkflowPlugin_name_key" ON "public"."WorkflowPlugin"("name");

-- CreateIndex
CREATE INDEX "WorkflowPlugin_enabled_order_idx" ON "public"."WorkflowPlugin"("enabled", "order");

-- CreateIndex
CREATE UNIQUE INDEX "UserPluginPreference_userId_pluginName_key" ON "public"."UserPluginPreference"("userId", "pluginName");

-- CreateIndex
CREATE INDEX "UserPluginPreference_userId_idx" ON "public"."UserPluginPreference"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "PluginConfig_key_key" ON "public"."PluginConfig"("key");

-- CreateIndex
CREATE INDEX "AuditLog_action_createdAt_idx" ON "public"."AuditLog"("action", "createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_resource_resourceId_idx" ON "public"."AuditLog"("resource", "resourceId");

-- CreateIndex
CREATE INDEX "AuditLog_userId_createdAt_idx" ON "public"."AuditLog"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_createdAt_idx" ON "public"."AuditLog"("createdAt");

-- AddForeignKey
ALTER TABLE "public"."LoginAttempt" ADD CONSTRAINT "LoginAttempt_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."UserConfig" ADD CONSTRAINT "UserConfig_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."OAuthAccount" ADD CONSTRAINT "OAuthAccount_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."UserRole" ADD CONSTRAINT "UserRole_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."UserRole" ADD CONSTRAINT "UserRole_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "public"."Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."Team" ADD CONSTRAINT "Team_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMember" ADD CONSTRAINT "TeamMember_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "public"."Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMember" ADD CONSTRAINT "TeamMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginPackage" ADD CONSTRAINT "PluginPackage_publisherId_fkey" FOREIGN KEY ("publisherId") REFERENCES "public"."Publisher"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginVersion" ADD CONSTRAINT "PluginVersion_packageId_fkey" FOREIGN KEY ("packageId") REFERENCES "public"."PluginPackage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginInstallation" ADD CONSTRAINT "PluginInstallation_packageId_fkey" FOREIGN KEY ("packageId") REFERENCES "public"."PluginPackage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginInstallation" ADD CONSTRAINT "PluginInstallation_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "public"."PluginVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginReview" ADD CONSTRAINT "PluginReview_packageId_fkey" FOREIGN KEY ("packageId") REFERENCES "public"."PluginPackage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginReview" ADD CONSTRAINT "PluginReview_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginDeployment" ADD CONSTRAINT "PluginDeployment_packageId_fkey" FOREIGN KEY ("packageId") REFERENCES "public"."PluginPackage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."PluginDeployment" ADD CONSTRAINT "PluginDeployment_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "public"."PluginVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamPluginInstall" ADD CONSTRAINT "TeamPluginInstall_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "public"."Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamPluginInstall" ADD CONSTRAINT "TeamPluginInstall_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "public"."PluginDeployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamPluginInstall" ADD CONSTRAINT "TeamPluginInstall_pinnedVersionId_fkey" FOREIGN KEY ("pinnedVersionId") REFERENCES "public"."PluginVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMemberPluginAccess" ADD CONSTRAINT "TeamMemberPluginAccess_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "public"."TeamMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMemberPluginAccess" ADD CONSTRAINT "TeamMemberPluginAccess_pluginInstallId_fkey" FOREIGN KEY ("pluginInstallId") REFERENCES "public"."TeamPluginInstall"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMemberPluginConfig" ADD CONSTRAINT "TeamMemberPluginConfig_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "public"."TeamMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."TeamMemberPluginConfig" ADD CONSTRAINT "TeamMemberPluginConfig_pluginInstallId_fkey" FOREIGN KEY ("pluginInstallId") REFERENCES "public"."TeamPluginInstall"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."UserPluginPreference" ADD CONSTRAINT "UserPluginPreference_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
