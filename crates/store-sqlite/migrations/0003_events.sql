-- The domain-event log: every rule's state in the app is a fold of its events, and the events
-- are the audit log. Append-only; keyed by org_id first (R-ORG-1). org_id 0 is the programme
-- (store::PROGRAMME_ORG), which is why there is no foreign key to orgs.
CREATE TABLE events (
    org_id       INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    stream       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    actor        TEXT NOT NULL,
    origin       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX events_by_key ON events (org_id, key);
CREATE INDEX events_by_stream ON events (org_id, stream, seq);

-- History is never edited.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
