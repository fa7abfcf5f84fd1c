-- Separation of duties (docs/api.md, claims): a principal that holds the worker role too is never offered a task of a
-- batch it requested. Null for tasks released before this column (and by senders that do not say): no one is excluded.
ALTER TABLE pool_tasks ADD COLUMN requester_id text;
