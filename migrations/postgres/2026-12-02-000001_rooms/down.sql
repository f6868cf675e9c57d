ALTER TABLE replicache_server DROP COLUMN IF EXISTS access_version;
DROP TABLE IF EXISTS rejected_mutation;
DROP INDEX IF EXISTS message_room_version_idx;
ALTER TABLE message DROP COLUMN IF EXISTS author_id;
ALTER TABLE message DROP COLUMN IF EXISTS room_id;
DROP TABLE IF EXISTS room_member;
DROP TABLE IF EXISTS room;
