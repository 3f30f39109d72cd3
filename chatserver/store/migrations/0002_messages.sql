-- Messages, stored durably in send order. id grows with every message, so
-- it orders a conversation; from_id and target ids are kept even when the
-- user leaves, as the username is.
CREATE TABLE messages (
    id              AUTO_ID,
    app_id          BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    target_type     TEXT    NOT NULL,
    from_id         BIGINT  NOT NULL,
    from_username   TEXT    NOT NULL,
    target_id       BIGINT  NOT NULL,
    target_name     TEXT    NOT NULL,
    target_app_id   BIGINT  NOT NULL,
    msg_type        TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    from_label      TEXT    NOT NULL DEFAULT '',
    target_label    TEXT    NOT NULL DEFAULT '',
    no_offline      BOOLEAN NOT NULL DEFAULT FALSE,
    no_notification BOOLEAN NOT NULL DEFAULT FALSE,
    notification    TEXT    NOT NULL DEFAULT '',
    retracted       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX messages_conversation ON messages (app_id, target_type, target_id, id);
CREATE INDEX messages_sender ON messages (app_id, from_id, id);
