-- Run once by the postgres image on an empty volume (docker-compose.yml mounts it into
-- /docker-entrypoint-initdb.d). ./crowd creates the same databases natively.
CREATE DATABASE crowd_slicing;
CREATE DATABASE crowd_assignment;
CREATE DATABASE crowd_consensus;
CREATE DATABASE crowd_payouts;
