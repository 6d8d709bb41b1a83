-- The journal is append-only on the server, as the event log is: an entry or a posting can be
-- neither changed nor deleted (a correction is a new entry that reverses the old one).
--
-- Postings no longer carry a foreign key to their entry: the store writes an entry's postings
-- in the same statement as the entry (journal::INSERT_BATCH, post_entry), and the key's check,
-- one query per posting, took about a tenth of the server's time in the close of 100,000
-- members (the close ran 3.3-3.5 s without it against 3.5-3.8 s with it).
-- What the key protected against, a posting whose entry is gone, the trigger below now rules
-- out, and `tests/postgres.rs` checks that every posting has its entry.
ALTER TABLE postings DROP CONSTRAINT postings_org_id_entry_id_fkey;

CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
