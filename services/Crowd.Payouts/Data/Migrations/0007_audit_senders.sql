-- Which service sent each event (the broker-checked AMQP user_id); null for events chained before senders were checked.
-- It is part of the event's hash when present (AuditChain.Hash).
ALTER TABLE audit_events ADD COLUMN service text;

-- Events turned away for their sender (AuditSenders): never chained, kept for an operator with the reason.
CREATE TABLE audit_refused (
    message_id  uuid        PRIMARY KEY,
    event_id    uuid        NOT NULL,
    sender      text,
    action      text        NOT NULL,
    event       jsonb       NOT NULL,
    reason      text        NOT NULL,
    refused_at  timestamptz NOT NULL DEFAULT now()
);
