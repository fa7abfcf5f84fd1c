-- Audit events come in bundles, one message per sending transaction (AuditEventsRecorded): a refused event is known by
-- its message and its own id.
ALTER TABLE audit_refused DROP CONSTRAINT audit_refused_pkey;
ALTER TABLE audit_refused ADD PRIMARY KEY (message_id, event_id);
