ALTER TABLE replicache_server DROP COLUMN access_version;
DROP TABLE IF EXISTS rejected_mutation;
DROP INDEX IF EXISTS message_room_version_idx;
ALTER TABLE message DROP COLUMN author_id;
ALTER TABLE message DROP COLUMN room_id;
DROP TABLE IF EXISTS room_member;
DROP TABLE IF EXISTS room;
