-- Her sessions as she sees them (device, last seen), and accounts she deleted.
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
