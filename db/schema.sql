-- The sbc database schema, as a whole.
--
-- sbcd builds the schema from the numbered migrations next to this file,
-- which db/embed.sh compiles into sbcd (src/store/store_schema.c); it
-- applies the ones a database lacks when it opens it, tracking progress
-- in PRAGMA user_version:
--
--   001_initial.sql   the meta table
--   002_admin.sql     trunks, routes, route_targets, acl, dialogs,
--                     dialog_legs, cdrs
--   003_media.sql     dialogs.media: the rtpengine anchoring a call
--   004_auth.sql      credentials: digest HA1 hashes per realm and user
--
-- This file is the schema those migrations make, in one place, for
-- reading and for tools; t/unit/check_store.c checks that running it
-- gives the same tables, columns and indexes as the migrations do.  A
-- database whose user_version is newer than the migrations sbcd knows is
-- refused, so an older sbcd never writes to a schema it does not
-- understand.  The database runs in WAL mode with synchronous=NORMAL.

-- Facts about the database itself, one value per key:
--   created_at   when this database was created (UTC, ISO 8601);
--   sbc_version  the sbc release that last changed the schema, written by
--                sbcd after every migration.
CREATE TABLE meta (
	key TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- A trunk is a next hop sbc sends calls to (or receives them from): a
-- SIP or SIPS URI, or a host name that RFC 3263 resolves, in a realm.
CREATE TABLE trunks (
	name TEXT PRIMARY KEY NOT NULL
		CHECK (length(name) BETWEEN 1 AND 64
		       AND name NOT GLOB '*[^A-Za-z0-9._-]*'),
	realm TEXT NOT NULL CHECK (length(realm) BETWEEN 1 AND 64),
	-- "sip:host[:port][;params]" or "sips:..."; a bare host name is
	-- stored as "sip:host".
	uri TEXT NOT NULL CHECK (uri GLOB 'sip:?*' OR uri GLOB 'sips:?*'),
	-- NULL: the transport RFC 3263 finds; else udp, tcp or tls.
	transport TEXT CHECK (transport IN ('udp', 'tcp', 'tls')),
	-- 0: no limit.
	max_calls INTEGER NOT NULL DEFAULT 0 CHECK (max_calls >= 0),
	max_cps INTEGER NOT NULL DEFAULT 0 CHECK (max_cps >= 0),
	-- Whether a TLS peer's certificate and host name are checked.
	tls_verify INTEGER NOT NULL DEFAULT 1 CHECK (tls_verify IN (0, 1)),
	created_ms INTEGER NOT NULL
		DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000
			      AS INTEGER))
) WITHOUT ROWID;

-- A routing rule: what it matches, and the trunks it sends to.  Rules
-- are tried by ascending priority (then name); the first match wins.
-- NULL in a match column means "any".
CREATE TABLE routes (
	name TEXT PRIMARY KEY NOT NULL
		CHECK (length(name) BETWEEN 1 AND 64
		       AND name NOT GLOB '*[^A-Za-z0-9._-]*'),
	priority INTEGER NOT NULL DEFAULT 100,
	from_realm TEXT,
	from_trunk TEXT REFERENCES trunks (name) ON DELETE RESTRICT,
	user_prefix TEXT,
	domain TEXT
) WITHOUT ROWID;

-- The target trunks of a route, tried in order of position on timeout,
-- transport error or 503 (RFC 3263 4.3 between the hops of one trunk).
CREATE TABLE route_targets (
	route TEXT NOT NULL REFERENCES routes (name) ON DELETE CASCADE,
	position INTEGER NOT NULL CHECK (position >= 1),
	trunk TEXT NOT NULL REFERENCES trunks (name) ON DELETE RESTRICT,
	PRIMARY KEY (route, position)
) WITHOUT ROWID;
CREATE INDEX route_targets_trunk ON route_targets (trunk);

-- Access control per realm: the most specific CIDR that holds a
-- source address decides.
CREATE TABLE acl (
	id INTEGER PRIMARY KEY,
	realm TEXT NOT NULL CHECK (length(realm) BETWEEN 1 AND 64),
	cidr TEXT NOT NULL,
	action TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
	comment TEXT,
	UNIQUE (realm, cidr)
);

-- A confirmed call, as much of it as routing its next requests needs.
-- id is the token sbcd gave the call; the row is written when the call
-- is answered, rewritten when a leg's target or CSeq changes, and
-- deleted when the call ends.
CREATE TABLE dialogs (
	id TEXT PRIMARY KEY NOT NULL,
	route TEXT,
	caller TEXT,
	callee TEXT,
	from_trunk TEXT,
	to_trunk TEXT,
	started_ms INTEGER NOT NULL,
	answered_ms INTEGER NOT NULL,
	updated_ms INTEGER NOT NULL,
	media TEXT			-- the rtpengine anchoring it, or NULL
) WITHOUT ROWID;

-- The two legs of a dialog: side 0 is leg A (towards the caller, sbc
-- the UAS), side 1 leg B (towards the callee, sbc the UAC).
CREATE TABLE dialog_legs (
	dialog TEXT NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
	side INTEGER NOT NULL CHECK (side IN (0, 1)),
	realm TEXT NOT NULL,
	transport TEXT NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
	peer TEXT NOT NULL,		-- "ip:port" the leg's peer used
	call_id TEXT NOT NULL,
	local_tag TEXT NOT NULL,
	remote_tag TEXT NOT NULL,
	local_cseq INTEGER NOT NULL,
	remote_cseq INTEGER NOT NULL,	-- -1: the peer sent none yet
	local_uri TEXT NOT NULL,
	remote_uri TEXT NOT NULL,
	remote_target TEXT NOT NULL,
	route_set TEXT NOT NULL,	-- Route values, one per line
	secure INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (dialog, side)
) WITHOUT ROWID;
CREATE INDEX dialog_legs_call_id ON dialog_legs (call_id);

-- One row per call attempt, written when it ends.
CREATE TABLE cdrs (
	id INTEGER PRIMARY KEY,
	call TEXT NOT NULL,
	started_ms INTEGER NOT NULL,
	answered_ms INTEGER,		-- NULL: never answered
	ended_ms INTEGER NOT NULL,
	caller TEXT,
	callee TEXT,
	a_call_id TEXT,
	b_call_id TEXT,
	from_realm TEXT,
	from_trunk TEXT,
	to_trunk TEXT,
	route TEXT,
	status INTEGER NOT NULL,	-- the final status of the INVITE
	reason TEXT,
	-- caller, callee, or sbc (timer, maximum duration, shutdown)
	hangup TEXT NOT NULL CHECK (hangup IN ('caller', 'callee', 'sbc'))
);
CREATE INDEX cdrs_started ON cdrs (started_ms);

-- Digest credentials (RFC 3261 22, RFC 8760): HA1 hashes, never a
-- password; see db/004_auth.sql.
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
