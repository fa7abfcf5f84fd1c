-- When the requester cancelled the batch (status 'cancelled'); null for every other status.
ALTER TABLE batches ADD COLUMN cancelled_at timestamptz;
