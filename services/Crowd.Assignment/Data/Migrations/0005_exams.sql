-- Qualification exams. A PUT of a qualification adds a version; an exam keeps the version it started with, so a new
-- definition never changes the questions of an exam in progress.
CREATE TABLE qualifications (
    name              text             NOT NULL,
    version           int              NOT NULL,
    label_schema      jsonb            NOT NULL,
    question_count    int              NOT NULL CHECK (question_count > 0),
    pass_accuracy     double precision NOT NULL CHECK (pass_accuracy > 0 AND pass_accuracy <= 1),
    retake_after_hours int             NOT NULL CHECK (retake_after_hours >= 0),
    defined_at        timestamptz      NOT NULL,
    PRIMARY KEY (name, version)
);

-- The gold items of one version, with their truth.
CREATE TABLE exam_items (
    item_id       uuid PRIMARY KEY,
    qualification text NOT NULL,
    version       int  NOT NULL,
    external_id   text NOT NULL,
    content_uri   text NOT NULL,
    slice_count   int,
    width         int,
    height        int,
    truth         jsonb NOT NULL,
    FOREIGN KEY (qualification, version) REFERENCES qualifications,
    UNIQUE (qualification, version, external_id)
);

-- One attempt of one worker: in-progress until every question is answered, then passed or failed.
CREATE TABLE exams (
    exam_id       uuid             PRIMARY KEY,
    worker_id     text             NOT NULL REFERENCES workers,
    qualification text             NOT NULL,
    version       int              NOT NULL,
    status        text             NOT NULL,  -- in-progress | passed | failed
    started_at    timestamptz      NOT NULL,
    finished_at   timestamptz,
    accuracy      double precision,
    retake_at     timestamptz,
    FOREIGN KEY (qualification, version) REFERENCES qualifications
);
-- At most one attempt in progress per worker and qualification, whatever races to start one.
CREATE UNIQUE INDEX exams_one_in_progress ON exams (worker_id, qualification) WHERE status = 'in-progress';
CREATE INDEX exams_by_worker ON exams (worker_id, qualification, started_at DESC);

-- The questions of one attempt (question_id is the claim's taskId), answered once.
CREATE TABLE exam_questions (
    question_id uuid        PRIMARY KEY,
    exam_id     uuid        NOT NULL REFERENCES exams,
    item_id     uuid        NOT NULL REFERENCES exam_items,
    position    int         NOT NULL,
    answer      jsonb,
    correct     boolean,
    answered_at timestamptz,
    UNIQUE (exam_id, item_id),
    UNIQUE (exam_id, position)
);

-- The claims of exam questions, apart from the pool's claims: nothing about them reaches consensus or payouts. A released
-- or expired claim gives its question back to the worker; at most one claim of a question is active.
CREATE TABLE exam_claims (
    claim_id         uuid        PRIMARY KEY,
    question_id      uuid        NOT NULL REFERENCES exam_questions,
    worker_id        text        NOT NULL REFERENCES workers,
    status           text        NOT NULL,  -- active | submitted | released | expired
    claimed_at       timestamptz NOT NULL,
    lease_expires_at timestamptz NOT NULL,
    finished_at      timestamptz
);
CREATE UNIQUE INDEX exam_claims_one_active ON exam_claims (question_id) WHERE status = 'active';
CREATE INDEX exam_claims_active_by_lease ON exam_claims (lease_expires_at) WHERE status = 'active';
