#!/usr/bin/env bash
# Request lists of the naapd-only scenarios (tests/bench/extra.sh) from the seeded database.
#   tests/bench/make-lists.sh DATABASE_URL OUTDIR
# Writes OUTDIR/login.txt (2 000 emails) and OUTDIR/writes-ops.txt (per team: its owner's
# shared-config PUT and an install of a package the team lacks; per member with access: a
# personal-config PUT). Deterministic: the same seed gives the same files.
set -euo pipefail
DB=${1:?usage: make-lists.sh DATABASE_URL OUTDIR}
OUT=${2:?usage: make-lists.sh DATABASE_URL OUTDIR}
mkdir -p "$OUT"
q() { psql "$DB" -qAtX -F $'\t' -v ON_ERROR_STOP=1 -c "$1"; }

q "SELECT email FROM \"User\" WHERE email IS NOT NULL ORDER BY md5(id) LIMIT 2000" >"$OUT/login.txt"

{
  # shared config: the team's first install, by its owner (token tok-<n> of seed.sql)
  q "SELECT 'cfg', '/api/v1/teams/' || t.id || '/plugins/' || i.id || '/config', s.token
     FROM \"Team\" t
     JOIN LATERAL (SELECT id FROM \"TeamPluginInstall\" WHERE \"teamId\" = t.id
                   ORDER BY \"createdAt\", id LIMIT 1) i ON true
     JOIN LATERAL (SELECT token FROM \"Session\" WHERE \"userId\" = t.\"ownerId\" LIMIT 1) s ON true
     ORDER BY md5(t.id)"
  # personal config: one access row per member (the first 1 000 members by a stable shuffle)
  q "SELECT 'my', '/api/v1/teams/' || m.\"teamId\" || '/plugins/' || a.\"pluginInstallId\" || '/my-config', s.token
     FROM \"TeamMember\" m
     JOIN LATERAL (SELECT \"pluginInstallId\" FROM \"TeamMemberPluginAccess\"
                   WHERE \"memberId\" = m.id AND \"canConfigure\" ORDER BY id LIMIT 1) a ON true
     JOIN LATERAL (SELECT token FROM \"Session\" WHERE \"userId\" = m.\"userId\" LIMIT 1) s ON true
     ORDER BY md5(m.id) LIMIT 1000"
  # install/uninstall: a published, non-core package the team has not installed, whose
  # manifests naapd accepts (the seed's null "backend" is refused: api.md 5.2 manifest check)
  q "SELECT 'inst', t.id, s.token, p.name
     FROM \"Team\" t
     JOIN LATERAL (SELECT token FROM \"Session\" WHERE \"userId\" = t.\"ownerId\" LIMIT 1) s ON true
     JOIN LATERAL (SELECT pk.name FROM \"PluginPackage\" pk
                   JOIN \"PluginDeployment\" d ON d.\"packageId\" = pk.id
                   WHERE NOT pk.\"isCore\" AND pk.\"publishStatus\" = 'published'
                     AND NOT EXISTS (SELECT 1 FROM \"PluginVersion\" v WHERE v.\"packageId\" = pk.id
                                     AND jsonb_typeof(v.manifest->'backend') IS DISTINCT FROM 'object')
                     AND NOT EXISTS (SELECT 1 FROM \"TeamPluginInstall\" x
                                     WHERE x.\"teamId\" = t.id AND x.\"deploymentId\" = d.id)
                   ORDER BY md5(pk.id || t.id) LIMIT 1) p ON true
     ORDER BY md5(t.id)"
} >"$OUT/writes-ops.txt"
echo "login.txt: $(wc -l <"$OUT/login.txt") emails; writes-ops.txt: $(cut -f1 "$OUT/writes-ops.txt" | sort | uniq -c | tr '\n' ' ')" >&2
