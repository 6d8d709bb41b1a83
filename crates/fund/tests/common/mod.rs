//! Helpers shared by the fund crate's integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use fund::{CloseRow, Decision, FundSettings, FundState, ReportFigures};
use ledger::{AccountCode, Currency, TrialBalance, ValidEntry};
use registry::{Curp, LetterOfCommitment, Member, NewMember, Profile, Sex};
use std::collections::BTreeSet;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn settings() -> FundSettings {
    FundSettings::new(1, d(2023, 1, 1))
}

pub fn row(member_id: i64, baseline: (i64, i64), report: Option<(i64, i64)>) -> CloseRow {
    CloseRow {
        member_id,
        baseline_revenue_minor: baseline.0,
        baseline_profit_minor: baseline.1,
        report: report.map(|(revenue_minor, profit_minor)| ReportFigures {
            revenue_minor,
            profit_minor,
        }),
        posted: None,
    }
}

pub fn member(id: i64, birth: NaiveDate) -> Member {
    let first17 = format!("GOML{}MMSRRP0", birth.format("%y%m%d"));
    Member {
        id,
        org_id: 1,
        data: NewMember {
            curp: Curp::with_check_digit(&first17).unwrap(),
            rfc: None,
            given_names: "Lupita".into(),
            surnames: "Gómez".into(),
            sex: Sex::Female,
            birth_date: birth,
            municipality: "Tlayacapan".into(),
            state: "Morelos".into(),
            trade: "alfarería".into(),
            household_size: 4,
            profile: Profile::MicroProducer,
            declared_programmes: BTreeSet::new(),
            joined_on: d(2023, 1, 1),
            letter: LetterOfCommitment {
                signed_on: d(2023, 1, 1),
            },
        },
        left_on: None,
        leave_reason: None,
    }
}

/// The books and the Fund as a test sees them: decisions are applied to both.
#[derive(Default)]
pub struct Books {
    pub state: FundState,
    pub entries: Vec<ValidEntry>,
}

impl Books {
    pub fn apply(&mut self, decision: Decision) {
        self.state.apply_all(&decision.events);
        self.entries.extend(decision.entries);
    }

    pub fn tb(&self) -> TrialBalance {
        TrialBalance::from_entries(&self.entries)
    }

    pub fn balance(&self, code: &str) -> i128 {
        self.tb()
            .balance_minor(&AccountCode::parse(code).unwrap(), Currency::MXN)
    }

    /// Sum of balances of every account whose code matches `pred`.
    pub fn balance_where(&self, pred: impl Fn(&str) -> bool) -> i128 {
        self.tb()
            .lines()
            .filter(|(a, _, _)| pred(a.as_str()))
            .map(|(_, _, v)| v)
            .sum()
    }

    /// Development and Competition as the ledger shows them: credits to the sub-fund equity
    /// accounts less the sub-fund's expenses.
    pub fn ledger_sub_funds(&self) -> (i128, i128) {
        let dev = -self.balance("fund:development") - self.balance("fund:withdrawn:development");
        let comp = -self.balance("fund:competition") - self.balance("fund:spent:competition");
        (dev, comp)
    }

    /// The Fund's net assets as the ledger shows them.
    pub fn ledger_fund_net_assets(&self) -> i128 {
        self.balance("fund:trust-bank:development")
            + self.balance("fund:trust-bank:competition")
            + self.balance_where(|a| a.starts_with("members:") && a.ends_with(":fund-receivable"))
            + self.balance("fund:receivable:borrowers")
            + self.balance("fund:receivable:working-capital")
            + self.balance("fund:temporary-contributions")
    }
}
