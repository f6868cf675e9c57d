-- Replicache bookkeeping and the chat's message table (Global Version strategy).

-- One row (id = 1) holding the global version: the cookie handed to clients and the
-- lock every push takes. tombstone_horizon: soft-deleted rows with a version at or
-- below it may have been purged, so a pull from an older cookie gets a full reset.
CREATE TABLE replicache_server (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    tombstone_horizon BIGINT NOT NULL DEFAULT 0
);
INSERT INTO replicache_server (id, version) VALUES (1, 1);

-- A client group: the clients that share one local cache. Owned by the user who first
-- pushed it; deleted_at marks a tombstone left by server-side client GC.
CREATE TABLE replicache_client_group (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

-- A client (one Replicache instance) and the last mutation id the server applied for it.
CREATE TABLE replicache_client (
    id TEXT PRIMARY KEY NOT NULL,
    client_group_id TEXT NOT NULL REFERENCES replicache_client_group (id),
    last_mutation_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    last_seen TIMESTAMP NOT NULL
);
CREATE INDEX replicache_client_group_version_idx ON replicache_client (client_group_id, version);

-- The chat's messages; `deleted` rows are tombstones kept for incremental pulls until
-- GC purges those deleted longer ago than the tombstone horizon (deleted_at).
CREATE TABLE message (
    id TEXT PRIMARY KEY NOT NULL,
    sender TEXT NOT NULL,
    content TEXT NOT NULL,
    ord BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX message_version_idx ON message (version);

-- Every change of the global version pokes listeners; NOTIFY is delivered on commit only,
-- so rolled-back pushes never poke. Replicas LISTEN on this channel.
CREATE FUNCTION replicache_notify_poke() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('replicache_poke', NEW.version::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER replicache_server_poke
    AFTER UPDATE OF version ON replicache_server
    FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version)
    EXECUTE FUNCTION replicache_notify_poke();
