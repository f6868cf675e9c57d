-- SQLite twin of migrations/postgres: same tables, columns and meaning (see there).
-- Pokes are sent by the process itself after commit, so there is no trigger here.
CREATE TABLE replicache_server (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    tombstone_horizon BIGINT NOT NULL DEFAULT 0
);
INSERT INTO replicache_server (id, version) VALUES (1, 1);

CREATE TABLE replicache_client_group (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE replicache_client (
    id TEXT PRIMARY KEY NOT NULL,
    client_group_id TEXT NOT NULL REFERENCES replicache_client_group (id),
    last_mutation_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    last_seen TIMESTAMP NOT NULL
);
CREATE INDEX replicache_client_group_version_idx ON replicache_client (client_group_id, version);

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
