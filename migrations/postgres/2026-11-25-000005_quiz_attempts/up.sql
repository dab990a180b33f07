-- Quiz attempts. Each keeps a snapshot of exactly what it served (questions, option order,
-- answer keys) and its seed, so it stays reviewable and reproducible after the course is
-- edited. Kept in step with ../sqlite.

CREATE TABLE quiz_attempts (
    id BIGSERIAL PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    seed BIGINT NOT NULL,
    served TEXT NOT NULL,
    answers TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    deadline TIMESTAMP,
    submitted_at TIMESTAMP,
    score INTEGER,
    passed BOOLEAN,
    result TEXT
);
CREATE INDEX quiz_attempts_enrollment ON quiz_attempts (enrollment_id);
