-- Core tenant schema. Written once for both stores: AUTO_ID and BLOB are
-- rewritten per dialect by migrate.go. Times are Unix milliseconds.
CREATE TABLE apps (
    id               AUTO_ID,
    app_key          TEXT    NOT NULL,
    app_key_lower    TEXT    NOT NULL UNIQUE,
    secret_hash      BLOB    NOT NULL,
    limits           TEXT    NOT NULL DEFAULT '{}',
    features         TEXT    NOT NULL DEFAULT '{}',
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    sensitive_filter BOOLEAN NOT NULL DEFAULT TRUE,
    sdk_register     BOOLEAN NOT NULL DEFAULT TRUE,
    words_version    BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);

CREATE TABLE users (
    id               AUTO_ID,
    app_id           BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    username         TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    nickname         TEXT,
    avatar           TEXT,
    birthday         TEXT,
    gender           INTEGER,
    signature        TEXT,
    region           TEXT,
    address          TEXT,
    extras           TEXT,
    forbidden        BOOLEAN NOT NULL DEFAULT FALSE,
    nodisturb_global BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (app_id, username)
);

-- friends holds one row per direction; a friendship is two rows, each with
-- its owner's notes. friend_id may be a user of another app (cross-app).
CREATE TABLE friends (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    note_name  TEXT   NOT NULL DEFAULT '',
    others     TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, friend_id)
);
CREATE INDEX friends_friend ON friends (friend_id);

CREATE TABLE blacklist (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, target_id)
);
CREATE INDEX blacklist_target ON blacklist (target_id);

CREATE TABLE nodisturb_users (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, target_id)
);
CREATE INDEX nodisturb_users_target ON nodisturb_users (target_id);

CREATE TABLE chat_groups (
    id          AUTO_ID,
    app_id      BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    owner_id    BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    avatar      TEXT    NOT NULL DEFAULT '',
    flag        INTEGER NOT NULL DEFAULT 1,
    max_members INTEGER NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX chat_groups_app ON chat_groups (app_id, id);

-- app_id is the group's app; user_id may belong to another app.
CREATE TABLE group_members (
    app_id    BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    group_id  BIGINT  NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    silenced  BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at BIGINT  NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Per-user group switches: no-disturb (no notification) and shield (no
-- delivery). app_id is the user's app.
CREATE TABLE nodisturb_groups (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id   BIGINT NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE group_shields (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id   BIGINT NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE sensitive_words (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    word       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, word)
);

-- Login state per SDK platform, written by the end-user session layer.
CREATE TABLE user_devices (
    app_id     BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform   TEXT    NOT NULL,
    logged_in  BOOLEAN NOT NULL DEFAULT FALSE,
    online     BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, platform)
);
