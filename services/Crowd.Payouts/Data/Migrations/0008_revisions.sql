-- A completed batch's annotations as consensus counted them when its labels were stable (README, "Revisions"): a
-- revisited task's extra annotations are judged after its first ones, so counting judged tasks is not enough to know
-- that every annotation is paid. Null for a batch completed by a sender that predates it.
ALTER TABLE batch_escrows ADD COLUMN expected_annotation_count int;
