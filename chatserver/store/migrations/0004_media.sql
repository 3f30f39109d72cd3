-- Media uploaded through POST /v1/resource. media holds what the upload
-- answered with; the bytes sit behind the media.Blobs interface, which by
-- default stores them in media_blobs (an S3-compatible Blobs would leave
-- that table empty). Both are keyed by the app, and media_id is the public,
-- opaque key ("image/<random hex>").
CREATE TABLE media (
    id         AUTO_ID,
    app_id     BIGINT  NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    media_id   TEXT    NOT NULL,
    media_type TEXT    NOT NULL,
    format     TEXT    NOT NULL DEFAULT '',
    fname      TEXT    NOT NULL DEFAULT '',
    size       BIGINT  NOT NULL,
    crc32      BIGINT  NOT NULL,
    hash       TEXT    NOT NULL,
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    UNIQUE (app_id, media_id)
);

CREATE TABLE media_blobs (
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    blob_key   TEXT   NOT NULL,
    data       BLOB   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, blob_key)
);
