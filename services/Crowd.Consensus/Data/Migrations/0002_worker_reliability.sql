-- Each worker's one-coin reliability as Beta pseudo-counts (a new worker starts at the engine's prior, Beta(4, 1)),
-- learned from gold answers, QA decisions and agreement with final labels. suspended: WorkerSuspended was published.
CREATE TABLE worker_reliability (
    worker_id    text             PRIMARY KEY,
    correct      double precision NOT NULL,
    incorrect    double precision NOT NULL,
    observations double precision NOT NULL,
    suspended    boolean          NOT NULL DEFAULT false,
    updated_at   timestamptz      NOT NULL DEFAULT now()
);
