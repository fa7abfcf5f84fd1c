-- Batches their requester cancelled: their tasks take no new claims, and once no claim of theirs is open any more the
-- batch is drained: BatchDrained is published once (drained_at) with every annotation ever submitted for it.
CREATE TABLE cancelled_batches (
    batch_id         uuid        PRIMARY KEY,
    cancelled_at     timestamptz NOT NULL,
    drained_at       timestamptz,
    annotation_count int
);
CREATE INDEX cancelled_batches_draining ON cancelled_batches (batch_id) WHERE drained_at IS NULL;

-- A cancel closes all of a batch's tasks, and draining looks for the batch's open claims.
CREATE INDEX pool_tasks_by_batch ON pool_tasks (batch_id);
