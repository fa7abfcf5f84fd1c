CREATE TABLE batches (
    batch_id                   uuid             PRIMARY KEY,
    requester_id               text             NOT NULL,
    name                       text             NOT NULL,
    modality                   text             NOT NULL,
    label_schema               jsonb            NOT NULL,
    guidelines_url             text,
    slicing                    jsonb            NOT NULL,
    redundancy_min             int              NOT NULL,
    redundancy_max             int              NOT NULL,
    acceptance_threshold       double precision NOT NULL,
    price_per_annotation_cents bigint           NOT NULL,
    platform_fee_basis_points  int              NOT NULL,
    required_qualifications    text[]           NOT NULL,
    priority                   int              NOT NULL,
    deadline                   timestamptz,
    callback_url               text,
    status                     text             NOT NULL,
    rejection_reason           text,
    task_count                 int              NOT NULL,
    max_cost_cents             bigint           NOT NULL,
    finalized_count            int              NOT NULL DEFAULT 0,
    accepted_count             int              NOT NULL DEFAULT 0,
    escalated_count            int              NOT NULL DEFAULT 0,
    annotation_count           int              NOT NULL DEFAULT 0,
    created_at                 timestamptz      NOT NULL DEFAULT now(),
    completed_at               timestamptz
);
CREATE INDEX batches_by_requester ON batches (requester_id, batch_id);

CREATE TABLE items (
    item_id     uuid    PRIMARY KEY,
    batch_id    uuid    NOT NULL REFERENCES batches,
    external_id text    NOT NULL,
    content_uri text    NOT NULL,
    slice_count int,
    width       int,
    height      int,
    metadata    jsonb,
    is_gold     boolean NOT NULL,
    truth       jsonb,
    UNIQUE (batch_id, external_id)
);

CREATE TABLE tasks (
    task_id    uuid    PRIMARY KEY,
    batch_id   uuid    NOT NULL REFERENCES batches,
    item_id    uuid    NOT NULL REFERENCES items,
    position   int     NOT NULL,
    slice_from int,
    slice_to   int,
    tile       jsonb,
    is_gold    boolean NOT NULL,
    UNIQUE (batch_id, position)
);

-- One row per task at most: a second LabelAccepted for the same task can never finalize it twice.
CREATE TABLE results (
    task_id          uuid             PRIMARY KEY REFERENCES tasks,
    batch_id         uuid             NOT NULL,
    label            jsonb            NOT NULL,
    confidence       double precision NOT NULL,
    agreement        double precision NOT NULL,
    annotation_count int              NOT NULL,
    source           text             NOT NULL,
    finalized_at     timestamptz      NOT NULL DEFAULT now()
);
