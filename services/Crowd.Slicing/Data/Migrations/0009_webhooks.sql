-- Signed webhooks (API.md "Webhooks"). Each event a requester's batch raises is written here in the transaction that
-- raised it (so none is lost, and none is sent for work that rolled back), then delivered by the webhook deliverer:
-- at least once, retried with exponential backoff for more than 24 hours, its id the same on every attempt.
CREATE TABLE webhook_deliveries (
    delivery_id     uuid        PRIMARY KEY,             -- the event's id
    requester_id    text        NOT NULL,
    batch_id        uuid        NOT NULL,
    type            text        NOT NULL,
    url             text        NOT NULL,
    body            text        NOT NULL,                -- the exact bytes signed and sent, on every attempt
    status          text        NOT NULL DEFAULT 'pending', -- pending | delivered | failed
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     int,                                 -- the receiver's HTTP status on the last attempt, if it answered
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retrying_since  timestamptz NOT NULL DEFAULT now(),  -- retried for Webhooks:GiveUpAfter from then; a redelivery starts again
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_requester ON webhook_deliveries (requester_id, status, created_at);

-- A requester's signing secrets: the newest signs, and one replaced stays valid (also signs) for 24 hours.
CREATE TABLE webhook_secrets (
    requester_id text        NOT NULL,
    secret       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    PRIMARY KEY (requester_id, created_at)
);
