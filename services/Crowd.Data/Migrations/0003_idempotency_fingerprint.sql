-- An Idempotency-Key is bound to the request it came with (method, path, body): the same key with another request is
-- refused (422) instead of replaying the first answer for it. Null for keys remembered before: they replay as before.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint text;
