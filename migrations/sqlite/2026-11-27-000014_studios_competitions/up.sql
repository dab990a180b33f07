-- Innovation studios, skills competitions with an online theory round, and their results
-- (#13). A result is skill evidence (`skill_records.result_id`); an award at city level or
-- above puts a consenting woman in the talent pool (computed, not stored: withdrawing her
-- consent removes her at once).
CREATE TABLE studios (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    leader_id BIGINT NOT NULL REFERENCES users (id),
    skills TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX studios_org ON studios (org_id);

-- invited (by the leader) | requested (by her) | member (both agreed)
CREATE TABLE studio_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    studio_id BIGINT NOT NULL REFERENCES studios (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    UNIQUE (studio_id, user_id)
);
CREATE INDEX studio_members_user ON studio_members (user_id);

CREATE TABLE studio_achievements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    studio_id BIGINT NOT NULL REFERENCES studios (id),
    achieved_on DATE NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    attachment_name TEXT,
    attachment_type TEXT,
    attachment BLOB,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX studio_achievements_studio ON studio_achievements (studio_id, achieved_on);

CREATE TABLE competitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    level TEXT NOT NULL,
    skills TEXT NOT NULL,
    min_levels TEXT NOT NULL,
    women_only BOOLEAN NOT NULL,
    min_account_days INTEGER NOT NULL DEFAULT 0,
    eligible_org_id BIGINT REFERENCES orgs (id),
    registration_opens DATE NOT NULL,
    registration_closes DATE NOT NULL,
    theory_course_id BIGINT REFERENCES courses (id),
    theory_starts_at TIMESTAMP,
    theory_minutes INTEGER,
    theory_draw INTEGER,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX competitions_org ON competitions (org_id);

CREATE TABLE competition_registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    competition_id BIGINT NOT NULL REFERENCES competitions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    registered_at TIMESTAMP NOT NULL,
    UNIQUE (competition_id, user_id)
);
CREATE INDEX competition_registrations_user ON competition_registrations (user_id);

-- One attempt per registrant; the same snapshot rules as quiz_attempts.
CREATE TABLE theory_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    competition_id BIGINT NOT NULL REFERENCES competitions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    seed BIGINT NOT NULL,
    served TEXT NOT NULL,
    answers TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    deadline TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    score INTEGER,
    UNIQUE (competition_id, user_id)
);

CREATE TABLE competition_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    competition_id BIGINT NOT NULL REFERENCES competitions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    rank INTEGER NOT NULL,
    score INTEGER,
    award TEXT,
    entered_by BIGINT NOT NULL REFERENCES users (id),
    entered_at TIMESTAMP NOT NULL,
    UNIQUE (competition_id, user_id)
);
CREATE INDEX competition_results_user ON competition_results (user_id);

ALTER TABLE skill_records ADD COLUMN result_id BIGINT REFERENCES competition_results (id);
