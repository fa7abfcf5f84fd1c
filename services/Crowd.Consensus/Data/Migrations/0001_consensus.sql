CREATE TABLE consensus_tasks (
    task_id      uuid        PRIMARY KEY,
    batch_id     uuid        NOT NULL,
    policy       jsonb       NOT NULL,
    status       text        NOT NULL DEFAULT 'collecting',  -- collecting | escalated | finalized
    final_label  jsonb,
    source       text,                                      -- consensus | qa | gold
    created_at   timestamptz NOT NULL DEFAULT now(),
    finalized_at timestamptz
);

CREATE TABLE annotations (
    annotation_id uuid        PRIMARY KEY,
    task_id       uuid        NOT NULL REFERENCES consensus_tasks,
    worker_id     text        NOT NULL,
    payload       jsonb       NOT NULL,
    reward_cents  bigint      NOT NULL,
    submitted_at  timestamptz NOT NULL,
    judged        boolean     NOT NULL DEFAULT false
);
CREATE INDEX annotations_by_task ON annotations (task_id);

CREATE TABLE disagreements (
    disagreement_id uuid        PRIMARY KEY,
    task_id         uuid        NOT NULL UNIQUE REFERENCES consensus_tasks,
    batch_id        uuid        NOT NULL,
    status          text        NOT NULL DEFAULT 'open',  -- open | claimed | resolved
    candidate       jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_by     text,
    resolved_at     timestamptz,
    resolution      jsonb,
    note            text
);
CREATE INDEX disagreements_by_status ON disagreements (status, created_at);
