-- Course packs uploaded through the web: kept with their checker report and a learner's-eye
-- preview until a trainer publishes them. Kept in step with ../postgres.

CREATE TABLE pack_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    file_name TEXT NOT NULL,
    course_code TEXT,
    version TEXT,
    archive BLOB NOT NULL,
    problems TEXT NOT NULL,
    preview TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX pack_uploads_user ON pack_uploads (user_id, created_at);
