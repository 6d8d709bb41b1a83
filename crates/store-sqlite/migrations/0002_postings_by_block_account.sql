-- Statements read an account's postings in entry order. Keyed (org_id, account_code, entry_id),
-- the index put every posting at the tail of its account's range, so a batch touching 2,000
-- accounts dirtied 2,000 index pages and wrote each to the WAL at commit. Keyed first by the
-- entry's block of 8,192 ids, a batch's postings land in the few pages of the current block;
-- a statement reads the account block by block (`journal::account_entries`), in the same order.
DROP INDEX postings_by_account;
CREATE INDEX postings_by_block_account ON postings (org_id, entry_id / 8192, account_code, entry_id);
