-- A balance references its account AND the account's currency, so the database itself refuses
-- a posting to an account that is not open in this organisation or is in another currency
-- (the foreign key is checked once per new balance row). A post then no longer reads the
-- accounts it posts to before writing; when the key fails, `journal::post` reads them to name
-- the account in its error. SQLite cannot change a table's foreign keys: the table is rebuilt.
CREATE UNIQUE INDEX accounts_by_code_currency ON accounts (org_id, code, currency);

CREATE TABLE balances_by_currency (
    org_id         INTEGER NOT NULL,
    account_code   TEXT NOT NULL,
    currency       TEXT NOT NULL,
    balance_minor  INTEGER NOT NULL CHECK (typeof(balance_minor) = 'integer'),
    PRIMARY KEY (org_id, account_code, currency),
    FOREIGN KEY (org_id, account_code, currency) REFERENCES accounts (org_id, code, currency)
) WITHOUT ROWID;
INSERT INTO balances_by_currency (org_id, account_code, currency, balance_minor)
    SELECT org_id, account_code, currency, balance_minor FROM balances;
DROP TABLE balances;
ALTER TABLE balances_by_currency RENAME TO balances;
