-- One single-entry post in one statement (one round trip, run in autocommit), so the balance
-- rows stay locked only for the server-side work and the commit, never for a network round
-- trip. The store (src/journal.rs, `post`) calls it; batches keep their own statements.
--
-- It does what the transaction it replaces did, in the same order:
-- 1. locks the balance rows of the touched accounts in the one order every writer uses
--    (account code, then currency, in byte order: COLLATE "C"), which proves each is open;
-- 2. checks every posting, in order: the account is open (else status 'not_open') and in the
--    posting's currency (else 'currency'); then every touched account, in code order: its
--    balance stays in the range of minor units (else 'overflow'). A refused entry whose key
--    was posted before answers as that repeat ('exists') instead; nothing is written;
-- 3. appends the entry unless its key is taken ('exists' with the stored id and fingerprint:
--    the caller compares fingerprints; 'again' if the key's row is not visible yet), its
--    postings, and moves the balances ('created').
-- The store turns statuses into the same answers (and error texts) as before.
CREATE FUNCTION post_entry(
    p_org_id BIGINT,
    p_key TEXT,
    p_fingerprint TEXT,
    p_reason TEXT,
    p_rule_id TEXT,
    p_date DATE,
    p_memo TEXT,
    p_reverses BIGINT,
    p_codes TEXT[],
    p_amounts BIGINT[],
    p_currencies TEXT[],
    OUT o_status TEXT,
    OUT o_entry_id BIGINT,
    OUT o_fingerprint TEXT,
    OUT o_posting INTEGER,
    OUT o_account TEXT,
    OUT o_account_currency TEXT
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_codes TEXT[] := '{}';
    v_currencies TEXT[] := '{}';
    v_balances BIGINT[] := '{}';
    v_row RECORD;
    v_delta NUMERIC;
    i INTEGER;
    j INTEGER;
BEGIN
    -- 1. Lock, in the fixed order.
    FOR v_row IN
        SELECT b.account_code, b.currency, b.balance_minor
        FROM balances AS b
        WHERE b.org_id = p_org_id AND b.account_code = ANY (p_codes)
        ORDER BY b.account_code COLLATE "C", b.currency COLLATE "C"
        FOR UPDATE
    LOOP
        v_codes := v_codes || v_row.account_code;
        v_currencies := v_currencies || v_row.currency;
        v_balances := v_balances || v_row.balance_minor;
    END LOOP;

    -- 2. Check.
    FOR i IN 1 .. coalesce(cardinality(p_codes), 0) LOOP
        j := array_position(v_codes, p_codes[i]);
        IF j IS NULL THEN
            o_status := 'not_open';
        ELSIF v_currencies[j] <> p_currencies[i] THEN
            o_status := 'currency';
            o_account_currency := v_currencies[j];
        END IF;
        IF o_status IS NOT NULL THEN
            o_posting := i - 1;
            o_account := p_codes[i];
            EXIT;
        END IF;
    END LOOP;
    IF o_status IS NULL THEN
        FOR j IN 1 .. cardinality(v_codes) LOOP
            SELECT sum(u.amount) INTO v_delta
            FROM unnest(p_codes, p_amounts) AS u(code, amount)
            WHERE u.code = v_codes[j];
            IF v_balances[j] + coalesce(v_delta, 0)
               NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
                o_status := 'overflow';
                o_account := v_codes[j];
                EXIT;
            END IF;
        END LOOP;
    END IF;
    IF o_status IS NOT NULL THEN
        -- A repeat of a key posted before answers as a repeat, whatever the balances are now.
        SELECT e.id, e.fingerprint INTO o_entry_id, o_fingerprint
        FROM entries AS e
        WHERE e.org_id = p_org_id AND e.idempotency_key = p_key;
        IF FOUND THEN
            o_status := 'exists';
        END IF;
        RETURN;
    END IF;

    -- 3. Write.
    INSERT INTO entries (org_id, idempotency_key, fingerprint, reason, rule_id, date, memo,
                         reverses)
    VALUES (p_org_id, p_key, p_fingerprint, p_reason, p_rule_id, p_date, p_memo, p_reverses)
    ON CONFLICT (org_id, idempotency_key) DO NOTHING
    RETURNING id INTO o_entry_id;
    IF o_entry_id IS NULL THEN
        -- The key is taken by a committed entry (the insert waited for its transaction).
        SELECT e.id, e.fingerprint INTO o_entry_id, o_fingerprint
        FROM entries AS e
        WHERE e.org_id = p_org_id AND e.idempotency_key = p_key;
        o_status := CASE WHEN FOUND THEN 'exists' ELSE 'again' END;
        RETURN;
    END IF;

    INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency)
    SELECT p_org_id, o_entry_id, (u.ord - 1)::INTEGER, u.code, u.amount, u.currency
    FROM unnest(p_codes, p_amounts, p_currencies) WITH ORDINALITY AS u(code, amount, currency, ord);

    UPDATE balances AS b
    SET balance_minor = (b.balance_minor + d.delta)::BIGINT,
        postings_count = b.postings_count + d.n
    FROM (
        SELECT u.code, sum(u.amount) AS delta, count(*) AS n
        FROM unnest(p_codes, p_amounts) AS u(code, amount)
        GROUP BY u.code
    ) AS d
    WHERE b.org_id = p_org_id AND b.account_code = d.code;

    o_status := 'created';
END;
$$;
