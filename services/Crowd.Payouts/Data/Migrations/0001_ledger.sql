-- Double-entry ledger in integer cents. The cached balance of each account is kept in the same transaction as
-- its entries; only the external account (money outside the platform) may go negative.
CREATE TABLE accounts (
    account_id    text        PRIMARY KEY,
    kind          text        NOT NULL,  -- external | requester-available | escrow | worker-payable | platform-fees
    owner_id      text,
    balance_cents bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT only_external_goes_negative CHECK (kind = 'external' OR balance_cents >= 0)
);
CREATE INDEX accounts_by_owner ON accounts (owner_id, kind);

CREATE TABLE ledger_transactions (
    transaction_id  uuid        PRIMARY KEY,
    -- Derived from the cause (reward:{annotationId}, escrow:{batchId}, ...): a redelivered cause cannot move money twice.
    idempotency_key text        NOT NULL UNIQUE,
    kind            text        NOT NULL,  -- deposit | escrow | reward | settle | payout
    batch_id        uuid,
    annotation_id   uuid,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
    entry_id       bigserial PRIMARY KEY,
    transaction_id uuid      NOT NULL REFERENCES ledger_transactions,
    account_id     text      NOT NULL REFERENCES accounts,
    amount_cents   bigint    NOT NULL CHECK (amount_cents <> 0)
);
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id);
CREATE INDEX ledger_entries_by_transaction ON ledger_entries (transaction_id);

-- Every transaction's entries sum to zero, checked by the database at commit whatever code wrote them.
CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
BEGIN
    SELECT coalesce(sum(amount_cents), 0) INTO total FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: entries sum to %', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_balance
    AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

-- What payouts knows of each batch's escrow, and how far its settlement has come.
CREATE TABLE batch_escrows (
    batch_id                 uuid        PRIMARY KEY,
    requester_id             text        NOT NULL,
    max_cost_cents           bigint      NOT NULL,
    fee_cents_per_annotation bigint      NOT NULL,
    task_count               int         NOT NULL,
    status                   text        NOT NULL,  -- funded | rejected | settled
    judged_task_count        int         NOT NULL DEFAULT 0,
    expected_task_count      int,                   -- set by BatchCompleted
    created_at               timestamptz NOT NULL DEFAULT now(),
    settled_at               timestamptz
);

-- One row per judged task: AnnotationsJudged counts towards settlement once, however often it is delivered.
CREATE TABLE judged_tasks (
    task_id  uuid PRIMARY KEY,
    batch_id uuid NOT NULL
);

-- Annotations submitted but not yet judged: a worker's pending earnings.
CREATE TABLE pending_annotations (
    annotation_id uuid        PRIMARY KEY,
    worker_id     text        NOT NULL,
    batch_id      uuid        NOT NULL,
    reward_cents  bigint      NOT NULL,
    submitted_at  timestamptz NOT NULL
);
CREATE INDEX pending_annotations_by_worker ON pending_annotations (worker_id);
