-- The outbox without a commit-order lock (issue 8): relays claim unsent rows with FOR UPDATE SKIP LOCKED, so any number
-- of relay instances share the work and a row committed late with a smaller seq is simply claimed on a later pass.
--   ordering_key  rows of one key are published in seq order, one at a time (NULL: no consumer needs their order)
--   attempts      failed attempts to publish the row; retry_at holds it back after a failure (backoff)
--   parked_at     set once attempts reach the limit: the relay leaves the row alone until an operator retries it
--                 (SELECT outbox_retry() or ./crowd outbox retry <service> [id]); rows behind it flow meanwhile
ALTER TABLE outbox
    ADD COLUMN ordering_key text,
    ADD COLUMN attempts     int NOT NULL DEFAULT 0,
    ADD COLUMN last_error   text,
    ADD COLUMN retry_at     timestamptz,
    ADD COLUMN parked_at    timestamptz;

-- What the relays claim: unsent and not parked, oldest first.
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL AND parked_at IS NULL;
-- The oldest unsent row of a key (a keyed row waits for it).
CREATE INDEX outbox_unsent_by_key ON outbox (ordering_key, seq) WHERE sent_at IS NULL AND ordering_key IS NOT NULL;
-- Pruning: sent rows older than an hour go, inbox rows older than any redelivery window go.
CREATE INDEX outbox_by_created_at ON outbox (created_at);
CREATE INDEX inbox_by_received_at ON inbox (received_at);

-- The operator's retry: un-parks one parked row (p_id) or all of them, with a fresh count of attempts, and wakes the
-- relays. Returns how many rows it un-parked.
CREATE FUNCTION outbox_retry(p_id uuid DEFAULT NULL) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    retried int;
BEGIN
    UPDATE outbox SET parked_at = NULL, attempts = 0, retry_at = NULL
    WHERE parked_at IS NOT NULL AND sent_at IS NULL AND (p_id IS NULL OR id = p_id);
    GET DIAGNOSTICS retried = ROW_COUNT;
    PERFORM pg_notify('crowd_outbox', '');
    RETURN retried;
END $$;
