-- Revisiting early decisions (README, "Revisions"). A task's final label has a revision (1 for the first), and a
-- disputed task may take annotations up to its budget (redundancy.max + 2). A batch knows its task count (from
-- slicing's BatchSubmitted) so consensus can tell when every task is final, and when its labels were found stable.
ALTER TABLE consensus_tasks ADD COLUMN revision int NOT NULL DEFAULT 1;
ALTER TABLE batch_owners ADD COLUMN task_count int;
ALTER TABLE batch_owners ADD COLUMN stable_at timestamptz;

-- The revisitor counts each open batch's final tasks.
CREATE INDEX consensus_tasks_by_batch_status ON consensus_tasks (batch_id, status);
DROP INDEX consensus_tasks_by_batch;
-- A batch's judged annotations are counted when its labels are found stable.
CREATE INDEX annotations_by_task_judged ON annotations (task_id) WHERE judged;
