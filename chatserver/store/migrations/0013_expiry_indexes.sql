-- Indexes for the pruning loop (core/prune.go), which deletes expired
-- end-user secrets across all apps in small batches: expired sessions of
-- users who never log in again, unspent verifications, codes, captchas and
-- upload tokens, and code sends no limit counts any more.
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX phone_verifications_expiry_all ON phone_verifications (expires_at);
CREATE INDEX verification_codes_expiry ON verification_codes (expires_at);
CREATE INDEX code_sends_time ON code_sends (sent_at);
CREATE INDEX captchas_expiry ON captchas (expires_at);
CREATE INDEX upload_tokens_expiry ON upload_tokens (expires_at);
CREATE INDEX auth_attempts_window_all ON auth_attempts (window_start);
