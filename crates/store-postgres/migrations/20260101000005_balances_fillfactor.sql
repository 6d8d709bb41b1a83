-- A post updates the balance row of every account it touches. A page filled to the brim has no
-- room for the new version of a row, so each update also inserted a new entry into the
-- primary key's index (and PostgreSQL later spent time deleting the dead ones: the close of
-- 100,000 members showed it at the top of the server's profile). With room left on each page
-- the update stays on the page and leaves the index alone (a HOT update).
ALTER TABLE balances SET (fillfactor = 50);
