-- Completion records beyond the enrolment: each learner's first completion (her place in
-- the drive, and the union she belonged to then), in-person class sessions with their
-- check-ins, certificates, the Ed25519 keys that sign credentials, and throttling records
-- (failed serial lookups, wrong check-in codes) shared by every server process.
-- Kept in step with ../postgres.

CREATE TABLE first_completions (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    gender TEXT NOT NULL,
    completed_at TIMESTAMP NOT NULL
);
CREATE INDEX first_completions_time ON first_completions (gender, completed_at);
CREATE INDEX first_completions_org ON first_completions (org_path, completed_at);

CREATE TABLE class_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    trainer_id BIGINT NOT NULL REFERENCES users (id),
    location TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX class_sessions_course ON class_sessions (course_id, starts_at);

CREATE TABLE attendances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES class_sessions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    method TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    checked_in_at TIMESTAMP NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE INDEX attendances_user ON attendances (user_id);

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id TEXT NOT NULL UNIQUE,
    secret_key BLOB NOT NULL,
    public_key BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial TEXT NOT NULL UNIQUE,
    enrollment_id BIGINT NOT NULL UNIQUE REFERENCES enrollments (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    holder_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    course_version TEXT NOT NULL,
    tier INTEGER NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    issuer_org_id BIGINT NOT NULL REFERENCES orgs (id),
    issued_at TIMESTAMP NOT NULL,
    credential TEXT NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT,
    revoked_by BIGINT REFERENCES users (id)
);
CREATE INDEX certificates_user ON certificates (user_id);

CREATE TABLE throttle_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    subject TEXT NOT NULL,
    happened_at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_events_subject ON throttle_events (bucket, subject, happened_at);
