DROP TRIGGER IF EXISTS replicache_server_poke ON replicache_server;
DROP FUNCTION IF EXISTS replicache_notify_poke();
DROP TABLE IF EXISTS message;
DROP TABLE IF EXISTS replicache_client;
DROP TABLE IF EXISTS replicache_client_group;
DROP TABLE IF EXISTS replicache_server;
