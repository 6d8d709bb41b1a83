-- The domain-event log: every rule's state in the app is a fold of its events, and the events
-- are the audit log. Append-only; keyed by org_id first (R-ORG-1, Citus-ready). org_id 0 is the
-- programme (store::PROGRAMME_ORG), which is why there is no foreign key to orgs. seq is
-- numbered per organisation under a transaction-scoped advisory lock on the org id, so seq
-- order is commit order within an organisation.
CREATE TABLE events (
    org_id       BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    stream       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    actor        TEXT NOT NULL,
    origin       TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, seq),
    UNIQUE (org_id, key)
);
CREATE INDEX events_by_stream ON events (org_id, stream, seq);

-- History is never edited.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
