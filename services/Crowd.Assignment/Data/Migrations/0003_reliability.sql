-- How many judged answers stand behind workers.reliability, so that an older estimate arriving late is ignored.
ALTER TABLE workers ADD COLUMN reliability_observations double precision NOT NULL DEFAULT 0;
