-- Migration 4: digest credentials (issue 7; RFC 3261 22, RFC 8760).
--
-- One row per user that may authenticate to sbc in a realm.  realm is
-- the name of an sbc realm (the realm of the listeners a request comes
-- in on); digest_realm is the realm string of the challenge (RFC 3261
-- 22.1), which the hashes were computed with: sbc.conf [realm NAME]
-- auth_realm must name the same string.  Only HA1 hashes are stored,
-- H(username ":" digest_realm ":" password) in lower-case hex, never the
-- password: ha1_md5 for algorithm MD5 (32 digits), ha1_sha256 for
-- SHA-256 (64 digits, RFC 8760 3); a NULL hash disables that algorithm
-- for the user.
CREATE TABLE credentials (
	realm TEXT NOT NULL CHECK (length(realm) BETWEEN 1 AND 64),
	username TEXT NOT NULL
		CHECK (length(username) BETWEEN 1 AND 128
		       AND username NOT GLOB '*[^A-Za-z0-9._~!$&''()*+,;=%-]*'),
	digest_realm TEXT NOT NULL
		CHECK (length(digest_realm) BETWEEN 1 AND 128
		       AND digest_realm NOT GLOB '*["\]*'),
	ha1_md5 TEXT CHECK (ha1_md5 IS NULL OR
			    (length(ha1_md5) = 32
			     AND ha1_md5 NOT GLOB '*[^0-9a-f]*')),
	ha1_sha256 TEXT CHECK (ha1_sha256 IS NULL OR
			       (length(ha1_sha256) = 64
				AND ha1_sha256 NOT GLOB '*[^0-9a-f]*')),
	created_ms INTEGER NOT NULL
		DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000
			      AS INTEGER)),
	CHECK (ha1_md5 IS NOT NULL OR ha1_sha256 IS NOT NULL),
	PRIMARY KEY (realm, username)
) WITHOUT ROWID;
