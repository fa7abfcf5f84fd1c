-- Batches their requester cancelled, from slicing's BatchCancelled. Kept apart from consensus_tasks because the cancel
-- may arrive before a task's first annotation does: that task is created cancelled.
CREATE TABLE cancelled_batches (
    batch_id     uuid        PRIMARY KEY,
    cancelled_at timestamptz NOT NULL
);
-- consensus_tasks.status gains 'cancelled' (the batch was cancelled before the task had a final label);
-- disagreements.status gains 'cancelled' (its task was cancelled: it leaves the QA queue unresolved).
