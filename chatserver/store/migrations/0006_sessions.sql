-- End users (issue #5): sessions and phone verification. Times are Unix
-- milliseconds. Secrets are never stored in the clear: a session token or
-- a verification token is kept as its SHA-256, a code as a salted SHA-256.

-- One row per login. Logout deletes the row; deleting the user or purging
-- the app removes it through the cascade.
CREATE TABLE sessions (
    id         AUTO_ID,
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB   NOT NULL UNIQUE,
    device     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, expires_at);

-- The live verification code of a phone for one purpose; a new code
-- replaces it. failures counts wrong tries; the row dies at the limit.
CREATE TABLE verification_codes (
    app_id     BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    region     TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    code_hash  BLOB    NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    PRIMARY KEY (app_id, region, phone, purpose)
);

-- code_phones has one row per phone that was ever sent a code. Sends to a
-- phone update it first, which serialises them on PostgreSQL, so the
-- per-phone limits hold under concurrency.
CREATE TABLE code_phones (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    region     TEXT   NOT NULL,
    phone      TEXT   NOT NULL,
    touched_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, region, phone)
);

-- One row per code delivered in the last day, for the per-phone limits.
CREATE TABLE code_sends (
    id      AUTO_ID,
    app_id  BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    region  TEXT   NOT NULL,
    phone   TEXT   NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX code_sends_phone ON code_sends (app_id, region, phone, sent_at);

-- Proof that a phone passed a code check, spent once by registration.
CREATE TABLE phone_verifications (
    token_hash BLOB   NOT NULL PRIMARY KEY,
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    region     TEXT   NOT NULL,
    phone      TEXT   NOT NULL,
    purpose    TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX phone_verifications_expiry ON phone_verifications (app_id, expires_at);
