-- Hard tasks go first to the batch's stronger workers (README, "Hard tasks to strong workers"). A task consensus asked
-- more annotations for than redundancy.min is offered, for a while, only to workers whose reliability is at or above
-- the batch's median; after that to anyone who may take it, so no task waits on strong workers who never come.
ALTER TABLE pool_tasks
    ADD COLUMN strong_floor      double precision,  -- the batch's median reliability when the task turned hard
    ADD COLUMN strong_only_until timestamptz;       -- until then, only workers at or above strong_floor may claim it

-- The batch's workers, for its median: claims by task (the unique key leads with the worker).
CREATE INDEX claims_by_task ON claims (task_id);

-- Each batch's median worker reliability, as last computed: a batch's hard tasks share one computation a minute.
CREATE TABLE batch_reliability_medians (
    batch_id    uuid PRIMARY KEY,
    median      double precision,  -- null while no worker of the batch has a reliability yet
    computed_at timestamptz NOT NULL
);
