//! Quick throughput figures for the SQLite store (not a benchmark harness):
//! `cargo run --release -p store-sqlite --example post_speed [batches] [orgs_for_import]`.
//! Environment: `SPREAD=1` gives the batches the shape of `tequio bench` (1,000 members, each
//! entry on its own member's two accounts, so every batch touches 2,000 accounts);
//! `BATCH_ONLY=1` stops after the batches (for profiling them alone); `IN_MEMORY=1` uses an
//! in-memory database.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use registry::{Curp, LetterOfCommitment, NewMember, Profile, Sex};
use std::collections::BTreeSet;
use std::time::Instant;
use store::{NewOrg, Store};
use store_sqlite::SqliteStore;

const MEMBERS: i64 = 500;

/// CPU seconds this process has used (user + system), from /proc; 0 where there is none.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the command: utime is the 12th, stime the 13th (0-based 11 and 12).
    (ticks(11) + ticks(12)) / 100.0
}

fn org_data(slug: &str) -> NewOrg {
    NewOrg {
        slug: slug.into(),
        name: "Bench".into(),
        group_name: "Bench".into(),
        state: "Morelos".into(),
        municipality: "Cuernavaca".into(),
        trade: "alfarería".into(),
        founded_on: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        currency: Currency::MXN,
        dues_amount_minor: 0,
        dues_period_months: 1,
    }
}

fn member(n: u32) -> NewMember {
    let letters: String = (0..4)
        .map(|i| char::from(b'A' + ((n / 26u32.pow(3 - i)) % 26) as u8))
        .collect();
    let birth = NaiveDate::from_ymd_opt(1980, 1 + n % 12, 1 + n % 28).expect("date");
    NewMember {
        curp: Curp::with_check_digit(&format!("{letters}{}MMSBCD0", birth.format("%y%m%d")))
            .expect("curp"),
        rfc: None,
        given_names: format!("Socia {n}"),
        surnames: "Hernández López".into(),
        sex: Sex::Female,
        birth_date: birth,
        municipality: "Cuernavaca".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 4,
        profile: Profile::MicroProducer,
        declared_programmes: BTreeSet::new(),
        joined_on: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        letter: LetterOfCommitment {
            signed_on: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        },
    }
}

fn entry(key: String, member: i64, amount: i64) -> ValidEntry {
    let code = |s: &str| AccountCode::parse(s).expect("code");
    EntryDraft {
        idempotency_key: key,
        reason: "dues.charge".into(),
        rule_id: "R-ORG-6".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(
                code(&format!("members:{member}:dues-receivable")),
                Money::mxn(amount),
            ),
            Posting::new(code("odf:income:dues"), Money::mxn(-amount)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("entry")
}

fn spread_entry(key: String, member: i64, amount: i64) -> ValidEntry {
    let code = |s: String| AccountCode::parse(&s).expect("code");
    EntryDraft {
        idempotency_key: key,
        reason: "bench".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(
                code(format!("members:{member}:dues-receivable")),
                Money::mxn(amount),
            ),
            Posting::new(
                code(format!("members:{member}:payable")),
                Money::mxn(-amount),
            ),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("entry")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let batches: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let import_orgs: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir()?;
    let store = if std::env::var("IN_MEMORY").is_ok() {
        SqliteStore::open_in_memory().await?
    } else {
        SqliteStore::open(&dir.path().join("bench.db")).await?
    };
    let org = store.create_org(&org_data("bench")).await?;
    let members: Vec<_> = (0..MEMBERS as u32).map(member).collect();
    store.import_members(org.id, &members, &[]).await?;

    // SPREAD=1: the shape of `tequio bench` (1,000 members, 2,000 accounts touched per batch).
    let spread = std::env::var("SPREAD").is_ok();
    if spread {
        let more: Vec<_> = (MEMBERS as u32..1_000).map(member).collect();
        store.import_members(org.id, &more, &[]).await?;
    }
    let make = |b: usize| -> Vec<ValidEntry> {
        if spread {
            return (0..1_000)
                .map(|i| spread_entry(format!("b{b}-{i}"), 1 + i as i64, 100 + i as i64))
                .collect();
        }
        (0..1_000)
            .map(|i| {
                entry(
                    format!("b{b}-{i}"),
                    1 + (i as i64 % MEMBERS),
                    100 + i as i64,
                )
            })
            .collect()
    };
    let prepared: Vec<Vec<ValidEntry>> = (0..batches).map(make).collect();
    let started = Instant::now();
    let fingerprints: usize = prepared
        .iter()
        .flatten()
        .map(|e| e.fingerprint().len())
        .sum();
    println!(
        "fingerprints alone: {} in {:.3}s",
        fingerprints / 64,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let cpu = cpu_secs();
    for batch in &prepared {
        store.post_batch(org.id, batch).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    let postings = (batches * 2_000) as f64;
    println!(
        "post_batch: {batches} batches of 1,000 two-posting entries in {secs:.2}s = {:.0} postings/s \
         ({cpu:.2} CPU-s = {:.0} postings per CPU-second)",
        postings / secs,
        postings / cpu.max(0.01)
    );

    if std::env::var("BATCH_ONLY").is_ok() {
        return Ok(());
    }
    // Replaying the same batches writes nothing.
    let started = Instant::now();
    for batch in prepared.iter().take(10) {
        store.post_batch(org.id, batch).await?;
    }
    println!(
        "replay: 10 batches in {:.3}s",
        started.elapsed().as_secs_f64()
    );

    let singles: Vec<_> = (0..2_000)
        .map(|i| entry(format!("s-{i}"), 1 + (i % MEMBERS), 7))
        .collect();
    let started = Instant::now();
    for e in &singles {
        store.post(org.id, e).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "post: 2,000 single entries in {secs:.2}s = {:.0} entries/s (WAL file: {} bytes)",
        2_000.0 / secs,
        std::fs::metadata(dir.path().join("bench.db-wal")).map_or(0, |m| m.len())
    );

    let raw_org = store.create_org(&org_data("raw")).await?;
    let started = Instant::now();
    for batch in &prepared {
        store_sqlite::baseline::insert_raw(store.pool(), raw_org.id, batch, false).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "baseline insert_raw (one transaction per batch): {:.0} postings/s",
        postings / secs
    );

    let started = Instant::now();
    let mut imported = 0;
    for o in 0..import_orgs {
        let org = store.create_org(&org_data(&format!("imp-{o}"))).await?;
        imported += store.import_members(org.id, &members, &[]).await?.created;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import: {imported} members in {import_orgs} orgs in {secs:.2}s = {:.0} members/s \
         (1,000,000 would take {:.0}s)",
        imported as f64 / secs,
        1_000_000.0 * secs / imported as f64
    );
    let tb = store.balances(org.id).await?;
    assert_eq!(tb, store.derived_balances(org.id).await?);
    Ok(())
}
