-- Audit events wait here from the transaction of the act until the audit shipper (Crowd.Data/Audit/AuditShipper.cs)
-- moves them to the outbox, up to a hundred a message. A row a claim adds here costs a heap row and an index entry; as an
-- outbox row of its own it cost a JSON body, a second index, the relay's mark and the pruner's delete, and on 2 cores it
-- took a third of what a claim costs (docs/benchmarks.md, "Audit events journaled"). A queue: rows leave within a second,
-- so its dead rows are vacuumed by count, not by the table's size.
CREATE TABLE audit_journal (
    seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL,
    at           timestamptz NOT NULL,
    actor_id     text        NOT NULL,
    role         text        NOT NULL,
    action       text        NOT NULL,
    subject_type text        NOT NULL,
    subject_id   text        NOT NULL,
    detail       text
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);
