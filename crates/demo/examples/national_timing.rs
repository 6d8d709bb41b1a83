//! Times the national-scale generation: `cargo run --release -p demo --example national_timing`.
//! Members and roles of every organisation, then their dues, org by org, never all at once.
//! Optional arguments: orgs and members per org (default 2000 × 500), and `members` to skip
//! the dues (to time the two parts apart with `time`, whose user time a busy machine leaves
//! honest while it inflates the wall clock).

use demo::{dues_entries, org, DemoSpec};
use std::time::Instant;

fn main() {
    let members_only = std::env::args().any(|a| a == "members");
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u32>());
    let mut spec = DemoSpec::national();
    if let Some(Ok(orgs)) = args.next() {
        spec.orgs = orgs;
    }
    if let Some(Ok(members)) = args.next() {
        spec.members_per_org = members;
    }
    let started = Instant::now();
    let (mut members, mut roles, mut entries) = (0usize, 0usize, 0usize);
    let mut members_time = std::time::Duration::ZERO;
    for index in 0..spec.orgs {
        let t = Instant::now();
        let plan = org(&spec, index);
        members_time += t.elapsed();
        members += plan.members.len();
        let ids: Vec<i64> = (1..=plan.members.len() as i64).collect();
        roles += plan.roles_for(&ids).len();
        if !members_only {
            entries += dues_entries(&spec, index, &ids).count();
        }
    }
    let total = started.elapsed();
    println!(
        "{} orgs, {members} members, {roles} roles: {:.2?}; {entries} dues entries: {:.2?}; total {:.2?}",
        spec.orgs,
        members_time,
        total - members_time,
        total
    );
}
