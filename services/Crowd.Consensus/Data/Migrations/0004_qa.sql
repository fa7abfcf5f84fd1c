-- What each task shows (assignment's content reference, carried on AnnotationSubmitted), so that a QA reviewer who
-- claims its disagreement can look at it. Null for tasks whose annotations predate it.
ALTER TABLE consensus_tasks ADD COLUMN content jsonb;

-- One QA reviewer at a time: the holder of the claim and the end of its lease. The stored status stays open until
-- resolved; a disagreement shows as claimed only while claim_expires_at is ahead, so an ended lease needs no sweeper.
-- excluded: the reviewer dropped the task from the results instead of labelling it.
ALTER TABLE disagreements
    ADD COLUMN claimed_by       text,
    ADD COLUMN claim_expires_at timestamptz,
    ADD COLUMN excluded         boolean NOT NULL DEFAULT false;
