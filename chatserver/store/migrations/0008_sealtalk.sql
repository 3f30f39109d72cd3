-- SealTalk user API (issue #5): the per-user fields the SealTalk dialect
-- adds. One row per user who registered by phone; nickname and portrait
-- live in users (nickname, avatar) so the admin API sees them too.
CREATE TABLE phone_users (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    region     TEXT   NOT NULL,
    phone      TEXT   NOT NULL,
    st_account TEXT,
    privacy    TEXT   NOT NULL DEFAULT '',
    poke       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (app_id, region, phone),
    UNIQUE (app_id, st_account)
);
