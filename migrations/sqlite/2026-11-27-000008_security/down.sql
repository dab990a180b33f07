ALTER TABLE certificates DROP COLUMN credential_digest;
ALTER TABLE courses DROP COLUMN quiz_reveal;
