DROP TABLE export_audit;
DROP TABLE org_targets;
DROP TABLE org_stats;
DROP INDEX enrollments_completed_org;
ALTER TABLE enrollments DROP COLUMN completed_org_path;
ALTER TABLE enrollments DROP COLUMN completed_org_id;
