-- Course packs: the skill framework, courses with their lessons, question banks and media,
-- and learners' lesson progress (keyed by lesson row, which survives version bumps).
-- Kept in step with ../postgres.

CREATE TABLE skills (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    levels TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    tier INTEGER NOT NULL,
    mode TEXT NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    summary TEXT NOT NULL,
    prerequisites TEXT NOT NULL,
    skills TEXT NOT NULL,
    quiz_draw INTEGER,
    quiz_pass_mark INTEGER,
    quiz_max_attempts INTEGER,
    quiz_time_limit_minutes INTEGER,
    complete_lessons BOOLEAN NOT NULL,
    complete_quiz BOOLEAN NOT NULL,
    complete_attendance BOOLEAN NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX courses_source ON courses (source, status);

CREATE TABLE lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    lesson_key TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    UNIQUE (course_id, lesson_key)
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    question_key TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    options TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    UNIQUE (course_id, question_key)
);

CREATE TABLE course_media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    UNIQUE (course_id, path)
);

CREATE TABLE lesson_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    lesson_id BIGINT NOT NULL REFERENCES lessons (id),
    completed_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, lesson_id)
);
