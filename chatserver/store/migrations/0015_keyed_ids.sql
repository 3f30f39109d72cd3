-- SealTalk ids keyed per tenant (core/externalid.go). Until now a SealTalk
-- id was a public permutation of the internal id, so anyone could walk
-- them. Each app gets a secret, id_key (32 random bytes, drawn by the Go
-- step assignIDKeys in idkeys.go for the apps that exist; the store draws
-- it for new apps), and remembers the highest user and group id it had:
-- those ids keep their old 8-character spelling, so nothing a client
-- stored breaks, while every id above them is spelled with the key.
ALTER TABLE apps ADD COLUMN id_key BLOB NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN legacy_user_ids BIGINT NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN legacy_group_ids BIGINT NOT NULL DEFAULT 0;
UPDATE apps SET
    legacy_user_ids = COALESCE((SELECT MAX(id) FROM users WHERE users.app_id = apps.id), 0),
    legacy_group_ids = COALESCE((SELECT MAX(id) FROM chat_groups WHERE chat_groups.app_id = apps.id), 0);
