//! The schema is ready to be distributed by organisation with Citus (issue 21). Citus is not
//! installable here, so this reads the migrated schema from `pg_catalog` and
//! `information_schema` and checks what `create_distributed_table(..., 'org_id')` needs:
//!
//! - every table is keyed by `org_id` first (its primary key starts with it, and every unique
//!   constraint includes it: Citus enforces uniqueness only within a shard), or is listed as a
//!   programme-level reference table ([`REFERENCE_TABLES`], copied to every node);
//! - no foreign key joins two organisations' rows: a foreign key between distributed tables
//!   carries `org_id` to `org_id` (a foreign key to a reference table is allowed);
//! - ids are BIGINT (every `id`, `*_id` column and sequence);
//! - the PostgreSQL functions take `org_id` first, the argument `create_distributed_function`
//!   routes a call by (trigger functions take no argument: DEPLOY.md says what changes).
//!
//! The negative test runs the same check on a scratch schema holding a table written without
//! `org_id`, a foreign key without it, an INTEGER id and a function without it, and requires
//! each to be reported: the check can fail.

mod common;

use sqlx::PgPool;
use std::collections::BTreeSet;

/// Tables copied whole to every node instead of split by organisation: the organisations
/// themselves (every tenant table refers to them), and sqlx's record of the migrations.
const REFERENCE_TABLES: &[&str] = &["orgs", "_sqlx_migrations"];

/// Columns named like ids that are not row ids: a programme rule's name (`R-FUND-1`).
const NOT_ROW_IDS: &[&str] = &["rule_id"];

const DISTRIBUTION_COLUMN: &str = "org_id";

/// Everything in `schema` that would stop distribution by `org_id`, one line each.
async fn readiness_problems(pool: &PgPool, schema: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let reference: BTreeSet<&str> = REFERENCE_TABLES.iter().copied().collect();

    // 1. Tables: the primary key starts with org_id and every unique index includes it.
    let tables: Vec<(String, Option<String>, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text,
                (SELECT a.attname::text FROM pg_constraint k
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                  WHERE k.conrelid = c.oid AND k.contype = 'p'),
                ARRAY(SELECT i.indexrelid::regclass::text FROM pg_index i
                       WHERE i.indrelid = c.oid AND i.indisunique
                         AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                                          WHERE a.attrelid = c.oid AND a.attname = $2
                                            AND a.attnum = ANY (i.indkey::int2[])))
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
          ORDER BY 1",
    )
    .bind(schema)
    .bind(DISTRIBUTION_COLUMN)
    .fetch_all(pool)
    .await
    .expect("tables");
    assert!(!tables.is_empty(), "no tables in schema {schema}");
    for (table, pk_first, unique_without) in &tables {
        if reference.contains(table.as_str()) {
            continue;
        }
        if pk_first.as_deref() != Some(DISTRIBUTION_COLUMN) {
            problems.push(format!(
                "table {table}: primary key starts with {pk_first:?}, not {DISTRIBUTION_COLUMN}, \
                 and it is not a reference table"
            ));
        }
        for index in unique_without {
            problems.push(format!(
                "table {table}: unique index {index} does not include {DISTRIBUTION_COLUMN}"
            ));
        }
    }

    // 2. Foreign keys between distributed tables carry org_id to org_id.
    let fks: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT k.conname::text, src.relname::text, dst.relname::text,
                EXISTS (SELECT 1 FROM unnest(k.conkey, k.confkey) AS p(src_col, dst_col)
                          JOIN pg_attribute sa ON sa.attrelid = k.conrelid AND sa.attnum = p.src_col
                          JOIN pg_attribute da ON da.attrelid = k.confrelid AND da.attnum = p.dst_col
                         WHERE sa.attname = $2 AND da.attname = $2)
           FROM pg_constraint k
           JOIN pg_class src ON src.oid = k.conrelid
           JOIN pg_class dst ON dst.oid = k.confrelid
           JOIN pg_namespace n ON n.oid = k.connamespace
          WHERE n.nspname = $1 AND k.contype = 'f'
          ORDER BY 1",
    )
    .bind(schema)
    .bind(DISTRIBUTION_COLUMN)
    .fetch_all(pool)
    .await
    .expect("foreign keys");
    for (name, from, to, same_org) in &fks {
        if !same_org && !reference.contains(to.as_str()) {
            problems.push(format!(
                "foreign key {name} ({from} -> {to}) does not carry {DISTRIBUTION_COLUMN} to \
                 {DISTRIBUTION_COLUMN}: it could join two organisations' rows"
            ));
        }
    }

    // 3. Ids are BIGINT: columns and sequences.
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text
           FROM information_schema.columns
          WHERE table_schema = $1 AND (column_name = 'id' OR column_name LIKE '%\\_id')
          ORDER BY 1, 2",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("columns");
    for (table, column, data_type) in &columns {
        if data_type != "bigint" && !NOT_ROW_IDS.contains(&column.as_str()) {
            problems.push(format!(
                "column {table}.{column} is {data_type}, not bigint"
            ));
        }
    }
    let sequences: Vec<(String, String)> = sqlx::query_as(
        "SELECT sequence_name::text, data_type::text FROM information_schema.sequences
          WHERE sequence_schema = $1 ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("sequences");
    for (sequence, data_type) in &sequences {
        if data_type != "bigint" {
            problems.push(format!("sequence {sequence} is {data_type}, not bigint"));
        }
    }

    // 4. Functions (not trigger functions) take org_id first, as a BIGINT.
    let functions: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT p.proname::text, (p.proargnames)[1]::text, format_type(p.proargtypes[0], NULL)
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
          ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("functions");
    for (function, first_name, first_type) in &functions {
        let named = first_name
            .as_deref()
            .is_some_and(|n| n == DISTRIBUTION_COLUMN || n.ends_with("_org_id"));
        if !named || first_type.as_deref() != Some("bigint") {
            problems.push(format!(
                "function {function}: first argument is {first_name:?} {first_type:?}, not \
                 {DISTRIBUTION_COLUMN} bigint"
            ));
        }
    }
    problems
}

#[tokio::test]
async fn the_migrated_schema_can_be_distributed_by_org_id() {
    let Some((store, _db)) = common::fresh_pg().await else {
        return;
    };
    let pool = store.pool();
    let problems = readiness_problems(pool, "public").await;
    assert!(
        problems.is_empty(),
        "the schema is not ready for Citus:\n{}",
        problems.join("\n")
    );
    // The check looked at the real schema: the tenant tables, the foreign keys and the
    // posting function are there (a renamed schema would pass an empty check).
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in [
        "accounts",
        "balances",
        "entries",
        "events",
        "members",
        "orgs",
        "postings",
        "role_assignments",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let post_entry: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'public' AND p.proname = 'post_entry'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(post_entry, 1);
}

#[tokio::test]
async fn a_table_written_without_org_id_fails_the_check() {
    let Some((store, _db)) = common::fresh_pg().await else {
        return;
    };
    let pool = store.pool();
    for statement in [
        "CREATE SCHEMA citus_probe",
        // Keyed by org_id, as a tenant table should be: not reported.
        "CREATE TABLE citus_probe.good (org_id BIGINT NOT NULL, id BIGINT NOT NULL, \
         PRIMARY KEY (org_id, id))",
        // No org_id at all, and an INTEGER id.
        "CREATE TABLE citus_probe.notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        // org_id, but the key does not start with it and a unique constraint leaves it out;
        // the foreign key joins on the id alone.
        "CREATE TABLE citus_probe.tags (id BIGINT NOT NULL, org_id BIGINT NOT NULL, \
         good_id BIGINT NOT NULL, label TEXT NOT NULL UNIQUE, PRIMARY KEY (id, org_id))",
        "CREATE UNIQUE INDEX good_id_alone ON citus_probe.good (id)",
        "ALTER TABLE citus_probe.tags ADD CONSTRAINT tags_good FOREIGN KEY (good_id) \
         REFERENCES citus_probe.good (id)",
        "CREATE FUNCTION citus_probe.count_notes(p_body TEXT) RETURNS BIGINT LANGUAGE sql \
         AS 'SELECT count(*) FROM citus_probe.notes WHERE body = p_body'",
    ] {
        sqlx::query(statement)
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let problems = readiness_problems(pool, "citus_probe").await;
    let reported = |needle: &str| {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "expected a problem containing {needle:?} in:\n{}",
            problems.join("\n")
        )
    };
    reported("table notes: primary key starts with Some(\"id\")");
    reported("table notes: unique index citus_probe.notes_pkey does not include org_id");
    reported("column notes.id is integer, not bigint");
    reported("table tags: primary key starts with Some(\"id\")");
    reported("table tags: unique index citus_probe.tags_label_key does not include org_id");
    reported("table good: unique index citus_probe.good_id_alone does not include org_id");
    reported("foreign key tags_good (tags -> good)");
    reported("function count_notes: first argument is Some(\"p_body\")");
    // Exactly those: `good`'s key and columns are fine.
    assert_eq!(problems.len(), 8, "{}", problems.join("\n"));
}
