ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN device;
