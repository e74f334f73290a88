-- Key rotation (issue 18 item 4): every audit row names the audit key that made its HMAC.
-- Rows written before this migration were made by the original key, id 1. (National IDs need
-- no column: each stored value names its key, and the original key keeps its spelling.)
ALTER TABLE audit_events ADD COLUMN key_id TEXT NOT NULL DEFAULT '1';
