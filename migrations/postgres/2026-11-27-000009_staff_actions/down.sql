DROP TABLE audit_log;
ALTER TABLE enrollments DROP COLUMN extra_attempts;
