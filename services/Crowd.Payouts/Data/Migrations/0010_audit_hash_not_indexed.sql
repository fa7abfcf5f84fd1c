-- The chain's hashes need no index: nothing looks an event up by its hash (verification walks the chain by seq), and a
-- SHA-256 of the previous hash and the event does not repeat. The unique index cost every appended event a random insert
-- into the table's largest index (407 MB at 3.4 million events), whose pages stop fitting in memory as the chain grows:
-- appends, which hold the chain's lock, then waited on reads (a tenth of the sampled PostgreSQL work under load with two
-- payouts instances; none after).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_hash_key;
