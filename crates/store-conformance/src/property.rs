//! The property: whatever sequence of valid and invalid entries and batches two organisations
//! post, each organisation's books stay sound (trial balance zero, materialised balances equal
//! to the sum of postings) and equal to a model that applies only what should succeed.

use crate::fixtures::{entry_in, new_org};
use crate::journal::assert_books_sound;
use ledger::{AccountCode, Currency, IdempotencyKey, TrialBalance, ValidEntry};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Posted, Store, StoreError};

/// Most sequences per run, fewest, and the time after which no new sequence starts.
const MAX_SEQUENCES: usize = 300;
const MIN_SEQUENCES: usize = 20;
const TIME_BUDGET: Duration = Duration::from_secs(4);

/// Account pool; the last one is never opened.
const ACCOUNTS: [&str; 6] = [
    "odf:bank",
    "odf:equity",
    "odf:income:dues",
    "fund:development",
    "fund:trust-bank:development",
    "nowhere:not-open",
];

#[derive(Debug, Clone)]
struct Spec {
    key: u8,
    memo: u8,
    /// In USD, which no account of the chart is: refused.
    usd: bool,
    accounts: Vec<usize>,
    amounts: Vec<i64>,
}

#[derive(Debug, Clone)]
enum Op {
    Post(usize, Spec),
    Batch(usize, Vec<Spec>),
    /// Reverse the `n`th (modulo) entry created so far in the organisation.
    Reverse(usize, usize),
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..10,
        0u8..2,
        prop::bool::weighted(0.02),
        prop::collection::vec(prop_oneof![40 => 0usize..5, 1 => Just(5usize)], 2..=4),
        prop::collection::vec(prop_oneof![1i64..1_000_000, -1_000_000i64..-1], 4),
    )
        .prop_map(|(key, memo, usd, accounts, amounts)| Spec {
            key,
            memo,
            usd,
            accounts,
            amounts,
        })
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0usize..2, spec()).prop_map(|(org, s)| Op::Post(org, s)),
        4 => (0usize..2, prop::collection::vec(spec(), 1..=6)).prop_map(|(org, b)| Op::Batch(org, b)),
        1 => (0usize..2, 0usize..100).prop_map(|(org, n)| Op::Reverse(org, n)),
    ];
    prop::collection::vec(op, 1..=12)
}

fn build(spec: &Spec) -> ValidEntry {
    let n = spec.accounts.len();
    let mut amounts: Vec<i64> = spec.amounts[..n - 1].to_vec();
    let mut sum: i64 = amounts.iter().sum();
    if sum == 0 {
        amounts[0] *= 2;
        sum = amounts[0] + amounts[1..].iter().sum::<i64>();
    }
    amounts.push(-sum);
    let postings: Vec<(&str, i64)> = spec
        .accounts
        .iter()
        .zip(amounts)
        .map(|(a, m)| (ACCOUNTS[*a], m))
        .collect();
    let currency = if spec.usd {
        Currency::USD
    } else {
        Currency::MXN
    };
    entry_in(
        currency,
        &format!("p-{}", spec.key),
        &format!("memo {}", spec.memo),
        &postings,
    )
}

/// What the store should hold for one organisation.
struct Model {
    org_id: i64,
    keys: HashMap<String, (String, i64)>,
    created: Vec<(i64, ValidEntry)>,
    books: TrialBalance,
}

#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Conflict,
    Invalid,
}

impl Model {
    /// The refusals the batch may earn (any of them is right), or the expected results with
    /// `None` ids for entries the store will create.
    fn expect(&self, batch: &[ValidEntry]) -> Result<Vec<(Option<i64>, bool)>, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let mut in_batch: HashMap<&str, (usize, String)> = HashMap::new();
        let mut expected = Vec::new();
        for (i, e) in batch.iter().enumerate() {
            let key = e.idempotency_key().as_str();
            let fingerprint = e.fingerprint();
            if let Some((first, fp)) = in_batch.get(key) {
                if *fp != fingerprint {
                    refusals.push(Refusal::Conflict);
                }
                expected.push((Some(-1 - *first as i64), false));
                continue;
            }
            in_batch.insert(key, (i, fingerprint.clone()));
            match self.keys.get(key) {
                Some((fp, id)) if *fp == fingerprint => expected.push((Some(*id), false)),
                Some(_) => refusals.push(Refusal::Conflict),
                None => {
                    let refused = e.postings().iter().any(|p| {
                        p.account.as_str() == ACCOUNTS[5] || p.amount.currency() != Currency::MXN
                    });
                    if refused {
                        refusals.push(Refusal::Invalid);
                    }
                    expected.push((None, true));
                }
            }
        }
        if refusals.is_empty() {
            Ok(expected)
        } else {
            Err(refusals)
        }
    }

    /// Checks the store's answer against the model and applies it; true if it was a refusal.
    fn apply(&mut self, batch: &[ValidEntry], result: StoreResultOf, label: &str) -> bool {
        let refused = result.is_err();
        match (self.expect(batch), result) {
            (Err(refusals), Err(e)) => {
                let kind = match e {
                    StoreError::Conflict { .. } => Refusal::Conflict,
                    StoreError::Invalid { .. } => Refusal::Invalid,
                    other => panic!("{label}: expected one of {refusals:?}, got {other}"),
                };
                assert!(
                    refusals.contains(&kind),
                    "{label}: expected one of {refusals:?}, got {kind:?}"
                );
            }
            (Err(refusals), Ok(posted)) => {
                panic!("{label}: expected one of {refusals:?}, got Ok({posted:?})")
            }
            (Ok(_), Err(e)) => panic!("{label}: expected success, got {e}"),
            (Ok(expected), Ok(posted)) => {
                assert_eq!(posted.len(), batch.len(), "{label}: one result per entry");
                let last_id = self.created.last().map_or(0, |(id, _)| *id);
                let mut previous_new = last_id;
                for (i, ((id, created), got)) in expected.iter().zip(&posted).enumerate() {
                    assert_eq!(got.created, *created, "{label}: entry {i} created");
                    match id {
                        Some(id) if *id < 0 => {
                            let first = (-1 - id) as usize;
                            assert_eq!(got.entry_id, posted[first].entry_id, "{label}: repeat {i}");
                        }
                        Some(id) => assert_eq!(got.entry_id, *id, "{label}: replay {i}"),
                        None => {
                            assert!(
                                got.entry_id > previous_new,
                                "{label}: new ids grow in order"
                            );
                            previous_new = got.entry_id;
                            let e = &batch[i];
                            self.keys.insert(
                                e.idempotency_key().as_str().to_string(),
                                (e.fingerprint(), got.entry_id),
                            );
                            self.created.push((got.entry_id, e.clone()));
                            self.books.add_entry(e);
                        }
                    }
                }
            }
        }
        refused
    }
}

type StoreResultOf = Result<Vec<Posted>, StoreError>;

fn nonzero(books: &TrialBalance) -> Vec<(AccountCode, Currency, i128)> {
    books
        .lines()
        .filter(|(_, _, amount)| *amount != 0)
        .map(|(a, c, m)| (a.clone(), c, m))
        .collect()
}

async fn assert_matches_model(store: &dyn Store, model: &Model, label: &str) {
    let books = assert_books_sound(store, model.org_id).await;
    assert_eq!(
        nonzero(&books),
        nonzero(&model.books),
        "{label}: books differ from the model"
    );
}

/// Runs one sequence; answers how many operations the store refused.
async fn run_sequence(store: &dyn Store, ops: &[Op], label: &str) -> usize {
    let mut refused = 0;
    let mut models = Vec::new();
    for side in ["prop-a", "prop-b"] {
        let org = new_org(store, side).await;
        models.push(Model {
            org_id: org.id,
            keys: HashMap::new(),
            created: Vec::new(),
            books: TrialBalance::new(),
        });
    }
    for (step, op) in ops.iter().enumerate() {
        let label = format!("{label}, step {step} {op:?}");
        let (side, batch, single) = match op {
            Op::Post(side, s) => (*side, vec![build(s)], true),
            Op::Batch(side, specs) => (*side, specs.iter().map(build).collect(), false),
            Op::Reverse(side, n) => {
                let model = &models[*side];
                if model.created.is_empty() {
                    continue;
                }
                let (id, e) = &model.created[n % model.created.len()];
                let key = IdempotencyKey::parse(&format!("rev-{id}")).expect("key");
                (*side, vec![e.reversal(*id, key, e.date())], true)
            }
        };
        let model = &mut models[side];
        let result = if single {
            store.post(model.org_id, &batch[0]).await.map(|p| vec![p])
        } else {
            store.post_batch(model.org_id, &batch).await
        };
        if model.apply(&batch, result, &label) {
            refused += 1;
        }
        assert_matches_model(store, model, &label).await;
    }
    for model in &models {
        assert_matches_model(store, model, &format!("{label}, at the end")).await;
    }
    refused
}

/// Random op sequences across two organisations keep both organisations' books sound and equal
/// to the model. The seed is printed; set `CONFORMANCE_SEED` (a number) to replay a run.
pub async fn check_random_sequences_keep_the_books(store: Arc<dyn Store>) {
    let seed: u64 = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = ops();
    let started = Instant::now();
    let mut sequences = 0;
    let mut steps = 0;
    let mut refused = 0;
    while sequences < MAX_SEQUENCES
        && (sequences < MIN_SEQUENCES || started.elapsed() < TIME_BUDGET)
    {
        let ops = strategy
            .new_tree(&mut runner)
            .expect("generate a sequence")
            .current();
        let label = format!("CONFORMANCE_SEED={seed}, sequence {sequences}");
        refused += run_sequence(&*store, &ops, &label).await;
        sequences += 1;
        steps += ops.len();
    }
    eprintln!(
        "random sequences: {sequences} sequences, {steps} operations ({refused} refused) in {:?} \
         (CONFORMANCE_SEED={seed})",
        started.elapsed()
    );
}
