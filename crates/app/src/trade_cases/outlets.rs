//! Shared outlets and fair-trade centres (R-SELL-2): consignment stock per member, sales,
//! settlement to members, stock counts.

use super::{check_id, event, field, slot, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, OrgId};
use trade::outlet::{self, ConsignmentStock, CountDifference};

const OUTLETS: &str = "trade-outlets";

fn outlet_stream(code: &str) -> String {
    format!("outlet:{code}")
}

/// An outlet and its commission (a decimal rate between 0 and 1, e.g. "0.05"; default 0:
/// the ODF lives from the profit share, R-PLAN-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletInput {
    pub code: String,
    pub name: String,
    pub commission_rate: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutletEvent {
    Opened(OutletInput),
    Consigned {
        member: i64,
        product: String,
        units: u64,
        unit_price_minor: i64,
        reference: String,
    },
    Sold {
        member: i64,
        product: String,
        units: u64,
        date: NaiveDate,
        reference: String,
        member_share_minor: i64,
    },
    Settled {
        member: i64,
        amount_minor: i64,
        date: NaiveDate,
        reference: String,
    },
    Counted {
        counts: Vec<(i64, String, u64)>,
        date: NaiveDate,
        reference: String,
    },
}

/// One sale's figures (R-SELL-2): the price of the units sold, the outlet's commission and
/// the member's share (`gross − commission`), which the outlet owes the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutletSaleFigures {
    pub units: u64,
    pub gross_minor: i64,
    pub commission_minor: i64,
    pub share_minor: i64,
}

/// What the outlet did for one member (R-SELL-2): what it sold of theirs, the commission kept,
/// their share, what it paid them and so what it still owes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutletMemberTally {
    pub sold: OutletSaleFigures,
    pub settled_minor: i64,
}

impl OutletMemberTally {
    pub fn owed_minor(&self) -> i64 {
        self.sold.share_minor - self.settled_minor
    }
}

/// An outlet as the fold of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlet {
    pub input: OutletInput,
    pub commission_rate: Decimal,
    pub stock: ConsignmentStock,
    /// What the outlet owes each member (their share of sales less settlements).
    pub owed: BTreeMap<i64, i64>,
    /// Each member's sales, commission, share and settlements (the settlement table).
    pub members: BTreeMap<i64, OutletMemberTally>,
    /// Each sale's figures by its reference (a sale sent again answers them).
    pub sales: BTreeMap<String, OutletSaleFigures>,
    pub sales_minor: i64,
    pub counts: Vec<(NaiveDate, Vec<CountDifference>)>,
    acts: usize,
}

fn rate(text: &str) -> Result<Decimal, AppError> {
    let r: Decimal = text
        .parse()
        .map_err(|_| field("commission_rate", "R-SELL-2 no es un número decimal"))?;
    if r < Decimal::ZERO || r > Decimal::ONE {
        return Err(field("commission_rate", "R-SELL-2 debe estar entre 0 y 1"));
    }
    Ok(r)
}

impl App {
    /// R-SELL-2: opens an outlet (again with the same data: no change).
    pub async fn open_outlet(
        &self,
        org_id: OrgId,
        by: &Actor,
        input: OutletInput,
    ) -> Result<(), AppError> {
        check_id("code", &input.code)?;
        rate(&input.commission_rate)?;
        if input.name.trim().is_empty() {
            return Err(field("name", "no puede estar vacío"));
        }
        self.store().org(org_id).await?;
        #[derive(Serialize)]
        struct Indexed<'a> {
            code: &'a str,
        }
        let events = vec![
            event(
                &outlet_stream(&input.code),
                "trade.outlet.opened",
                format!("trade:outlet:{}:opened", input.code),
                &OutletEvent::Opened(input.clone()),
                by,
            )?,
            event(
                OUTLETS,
                "trade.outlet.indexed",
                format!("trade:outlets:{}", input.code),
                &Indexed { code: &input.code },
                by,
            )?,
        ];
        self.trade_commit(
            org_id,
            Commit {
                events,
                ..Commit::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Every outlet code.
    pub async fn outlets(&self, org_id: OrgId) -> Result<Vec<String>, AppError> {
        #[derive(Deserialize)]
        struct Indexed {
            code: String,
        }
        let index: Vec<Indexed> = self.trade_events(org_id, OUTLETS).await?;
        Ok(index.into_iter().map(|i| i.code).collect())
    }

    /// An outlet as the fold of its events.
    pub async fn outlet(&self, org_id: OrgId, code: &str) -> Result<Outlet, AppError> {
        let events: Vec<OutletEvent> = self.trade_events(org_id, &outlet_stream(code)).await?;
        let mut it = events.into_iter();
        let Some(OutletEvent::Opened(input)) = it.next() else {
            return Err(field(
                "outlet",
                format!("R-SELL-2 tienda '{code}' no existe"),
            ));
        };
        let mut o = Outlet {
            commission_rate: rate(&input.commission_rate)?,
            stock: ConsignmentStock::new(code),
            input,
            owed: BTreeMap::new(),
            members: BTreeMap::new(),
            sales: BTreeMap::new(),
            sales_minor: 0,
            counts: Vec::new(),
            acts: 0,
        };
        for e in it {
            o.acts += 1;
            match e {
                OutletEvent::Opened(_) => {}
                OutletEvent::Consigned {
                    member,
                    product,
                    units,
                    unit_price_minor,
                    ..
                } => o.stock = o.stock.consign(member, &product, units, unit_price_minor)?,
                OutletEvent::Sold {
                    member,
                    product,
                    units,
                    date,
                    member_share_minor,
                    reference,
                } => {
                    let (next, sale) = outlet::sell(
                        &o.stock,
                        member,
                        &product,
                        units,
                        o.commission_rate,
                        date,
                        "fold",
                    )?;
                    o.stock = next;
                    o.sales_minor += sale.gross_minor;
                    *o.owed.entry(member).or_default() += member_share_minor;
                    let figures = OutletSaleFigures {
                        units,
                        gross_minor: sale.gross_minor,
                        commission_minor: sale.gross_minor - member_share_minor,
                        share_minor: member_share_minor,
                    };
                    let t = o.members.entry(member).or_default();
                    t.sold.units += units;
                    t.sold.gross_minor += figures.gross_minor;
                    t.sold.commission_minor += figures.commission_minor;
                    t.sold.share_minor += figures.share_minor;
                    o.sales.insert(reference, figures);
                }
                OutletEvent::Settled {
                    member,
                    amount_minor,
                    ..
                } => {
                    *o.owed.entry(member).or_default() -= amount_minor;
                    o.members.entry(member).or_default().settled_minor += amount_minor;
                }
                OutletEvent::Counted { counts, date, .. } => {
                    let (next, diffs) = outlet::count_stock(&o.stock, &counts);
                    o.stock = next;
                    o.counts.push((date, diffs));
                }
            }
        }
        Ok(o)
    }

    #[allow(clippy::too_many_arguments)]
    async fn outlet_act(
        &self,
        org_id: OrgId,
        by: &Actor,
        code: &str,
        o: &Outlet,
        key: String,
        kind: &str,
        payload: OutletEvent,
        entries: Vec<ledger::ValidEntry>,
        member: Option<i64>,
    ) -> Result<(), AppError> {
        let stream = outlet_stream(code);
        let events = vec![
            event(&stream, kind, key.clone(), &payload, by)?,
            slot(&format!("{stream}:acts"), o.acts, &key, by)?,
        ];
        self.trade_commit(
            org_id,
            Commit {
                accounts: Self::trade_accounts(member),
                events,
                entries,
            },
        )
        .await?;
        Ok(())
    }

    /// R-SELL-2: a member leaves goods on consignment (they stay the member's: no entry).
    #[allow(clippy::too_many_arguments)]
    pub async fn consign(
        &self,
        org_id: OrgId,
        by: &Actor,
        code: &str,
        member: i64,
        product: &str,
        units: u64,
        unit_price_minor: i64,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("consign", {
            check_id("reference", reference)?;
            check_id("product", product)?;
            let key = format!("trade:outlet:{code}:consign:{reference}");
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            let o = self.outlet(org_id, code).await?;
            self.store()
                .member(org_id, member)
                .await
                .map_err(|_| field("member", format!("R-SELL-2 el socio {member} no existe")))?;
            o.stock.consign(member, product, units, unit_price_minor)?;
            self.outlet_act(
                org_id,
                by,
                code,
                &o,
                key,
                "trade.outlet.consigned",
                OutletEvent::Consigned {
                    member,
                    product: product.to_string(),
                    units,
                    unit_price_minor,
                    reference: reference.to_string(),
                },
                Vec::new(),
                None,
            )
            .await
        })
    }

    /// R-SELL-2: a sale at the outlet of a member's consigned goods; the member's share is
    /// owed to them, the commission is the ODF's. More than on consignment is refused. Answers
    /// the sale's figures (the same sale sent again: the figures it recorded).
    #[allow(clippy::too_many_arguments)]
    pub async fn outlet_sale(
        &self,
        org_id: OrgId,
        by: &Actor,
        code: &str,
        member: i64,
        product: &str,
        units: u64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<OutletSaleFigures, AppError> {
        retrying!("outlet_sale", {
            check_id("reference", reference)?;
            let key = format!("trade:outlet:{code}:sale:{reference}");
            let o = self.outlet(org_id, code).await?;
            if let Some(figures) = o.sales.get(reference) {
                return Ok(*figures);
            }
            let (_, sale) = outlet::sell(
                &o.stock,
                member,
                product,
                units,
                o.commission_rate,
                date,
                &key,
            )?;
            let figures = OutletSaleFigures {
                units,
                gross_minor: sale.gross_minor,
                commission_minor: sale.commission_minor,
                share_minor: sale.member_share_minor,
            };
            self.outlet_act(
                org_id,
                by,
                code,
                &o,
                key,
                "trade.outlet.sold",
                OutletEvent::Sold {
                    member,
                    product: product.to_string(),
                    units,
                    date,
                    reference: reference.to_string(),
                    member_share_minor: sale.member_share_minor,
                },
                vec![sale.entry],
                Some(member),
            )
            .await?;
            Ok(figures)
        })
    }

    /// R-SELL-2: pays a member what the outlet owes them; more than owed is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_outlet_member(
        &self,
        org_id: OrgId,
        by: &Actor,
        code: &str,
        member: i64,
        amount_minor: i64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("settle_outlet_member", {
            check_id("reference", reference)?;
            let key = format!("trade:outlet:{code}:settle:{reference}");
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            let o = self.outlet(org_id, code).await?;
            let owed = o.owed.get(&member).copied().unwrap_or(0);
            let entry = outlet::settle_member(member, amount_minor, owed, date, &key)?;
            self.outlet_act(
                org_id,
                by,
                code,
                &o,
                key,
                "trade.outlet.settled",
                OutletEvent::Settled {
                    member,
                    amount_minor,
                    date,
                    reference: reference.to_string(),
                },
                vec![entry],
                Some(member),
            )
            .await
        })
    }

    /// R-SELL-2: a physical count; lines not counted are taken as zero. Differences are
    /// reported (who bears a loss is the board's decision, so no entry is made).
    pub async fn count_outlet(
        &self,
        org_id: OrgId,
        by: &Actor,
        code: &str,
        counts: Vec<(i64, String, u64)>,
        date: NaiveDate,
        reference: &str,
    ) -> Result<Vec<CountDifference>, AppError> {
        retrying!("count_outlet", {
            check_id("reference", reference)?;
            let key = format!("trade:outlet:{code}:count:{reference}");
            let o = self.outlet(org_id, code).await?;
            let (_, diffs) = outlet::count_stock(&o.stock, &counts);
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(diffs);
            }
            self.outlet_act(
                org_id,
                by,
                code,
                &o,
                key,
                "trade.outlet.counted",
                OutletEvent::Counted {
                    counts: counts.clone(),
                    date,
                    reference: reference.to_string(),
                },
                Vec::new(),
                None,
            )
            .await?;
            Ok(diffs)
        })
    }
}
