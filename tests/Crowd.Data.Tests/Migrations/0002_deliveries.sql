-- Every delivery the test consumers saw, duplicates included (no inbox in front of it): duplicates are counted, not hidden.
CREATE TABLE deliveries (
    position   bigserial PRIMARY KEY,
    message_id uuid      NOT NULL,
    writer     int       NOT NULL,
    sequence   int       NOT NULL
);

-- Each time a relay marks an outbox row sent: a row marked twice was published by two relays.
CREATE TABLE outbox_marks (
    seq       bigint      NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION outbox_count_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sent_at IS NOT NULL THEN
        INSERT INTO outbox_marks (seq) VALUES (NEW.seq);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_count_marks AFTER UPDATE OF sent_at ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_count_marks();

-- The Flaky messages handled (the poison one never is).
CREATE TABLE flaky_handled (
    sequence int NOT NULL PRIMARY KEY
);
