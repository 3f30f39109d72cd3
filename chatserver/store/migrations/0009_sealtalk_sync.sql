-- SealTalk user API, second part (issue #5): change tracking for
-- /user/sync/:version, image captchas and upload tokens.

-- sync_at is the version (a millisecond stamp from sync_clock) of the last
-- change to a row that /user/sync reports; 0 means "not changed since it
-- was created" (and for rows older than this migration).
ALTER TABLE users ADD COLUMN sync_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE friends ADD COLUMN sync_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blacklist ADD COLUMN sync_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_groups ADD COLUMN sync_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN sync_at BIGINT NOT NULL DEFAULT 0;

-- The last stamp handed out per app. Stamps only grow: each is the wall
-- clock in milliseconds, or the last stamp + 1 when the clock has not
-- moved past it. The row is updated in the transaction that makes the
-- change, so its row lock orders writers: every stamp at or below the
-- committed value belongs to a committed change.
CREATE TABLE sync_clock (
    app_id BIGINT NOT NULL PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    stamp  BIGINT NOT NULL
);

-- What a deletion leaves behind for /user/sync: kind 'friend' (owner_id
-- unfriended target_id), 'blacklist' (owner_id took target_id off the
-- blacklist) or 'member' (target_id left, was removed from or lost with
-- the dissolution of group owner_id). Adding the row back deletes its
-- tombstone. app_id is the app of the row that was deleted.
CREATE TABLE sync_tombstones (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    owner_id   BIGINT NOT NULL,
    target_id  BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (kind, owner_id, target_id)
);
CREATE INDEX sync_tombstones_target ON sync_tombstones (kind, target_id);

-- Image captchas of /user/get_sms_img_code: the id and the answer are
-- stored as SHA-256 hashes, with the rendered PNG that the captcha's URL
-- serves; a captcha works once and dies after a few wrong tries or its
-- TTL.
CREATE TABLE captchas (
    app_id      BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    id_hash     BLOB    NOT NULL,
    answer_hash BLOB    NOT NULL,
    image       BLOB    NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    expires_at  BIGINT  NOT NULL,
    PRIMARY KEY (app_id, id_hash)
);

-- Single-use upload tokens of /user/get_image_token, stored hashed.
CREATE TABLE upload_tokens (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    token_hash BLOB   NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, token_hash)
);
