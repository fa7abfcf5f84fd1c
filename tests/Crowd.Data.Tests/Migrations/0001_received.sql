-- What the test consumer saw: one row per handled delivery, in the order it handled them.
CREATE TABLE received (
    position   bigserial PRIMARY KEY,
    message_id uuid      NOT NULL,
    producer   text      NOT NULL,
    sequence   int       NOT NULL
);
