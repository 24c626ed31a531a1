-- Known passwords for the anchor's seeded users (tests/bench/extra.sh, login scenario).
-- The anchor's seed.sql gives every user a fake bcrypt hash that nothing verifies; this sets
-- one precomputed naapd hash for all 10 000 users: password "bench-Passw0rd!",
-- PBKDF2-HMAC-SHA512 with 210 000 rounds (the production default of PASSWORD_ITERATIONS, so a
-- login does not rewrite it) and a fixed salt. One value for everyone keeps this a single
-- UPDATE (well under a second) instead of 10 000 key derivations. Every user already has a
-- valid legacy session ('tok-<n>', expiring 2036) from seed.sql.
-- Regenerate with:
--   python3 -c "import hashlib;s=b'naapd-bench-salt';print('pbkdf2-sha512\$210000\$'+s.hex()+'\$'
--     +hashlib.pbkdf2_hmac('sha512',b'bench-Passw0rd!',s,210000,64).hex())"
UPDATE "User"
SET "passwordHash" = 'pbkdf2-sha512$210000$6e616170642d62656e63682d73616c74$ff83c90b6cdeac2f347f826788e0d4e15a62dd72cc145169ed38429856845a871a4ab5054edce2f1064b6b3a34ad5d43c71f649696c901b25f88036bba85aa73';
