-- Skill records (#13): every level she holds, with its evidence (a completion, a competition
-- result, or a trainer's confirmation). Append-only: a record is never deleted; a revoked
-- certificate withdraws the level it granted, visibly, with the reason. Consents per purpose
-- (PIPL), separate from registration.
CREATE TABLE skill_records (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    skill_id BIGINT NOT NULL REFERENCES skills (id),
    level INTEGER NOT NULL,
    source TEXT NOT NULL,
    enrollment_id BIGINT REFERENCES enrollments (id),
    confirmed_by BIGINT REFERENCES users (id),
    reason TEXT,
    recorded_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT,
    UNIQUE (enrollment_id, skill_id)
);
CREATE INDEX skill_records_user ON skill_records (user_id, skill_id);
CREATE INDEX skill_records_skill ON skill_records (skill_id, level);

CREATE TABLE consents (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    skills_visible BOOLEAN NOT NULL DEFAULT FALSE,
    talent_pool BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);
