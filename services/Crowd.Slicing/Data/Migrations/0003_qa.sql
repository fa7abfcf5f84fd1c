-- Tasks a QA reviewer excluded from the results: decided without a final label, so they count toward their batch's
-- completion but never appear in its results. One row per task at most, so a task is never counted twice.
CREATE TABLE excluded_tasks (
    task_id          uuid        PRIMARY KEY REFERENCES tasks,
    batch_id         uuid        NOT NULL,
    annotation_count int         NOT NULL,
    note             text,
    excluded_at      timestamptz NOT NULL
);

ALTER TABLE batches ADD COLUMN excluded_count int NOT NULL DEFAULT 0;
