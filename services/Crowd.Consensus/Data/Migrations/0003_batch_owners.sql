-- The requester who owns each batch, from slicing's BatchSubmitted (which already names them), so that a batch's
-- agreement is shown to its owner only. No contract changes: consensus subscribes to an event that exists.
CREATE TABLE batch_owners (
    batch_id     uuid PRIMARY KEY,
    requester_id text NOT NULL
);

-- A batch's agreement reads all of its tasks at once.
CREATE INDEX consensus_tasks_by_batch ON consensus_tasks (batch_id);
