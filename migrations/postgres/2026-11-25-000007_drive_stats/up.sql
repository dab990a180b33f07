-- The drive's figures: where each completion is attributed (her union at that moment),
-- counters per organisation node kept in the completing transaction (every ancestor gets the
-- same deltas, so a node's figure is one row), targets, and the audit log of exports.
-- Kept in step with ../sqlite.

ALTER TABLE enrollments ADD COLUMN completed_org_id BIGINT REFERENCES orgs (id);
ALTER TABLE enrollments ADD COLUMN completed_org_path TEXT COLLATE "C";
CREATE INDEX enrollments_completed_org ON enrollments (completed_org_path, completed_at);

-- dimension: total (bucket ''), tier ('1'..'3'), mode, course (code), month ('2026-11'),
-- day ('2026-11-25'), both in China time.
CREATE TABLE org_stats (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    dimension TEXT NOT NULL,
    bucket TEXT NOT NULL,
    women_trained BIGINT NOT NULL DEFAULT 0,
    learners_trained BIGINT NOT NULL DEFAULT 0,
    women_completions BIGINT NOT NULL DEFAULT 0,
    completions BIGINT NOT NULL DEFAULT 0,
    women_hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, dimension, bucket)
);

CREATE TABLE org_targets (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    target BIGINT NOT NULL,
    deadline DATE NOT NULL,
    set_by BIGINT REFERENCES users (id),
    set_at TIMESTAMP NOT NULL
);

CREATE TABLE export_audit (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    what TEXT NOT NULL,
    filters TEXT NOT NULL,
    exported_at TIMESTAMP NOT NULL
);
CREATE INDEX export_audit_org ON export_audit (org_id, exported_at);
