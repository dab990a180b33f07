DROP TABLE throttle_events;
DROP TABLE certificates;
DROP TABLE signing_keys;
DROP TABLE attendances;
DROP TABLE class_sessions;
DROP TABLE first_completions;
