-- Rate limits on end-user logins and code verifications (issue #5). One
-- row per counted subject: an account (a phone, a username) or a client
-- address, per scope (login, password, verify). Times are Unix
-- milliseconds. A window opens with the first attempt and closes
-- window-length later; a row whose window has closed counts as zero and
-- is reset by the next attempt. Kept in the database, not in memory, so
-- the limits hold across replicas and restarts.
CREATE TABLE auth_attempts (
    app_id       BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    scope        TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    window_start BIGINT  NOT NULL,
    PRIMARY KEY (app_id, scope, subject)
);
CREATE INDEX auth_attempts_window ON auth_attempts (app_id, window_start);
