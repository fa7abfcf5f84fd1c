-- The W3C trace context a row was written under (CrowdTracing): the relay publishes the row inside that trace.
ALTER TABLE outbox ADD COLUMN trace_parent text;
