-- Payout runs: each moves every worker payable balance at or above its minimum to the external account, in one
-- transaction with its ledger transactions (kind payout, key payout:{run_id}:{worker_id}) and its PayoutIssued messages.
CREATE TABLE payout_runs (
    run_id        uuid        PRIMARY KEY,
    minimum_cents bigint      NOT NULL CHECK (minimum_cents >= 1),
    total_cents   bigint      NOT NULL CHECK (total_cents >= 0),
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One line per worker paid by a run: the whole payable balance the worker had when the run locked it.
CREATE TABLE payout_lines (
    run_id       uuid   NOT NULL REFERENCES payout_runs,
    worker_id    text   NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    PRIMARY KEY (run_id, worker_id)
);
