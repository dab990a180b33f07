-- In-person classes (#12): seats, notes and a state per session; the fixed check-in code is
-- replaced by a per-session secret from which the code of each 30-second window is derived;
-- sign-ups with a wait-list and a reminder each; practical scores per attendance.
ALTER TABLE class_sessions ADD COLUMN capacity BIGINT;
ALTER TABLE class_sessions ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE class_sessions ADD COLUMN state TEXT NOT NULL DEFAULT 'scheduled';
ALTER TABLE class_sessions ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE class_sessions ADD COLUMN code_secret BYTEA NOT NULL DEFAULT ''::bytea;
UPDATE class_sessions
   SET code_secret = decode(md5(random()::text || id::text) || md5(random()::text), 'hex');
ALTER TABLE class_sessions DROP COLUMN code;
CREATE INDEX class_sessions_org ON class_sessions (org_id, starts_at);
CREATE INDEX class_sessions_trainer ON class_sessions (trainer_id, starts_at);

CREATE TABLE class_signups (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES class_sessions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    signed_up_at TIMESTAMP NOT NULL,
    remind_at TIMESTAMP NOT NULL,
    reminder_sent_at TIMESTAMP,
    UNIQUE (session_id, user_id)
);
CREATE INDEX class_signups_queue ON class_signups (session_id, status, id);
CREATE INDEX class_signups_user ON class_signups (user_id);
CREATE INDEX class_signups_due ON class_signups (remind_at) WHERE reminder_sent_at IS NULL;

ALTER TABLE attendances ADD COLUMN practical_score INTEGER;
ALTER TABLE attendances ADD COLUMN scored_by BIGINT REFERENCES users (id);
ALTER TABLE attendances ADD COLUMN scored_at TIMESTAMP;

ALTER TABLE courses ADD COLUMN complete_practical BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE courses ADD COLUMN practical_pass_mark INTEGER;
