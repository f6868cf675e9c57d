-- SQLite twin of migrations/postgres/2026-12-02-000001_rooms (same tables, columns and
-- meaning; see there).
-- Rooms with read authorization, authors, and rejected mutations the client can see.
--
-- Every row that decides who may read what (rooms and private-room members) is versioned
-- and soft-deleted like messages, so a pull can tell which rooms a user joined or lost
-- since its cookie. created_version is the version a row was (last) created at.

CREATE TABLE room (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    owner_id TEXT NOT NULL,
    created_version BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX room_version_idx ON room (version);

-- Members of private rooms (public rooms have none); the owner is one, role 'owner'.
-- left_version: the version at which the user last left (or was removed), kept when
-- they join again, so a pull can tell a first join from a return.
CREATE TABLE room_member (
    room_id TEXT NOT NULL REFERENCES room (id),
    user_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_version BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMP,
    left_version BIGINT,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_member_user_version_idx ON room_member (user_id, version);
CREATE INDEX room_member_room_version_idx ON room_member (room_id, version);

-- A message's room and its author (the user id the server saw, never a client claim).
ALTER TABLE message ADD COLUMN room_id TEXT NOT NULL DEFAULT 'general';
ALTER TABLE message ADD COLUMN author_id TEXT NOT NULL DEFAULT '';
CREATE INDEX message_room_version_idx ON message (room_id, version);

-- Rejected mutations, shown to the client group of their client as error/<client>/<id>.
CREATE TABLE rejected_mutation (
    client_id TEXT NOT NULL,
    mutation_id BIGINT NOT NULL,
    client_group_id TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMP,
    PRIMARY KEY (client_id, mutation_id)
);
CREATE INDEX rejected_mutation_group_version_idx ON rejected_mutation (client_group_id, version);

-- The last version at which a room or a membership was written: a pull from a cookie at
-- or above it knows that nobody's access changed since.
ALTER TABLE replicache_server ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

-- Existing messages move to the public room general. When a client may already hold a view
-- (any client or message exists), the version is raised and every message re-stamped, so
-- the next incremental pull of every client brings the room and the messages' new values
-- (their roomID and author) with its cookie kept: no client needs a reset.
UPDATE replicache_server SET version = version + 1
    WHERE EXISTS (SELECT 1 FROM replicache_client) OR EXISTS (SELECT 1 FROM message);
INSERT INTO room (id, name, visibility, owner_id, created_version, deleted, version)
    SELECT 'general', 'general', 'public', '', version, 0, version FROM replicache_server;
UPDATE message SET version = (SELECT version FROM replicache_server);
UPDATE replicache_server SET access_version = version;
