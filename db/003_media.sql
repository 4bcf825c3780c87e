-- Migration 3: media anchoring (issue 9).
--
-- The rtpengine instance that anchors a call's media, by the name of its
-- [rtpengine NAME] section in sbc.conf; NULL when the media flows end to
-- end.  A call restored after a restart sends its `delete` there when
-- it ends.
ALTER TABLE dialogs ADD COLUMN media TEXT;
