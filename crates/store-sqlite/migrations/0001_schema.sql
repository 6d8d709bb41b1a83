-- Tequio on SQLite. Every table is keyed by org_id first (R-ORG-1): primary keys and indexes
-- start with org_id, and every query filters by it. Money is INTEGER minor units; the CHECKs
-- refuse a value SQLite would silently have turned into a float on overflow.

CREATE TABLE orgs (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    group_name          TEXT NOT NULL,
    state               TEXT NOT NULL,
    municipality        TEXT NOT NULL,
    trade               TEXT NOT NULL,
    founded_on          TEXT NOT NULL,
    currency            TEXT NOT NULL,
    dues_amount_minor   INTEGER NOT NULL CHECK (typeof(dues_amount_minor) = 'integer'),
    dues_period_months  INTEGER NOT NULL
);

CREATE TABLE accounts (
    org_id    INTEGER NOT NULL REFERENCES orgs (id),
    code      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    owner     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (org_id, code)
) WITHOUT ROWID;

CREATE TABLE entries (
    org_id           INTEGER NOT NULL,
    id               INTEGER NOT NULL,
    idempotency_key  TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    date             TEXT NOT NULL,
    memo             TEXT NOT NULL,
    reverses         INTEGER,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES orgs (id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX entries_by_key ON entries (org_id, idempotency_key);

CREATE TABLE postings (
    org_id        INTEGER NOT NULL,
    entry_id      INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    account_code  TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (typeof(amount_minor) = 'integer'),
    currency      TEXT NOT NULL,
    PRIMARY KEY (org_id, entry_id, seq)
) WITHOUT ROWID;
CREATE INDEX postings_by_account ON postings (org_id, account_code, entry_id);

-- Materialised balances: one row per account that ever had a posting, changed only in the
-- transaction that appends the postings.
CREATE TABLE balances (
    org_id         INTEGER NOT NULL,
    account_code   TEXT NOT NULL,
    currency       TEXT NOT NULL,
    balance_minor  INTEGER NOT NULL CHECK (typeof(balance_minor) = 'integer'),
    PRIMARY KEY (org_id, account_code, currency),
    FOREIGN KEY (org_id, account_code) REFERENCES accounts (org_id, code)
) WITHOUT ROWID;

CREATE TABLE members (
    org_id               INTEGER NOT NULL REFERENCES orgs (id),
    id                   INTEGER NOT NULL,
    curp                 TEXT NOT NULL,
    rfc                  TEXT,
    given_names          TEXT NOT NULL,
    surnames             TEXT NOT NULL,
    sex                  TEXT NOT NULL,
    birth_date           TEXT NOT NULL,
    municipality         TEXT NOT NULL,
    state                TEXT NOT NULL,
    trade                TEXT NOT NULL,
    household_size       INTEGER NOT NULL,
    profile              TEXT NOT NULL,
    declared_programmes  TEXT NOT NULL,
    joined_on            TEXT NOT NULL,
    letter_signed_on     TEXT NOT NULL,
    left_on              TEXT,
    leave_reason         TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX members_by_curp ON members (org_id, curp);

CREATE TABLE role_assignments (
    org_id       INTEGER NOT NULL REFERENCES orgs (id),
    id           INTEGER NOT NULL,
    person_name  TEXT NOT NULL,
    member_id    INTEGER,
    role         TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    until_date   TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
) WITHOUT ROWID;
