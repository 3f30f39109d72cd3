-- Real login and online state for userstat (issue #5). Login state comes
-- from live sessions; online state from WebSocket connections, recorded
-- per gateway replica. A replica renews its lease while it runs; the
-- connections of a replica whose lease ran out (a crash) count as offline,
-- and are removed with the replica row.
CREATE TABLE gateway_replicas (
    id          TEXT   PRIMARY KEY,
    alive_until BIGINT NOT NULL
);

-- conns counts one device's open connections on one replica (a client may
-- hold several sockets with one token).
CREATE TABLE gateway_connections (
    replica_id TEXT    NOT NULL REFERENCES gateway_replicas (id) ON DELETE CASCADE,
    app_id     BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device     TEXT    NOT NULL,
    conns      INTEGER NOT NULL,
    PRIMARY KEY (replica_id, user_id, device)
);
CREATE INDEX gateway_connections_user ON gateway_connections (user_id, device);
CREATE INDEX sessions_user_device ON sessions (user_id, device, expires_at);

-- user_devices now lists the platforms a user ever logged in on (the seed:
-- "devices" is empty for a user who never logged in); its logged_in and
-- online columns are no longer read; the state is derived as above.
