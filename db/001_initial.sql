-- Migration 1: the first schema of the sbc database.
--
-- Each file db/NNN_name.sql is one migration.  sbcd applies, in one
-- transaction each, every migration whose number is above the database's
-- PRAGMA user_version and then sets user_version to that number, so a
-- file that is already applied is never run again.  Never edit a
-- migration that has been released: add the next number instead.

-- Facts about the database itself, one value per key:
--   created_at   when this database was created (UTC, ISO 8601);
--   sbc_version  the sbc release that last changed the schema, written by
--                sbcd after every migration.
CREATE TABLE meta (
	key TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO meta (key, value)
VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
