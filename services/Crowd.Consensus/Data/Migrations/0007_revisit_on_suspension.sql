-- A worker's suspension asks consensus to revisit every open batch holding their annotations (README, "Revisions"),
-- before those batches' tasks are all final. The batches are found by the worker's annotations.
ALTER TABLE batch_owners ADD COLUMN revisit_requested boolean NOT NULL DEFAULT false;
CREATE INDEX annotations_by_worker ON annotations (worker_id);
