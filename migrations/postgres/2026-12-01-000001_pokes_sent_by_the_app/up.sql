-- Pokes are announced by the application after each commit that changed the client
-- view or a lastMutationID, on both databases alike (NOTIFY from each process's poke
-- connection). The trigger on the version row poked for every version change instead,
-- including a pull that raised the version, and twice with the application's own
-- announcement.
DROP TRIGGER IF EXISTS replicache_server_poke ON replicache_server;
DROP FUNCTION IF EXISTS replicache_notify_poke();
