-- Batches that take no more work: completed (BatchCompleted), or cancelled and drained. The pool keeps a finished batch's
-- tasks, claims and annotations for Pool:KeepFinished (a submission retried late still finds its claim), then the pool
-- pruner deletes them and the batch's row here: the pool holds what can still be claimed or submitted, and slicing,
-- consensus and payouts keep the history. Without it every claim ever made stays in the claim statement's tables.
CREATE TABLE finished_batches (
    batch_id    uuid        PRIMARY KEY,
    finished_at timestamptz NOT NULL
);
CREATE INDEX finished_batches_by_time ON finished_batches (finished_at);

-- Batches finished before this migration: the drained ones at their drain; those with no task open any more (completed,
-- as far as the pool can tell) from now on, so they are kept the full time from here.
INSERT INTO finished_batches (batch_id, finished_at)
SELECT batch_id, drained_at FROM cancelled_batches WHERE drained_at IS NOT NULL;
INSERT INTO finished_batches (batch_id, finished_at)
SELECT batch_id, now() FROM pool_tasks GROUP BY batch_id HAVING bool_and(status <> 'open')
ON CONFLICT (batch_id) DO NOTHING;
