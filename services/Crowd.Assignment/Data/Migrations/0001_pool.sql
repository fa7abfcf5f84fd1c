CREATE TABLE workers (
    worker_id      text        PRIMARY KEY,
    display_name   text        NOT NULL,
    time_zone      text        NOT NULL,
    qualifications text[]      NOT NULL DEFAULT '{}',
    status         text        NOT NULL DEFAULT 'active',  -- active | suspended
    reliability    double precision,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The task pool. open_slots is how many more claims the task may take now; slots_opened how many it has been
-- given in all (redundancy.min at release, one more per MoreAnnotationsRequested, never past redundancy.max).
CREATE TABLE pool_tasks (
    task_id                 uuid        PRIMARY KEY,
    batch_id                uuid        NOT NULL,
    content_uri             text        NOT NULL,
    slice                   jsonb,
    tile                    jsonb,
    label_schema            jsonb       NOT NULL,
    guidelines_url          text,
    required_qualifications text[]      NOT NULL,
    priority                int         NOT NULL,
    reward_cents            bigint      NOT NULL,
    policy                  jsonb       NOT NULL,
    open_slots              int         NOT NULL CHECK (open_slots >= 0),
    slots_opened            int         NOT NULL,
    redundancy_max          int         NOT NULL,
    status                  text        NOT NULL DEFAULT 'open',  -- open | finalized | cancelled
    released_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (slots_opened <= redundancy_max)
);
CREATE INDEX pool_tasks_claimable ON pool_tasks (priority DESC, released_at, task_id) WHERE status = 'open' AND open_slots > 0;

-- A worker holds at most one claim per task, ever: released or expired claims still count, so no task comes back.
CREATE TABLE claims (
    claim_id         uuid        PRIMARY KEY,
    task_id          uuid        NOT NULL REFERENCES pool_tasks,
    worker_id        text        NOT NULL REFERENCES workers,
    status           text        NOT NULL,  -- active | submitted | released | expired
    claimed_at       timestamptz NOT NULL DEFAULT now(),
    lease_expires_at timestamptz NOT NULL,
    finished_at      timestamptz,
    UNIQUE (worker_id, task_id)
);
CREATE INDEX claims_active_by_lease ON claims (lease_expires_at) WHERE status = 'active';

CREATE TABLE annotations (
    annotation_id uuid        PRIMARY KEY,
    claim_id      uuid        NOT NULL UNIQUE REFERENCES claims,
    task_id       uuid        NOT NULL,
    worker_id     text        NOT NULL,
    payload       jsonb       NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now()
);
