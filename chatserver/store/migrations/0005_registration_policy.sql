-- Registration policy (the GET/PUT /v1/registration/policy extension): one
-- row per app, the whole policy as JSON text, so new policy fields need no
-- migration. The self-registration switch is not stored here: it stays
-- apps.sdk_register, which /v1/sdkregister/status also sets. A purge
-- removes the row through the cascade.
CREATE TABLE registration_policies (
    app_id     BIGINT NOT NULL PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    policy     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
