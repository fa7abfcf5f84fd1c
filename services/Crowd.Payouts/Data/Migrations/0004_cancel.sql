-- What payouts knows of a cancelled batch, from whichever of slicing's BatchCancelled and assignment's BatchDrained
-- arrives first (independent queues: any order, and either may come before BatchSubmitted).
-- drained_annotation_count: every annotation submitted for the batch; the escrow is settled once that many are paid.
CREATE TABLE batch_cancellations (
    batch_id                 uuid        PRIMARY KEY,
    cancelled_at             timestamptz,
    drained_annotation_count int,
    drained_at               timestamptz
);

-- A cancelled batch's paid annotations are counted from its rewards at settlement.
CREATE INDEX ledger_transactions_by_batch ON ledger_transactions (batch_id, kind);
-- batch_escrows.status gains 'cancelled': the batch was cancelled before payouts saw it, so nothing was held.
