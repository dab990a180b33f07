-- Security fixes (issue 9): when a quiz reveals its answer key, and the digest of each
-- issued credential so online verification checks a credential against what was issued.
-- Kept in step with the other backend's folder.

ALTER TABLE courses ADD COLUMN quiz_reveal TEXT NOT NULL DEFAULT 'after_pass';

-- SHA-256 (hex) of the JCS-canonical credential without its proof; NULL for certificates
-- issued before this migration (their stored credential is digested when checked).
ALTER TABLE certificates ADD COLUMN credential_digest TEXT;
