DROP INDEX outbox_channel_pending;
ALTER TABLE outbox DROP COLUMN channel;
