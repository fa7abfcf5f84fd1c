-- The audit trail: every audited act of every service, in one hash chain (API.md, /v1/audit).
-- seq is the chain's order; each hash covers the previous hash and the event, so changing, removing or reordering
-- any event breaks every hash after it.
CREATE TABLE audit_events (
    seq           bigserial   PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    at            timestamptz NOT NULL,
    actor_id      text        NOT NULL,
    role          text        NOT NULL,
    action        text        NOT NULL,
    subject_type  text        NOT NULL,
    subject_id    text        NOT NULL,
    detail        text,
    previous_hash text        NOT NULL,
    hash          text        NOT NULL UNIQUE,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_id, seq);
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_by_time ON audit_events (at);

-- Append-only for the application: an edit needs someone to drop this trigger first, and the chain shows it.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
