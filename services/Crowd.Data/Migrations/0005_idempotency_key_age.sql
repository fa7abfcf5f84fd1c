-- The pruner deletes idempotency keys past their keeping time: found by age, not by a scan of every key.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
