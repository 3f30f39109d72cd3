-- Chatrooms. max_member_count is the app's chatroomMembers limit when the
-- room was created, so a later limit change does not shrink a full room.
-- The owner may be gone (deleted user); the room stays.
CREATE TABLE chatrooms (
    id               AUTO_ID,
    app_id           BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    owner_id         BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    max_member_count INTEGER NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX chatrooms_app ON chatrooms (app_id, id);

-- app_id is the room's app; user_id may belong to another app (cross-app).
-- muted members stay in the room but cannot send to it.
CREATE TABLE chatroom_members (
    app_id    BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    room_id   BIGINT  NOT NULL REFERENCES chatrooms (id) ON DELETE CASCADE,
    user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted     BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at BIGINT  NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chatroom_members_user ON chatroom_members (user_id);
CREATE INDEX chatroom_members_joined ON chatroom_members (room_id, joined_at, user_id);
