-- Text messages (issue 11.7): the outbox carries SMS as well as email. Each row names its
-- channel; each channel's worker claims only its own rows. Kept in step with ../sqlite.

ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
CREATE INDEX outbox_channel_pending ON outbox (channel, sent_at, next_attempt_at);
