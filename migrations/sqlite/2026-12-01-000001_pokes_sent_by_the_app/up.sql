-- SQLite twin of migrations/postgres/2026-12-01-000001_pokes_sent_by_the_app: SQLite
-- never had the poke trigger (pokes were and are sent by the application), so there is
-- nothing to change; the migration exists so both databases share one history.
SELECT 1;
