-- A pool row remembers the revision of its task's label (README, "Revisions"): consensus reopens a disputed task at
-- its next revision, and a TaskFinalized of an earlier revision, arriving late, must not close it again.
ALTER TABLE pool_tasks ADD COLUMN revision int NOT NULL DEFAULT 1;
