-- Transactional outbox: outgoing messages are rows written in the same transaction as the state change.
-- seq gives the publish order; id becomes the MessageId so consumers can deduplicate redeliveries.
CREATE TABLE outbox (
    seq          bigserial   PRIMARY KEY,
    id           uuid        NOT NULL UNIQUE,
    message_type text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

-- Inbox: one row per (message, consumer) handled, written in the consumer's own transaction.
CREATE TABLE inbox (
    message_id  uuid        NOT NULL,
    consumer    text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, consumer)
);

-- Idempotency-Key replay: the first response to (principal, operation, key) is stored with the effect it describes,
-- as text so that the replay is byte for byte the first answer.
CREATE TABLE idempotency_keys (
    principal   text        NOT NULL,
    operation   text        NOT NULL,
    key         text        NOT NULL,
    status_code int         NOT NULL,
    response    text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, operation, key)
);
