-- Staff actions on a learner (issue 11): extra quiz attempts an administrator grants, and
-- one audit log of what administrators did to whom (attempts granted, reset links issued,
-- roles granted or revoked). Kept in step with the other backend's folder.

ALTER TABLE enrollments ADD COLUMN extra_attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    subject_id BIGINT REFERENCES users (id),
    org_id BIGINT REFERENCES orgs (id),
    detail TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at);
CREATE INDEX audit_log_org ON audit_log (org_id, at);
