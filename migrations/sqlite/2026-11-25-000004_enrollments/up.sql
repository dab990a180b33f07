-- Learners' enrolments. A completion is recorded once, with its time and evidence; it is
-- what the unions count and what skill records are built from. Kept in step with ../postgres.

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    enrolled_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    evidence TEXT,
    UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_course ON enrollments (course_id, completed_at);
