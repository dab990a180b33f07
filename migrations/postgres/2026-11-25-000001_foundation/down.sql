DROP TABLE outbox;
DROP TABLE login_failures;
DROP TABLE password_tokens;
DROP TABLE sessions;
DROP TABLE role_grants;
DROP TABLE users;
DROP TABLE orgs;
