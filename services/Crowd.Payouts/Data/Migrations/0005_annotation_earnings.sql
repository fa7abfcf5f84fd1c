-- What a worker is shown for each annotation: one row per annotation whose state only moves forward, submitted → paid.
-- AnnotationSubmitted and AnnotationsJudged reach payouts on independent queues, in any order and at the same time.
-- Both write this one row with an upsert on annotation_id, so they meet on its lock: whichever commits second sees
-- the first, and every order and interleaving ends in the same state. (pending_annotations, which the judgement
-- deleted from and the submission inserted into, let the two pass each other unseen under READ COMMITTED.)
CREATE TABLE annotation_earnings (
    annotation_id uuid        PRIMARY KEY,
    worker_id     text        NOT NULL,
    batch_id      uuid        NOT NULL,
    reward_cents  bigint      NOT NULL,
    state         text        NOT NULL CHECK (state IN ('submitted', 'paid')),
    submitted_at  timestamptz,              -- null when the judgement came first and the submission has not arrived yet
    paid_at       timestamptz
);
CREATE INDEX annotation_earnings_pending_by_worker ON annotation_earnings (worker_id) WHERE state = 'submitted';

-- Carry over what was pending, repairing any row left behind by the race: an annotation with a reward is paid.
INSERT INTO annotation_earnings (annotation_id, worker_id, batch_id, reward_cents, state, submitted_at, paid_at)
SELECT p.annotation_id, p.worker_id, p.batch_id, p.reward_cents,
       CASE WHEN t.transaction_id IS NULL THEN 'submitted' ELSE 'paid' END, p.submitted_at, t.created_at
FROM pending_annotations p
LEFT JOIN ledger_transactions t ON t.idempotency_key = 'reward:' || p.annotation_id::text;

DROP TABLE pending_annotations;
