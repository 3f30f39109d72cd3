-- The gateway's logs are pruned by age (core.StartPruning): these indexes
-- find the oldest rows without scanning the tables.
CREATE INDEX user_events_created ON user_events (created_at);
CREATE INDEX client_msg_ids_created ON client_msg_ids (created_at);
