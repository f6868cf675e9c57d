DROP TABLE IF EXISTS message;
DROP TABLE IF EXISTS replicache_client;
DROP TABLE IF EXISTS replicache_client_group;
DROP TABLE IF EXISTS replicache_server;
