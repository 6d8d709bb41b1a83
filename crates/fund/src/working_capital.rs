//! R-BUY-2, the Fund side of working capital: the Competition Sub-Fund lends trade the cash to
//! pay a supplier (or advance a sale, R-SELL-1) under a board decision, and gets it back when
//! the ODF repays. Lending is not spending: the cash leaves the trust
//! (`fund:trust-bank:competition`) for a claim on the ODF (`fund:receivable:working-capital`),
//! so the Fund's net assets and the Competition Sub-Fund are unchanged, and its cash, which
//! every other payment of the trust reads (R-FUND-3, R-FUND-6), is lower until repaid.
//!
//! The entries are trade's (`trade::capital`: the supplier payment or advance, and the
//! repayment, post the trust's side too); these rules decide only whether the Fund can lend or
//! take back, and return the [`FundEvent`]s its state folds, so [`FundState::trust`] and
//! [`FundState::net_assets_minor`] agree with the ledger. The board decision's own limit is
//! trade's check.

use crate::{refuse, Decision, FundError, FundEvent, FundState};

/// The longest act reference a working-capital event carries (trade's event keys).
const MAX_ACT: usize = 200;

fn check(rule: &'static str, act: &str, amount_minor: i64) -> Result<(), FundError> {
    if amount_minor <= 0 {
        return refuse(rule, "amount_minor", "must be positive");
    }
    if act.trim().is_empty() || act.len() > MAX_ACT {
        return refuse(rule, "act", format!("must have 1 to {MAX_ACT} characters"));
    }
    Ok(())
}

/// R-BUY-2: the Competition Sub-Fund lends `amount_minor` to trade for `act` (the trade act's
/// key). Refused above the cash the Competition trust holds in `state` (what other payments
/// already took, working capital still lent included).
pub fn lend_working_capital(
    state: &FundState,
    act: &str,
    amount_minor: i64,
) -> Result<Decision, FundError> {
    const RULE: &str = "R-BUY-2";
    check(RULE, act, amount_minor)?;
    let cash = state.trust.competition_minor;
    if amount_minor > cash {
        return refuse(
            RULE,
            "amount_minor",
            format!(
                "{amount_minor} is above the {} the Competition Sub-Fund holds in trust",
                cash.max(0)
            ),
        );
    }
    Ok(Decision {
        entries: Vec::new(),
        events: vec![FundEvent::WorkingCapitalLent {
            act: act.to_string(),
            amount_minor,
        }],
    })
}

/// R-BUY-2: trade repays `amount_minor` of the working capital it owes the Competition
/// Sub-Fund (`act`, the repayment's key). Refused above what is still lent.
pub fn recover_working_capital(
    state: &FundState,
    act: &str,
    amount_minor: i64,
) -> Result<Decision, FundError> {
    const RULE: &str = "R-BUY-2";
    check(RULE, act, amount_minor)?;
    let lent = state.working_capital_minor;
    if amount_minor > lent {
        return refuse(
            RULE,
            "amount_minor",
            format!(
                "{amount_minor} is above the {} of working capital still lent",
                lent.max(0)
            ),
        );
    }
    Ok(Decision {
        entries: Vec::new(),
        events: vec![FundEvent::WorkingCapitalRepaid {
            act: act.to_string(),
            amount_minor,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Split;

    fn holding(comp: i64) -> FundState {
        let mut s = FundState::default();
        s.apply(&FundEvent::GrantReceived {
            grant_id: 1,
            donor: "d".into(),
            split: Split::new(comp + 1, comp),
        });
        s
    }

    #[test]
    fn r_buy_2_lending_moves_cash_to_a_receivable_and_back() {
        let comp = 5_000;
        let mut s = holding(comp);
        let before = s.net_assets_minor();
        let sub = s.sub_funds();
        let d = lend_working_capital(&s, "pago-1", 4_000).unwrap();
        assert!(d.entries.is_empty());
        s.apply_all(&d.events);
        assert_eq!(s.trust.competition_minor, comp - 4_000);
        assert_eq!(s.trust.development_minor, comp + 1);
        assert_eq!(s.working_capital_minor, 4_000);
        // R-FUND-2: lending is not spending.
        assert_eq!(s.net_assets_minor(), before);
        assert_eq!(s.sub_funds(), sub);
        let d = recover_working_capital(&s, "dev-1", 1_500).unwrap();
        s.apply_all(&d.events);
        assert_eq!(s.trust.competition_minor, comp - 4_000 + 1_500);
        assert_eq!(s.working_capital_minor, 4_000 - 1_500);
        assert_eq!(s.net_assets_minor(), before);
    }

    #[test]
    fn r_buy_2_refuses_lending_more_than_the_competition_trust_holds() {
        let s = holding(5_000);
        let e = lend_working_capital(&s, "pago-1", 5_001).unwrap_err();
        assert_eq!((e.rule_id(), e.field()), ("R-BUY-2", Some("amount_minor")));
        assert!(lend_working_capital(&s, "pago-1", 5_000).is_ok());
        // The Development half is not the Competition Sub-Fund's to lend.
        let mut s2 = holding(0);
        s2.trust.development_minor = 1_000_000;
        assert!(lend_working_capital(&s2, "pago-1", 1).is_err());
    }

    #[test]
    fn r_buy_2_refuses_taking_back_more_than_is_lent_and_non_positive_amounts() {
        let mut s = holding(5_000);
        s.apply_all(&lend_working_capital(&s, "pago-1", 2_000).unwrap().events);
        let e = recover_working_capital(&s, "dev-1", 2_001).unwrap_err();
        assert_eq!((e.rule_id(), e.field()), ("R-BUY-2", Some("amount_minor")));
        assert!(recover_working_capital(&s, "dev-1", 2_000).is_ok());
        for bad in [0, -1] {
            assert_eq!(
                lend_working_capital(&s, "x", bad).unwrap_err().field(),
                Some("amount_minor")
            );
            assert_eq!(
                recover_working_capital(&s, "x", bad).unwrap_err().field(),
                Some("amount_minor")
            );
        }
        assert_eq!(
            lend_working_capital(&s, " ", 1).unwrap_err().field(),
            Some("act")
        );
    }
}
