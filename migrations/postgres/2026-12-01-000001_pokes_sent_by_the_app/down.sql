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
