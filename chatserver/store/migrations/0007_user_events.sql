-- Per-user event log for the WebSocket gateway. Every event a user must
-- not miss (messages that wait for offline users, retracts, group member
-- changes) is one row, numbered by a per-user sequence that only grows.
-- Rows carry the recipient's app_id: a cross-app message lands in the
-- recipient's tenant.
CREATE TABLE user_events (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    payload    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, seq)
);

-- The last sequence number handed out per user. The row is updated in the
-- same transaction that inserts the events, so its row lock orders
-- concurrent writers (several replicas) per user.
CREATE TABLE user_event_seqs (
    app_id  BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id)
);

-- client_msg_id -> msg_id for idempotent sends from the gateway: a retry
-- with the same client_msg_id from the same user finds the first message.
CREATE TABLE client_msg_ids (
    app_id        BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL,
    client_msg_id TEXT   NOT NULL,
    msg_id        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, client_msg_id)
);

-- How far each device of a user acknowledged its event log, so a device
-- that reconnects without ?since= resumes where it left off.
CREATE TABLE user_event_acks (
    app_id  BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    device  TEXT   NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, device)
);

-- Read state: the last msg_id a user read per conversation
-- ("single:<username>", "group:<id>"); it only moves forward.
CREATE TABLE read_states (
    app_id       BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    conversation TEXT   NOT NULL,
    msg_id       BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, conversation)
);
