-- Revisions (README, "Revisions"): a result has the revision of its label, and a batch completes only once consensus
-- has found its labels stable at the revisions its results hold. Batches submitted before this migration are not
-- revisited by consensus and complete as before (awaits_stable_labels false); every later one waits.
ALTER TABLE results ADD COLUMN revision int NOT NULL DEFAULT 1;
ALTER TABLE batches ADD COLUMN revision_sum int NOT NULL DEFAULT 0;
UPDATE batches b SET revision_sum = (SELECT count(*) FROM results r WHERE r.batch_id = b.batch_id);
ALTER TABLE batches ADD COLUMN stable_revision_sum int;
ALTER TABLE batches ADD COLUMN judged_annotation_count int;
ALTER TABLE batches ADD COLUMN awaits_stable_labels boolean NOT NULL DEFAULT false;
ALTER TABLE batches ALTER COLUMN awaits_stable_labels SET DEFAULT true;
