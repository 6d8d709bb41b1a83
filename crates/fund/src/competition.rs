//! R-FUND-3: what the Competition Sub-Fund may pay for, and paying it with a board decision.
//!
//! Entry: Dr `fund:spent:competition`, Cr `fund:trust-bank:competition`. The available balance
//! is the cash in the Competition trust account.

use crate::chart::{code, EntrySpec};
use crate::{refuse, Decision, FundError, FundEvent, FundSettings, FundState};
use chrono::NaiveDate;
use ledger::Money;

/// R-FUND-3: the categories, exactly as the rule lists them, in its order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CompetitionCategory {
    /// Technical assistance and training for members and ODF staff.
    TechnicalAssistanceAndTraining,
    /// Scientific and technological research.
    Research,
    /// The group's corporate image.
    CorporateImage,
    /// Strengthening the ODF's capacity to provide services.
    OdfServiceCapacity,
    /// Catalogues, brochures and promotional material.
    PromotionalMaterial,
    /// Co-financing programmes with formal support institutions.
    CoFinancingWithInstitutions,
    /// Inviting experts and research visits.
    ExpertsAndResearchVisits,
    /// Audiovisual and documented records of the project.
    ProjectRecords,
    /// Developing or acquiring prototype production units.
    PrototypeProductionUnits,
    /// Samples, designs, prototypes and technological innovations.
    SamplesDesignsPrototypes,
    /// Trade fairs, business trips and sales promotion.
    TradeFairsAndSalesPromotion,
    /// Support to reduce members' domestic work.
    DomesticWorkSupport,
    /// Guarantees for central storage, sales and distribution facilities.
    StorageSalesDistributionGuarantees,
    /// Participation in the programme's information system.
    InformationSystem,
    /// Studies and market research.
    MarketResearch,
}

impl CompetitionCategory {
    pub const ALL: [CompetitionCategory; 15] = [
        CompetitionCategory::TechnicalAssistanceAndTraining,
        CompetitionCategory::Research,
        CompetitionCategory::CorporateImage,
        CompetitionCategory::OdfServiceCapacity,
        CompetitionCategory::PromotionalMaterial,
        CompetitionCategory::CoFinancingWithInstitutions,
        CompetitionCategory::ExpertsAndResearchVisits,
        CompetitionCategory::ProjectRecords,
        CompetitionCategory::PrototypeProductionUnits,
        CompetitionCategory::SamplesDesignsPrototypes,
        CompetitionCategory::TradeFairsAndSalesPromotion,
        CompetitionCategory::DomesticWorkSupport,
        CompetitionCategory::StorageSalesDistributionGuarantees,
        CompetitionCategory::InformationSystem,
        CompetitionCategory::MarketResearch,
    ];

    /// The storage form.
    pub fn as_str(&self) -> &'static str {
        use CompetitionCategory::*;
        match self {
            TechnicalAssistanceAndTraining => "technical_assistance_training",
            Research => "research",
            CorporateImage => "corporate_image",
            OdfServiceCapacity => "odf_service_capacity",
            PromotionalMaterial => "promotional_material",
            CoFinancingWithInstitutions => "co_financing_institutions",
            ExpertsAndResearchVisits => "experts_research_visits",
            ProjectRecords => "project_records",
            PrototypeProductionUnits => "prototype_production_units",
            SamplesDesignsPrototypes => "samples_designs_prototypes",
            TradeFairsAndSalesPromotion => "trade_fairs_sales_promotion",
            DomesticWorkSupport => "domestic_work_support",
            StorageSalesDistributionGuarantees => "storage_sales_distribution_guarantees",
            InformationSystem => "information_system",
            MarketResearch => "market_research",
        }
    }

    /// R-FUND-3: any other purpose is refused.
    pub fn parse(text: &str) -> Result<Self, FundError> {
        CompetitionCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == text.trim())
            .ok_or_else(|| {
                FundError::rule(
                    "R-FUND-3",
                    "category",
                    format!(
                        "'{}' is not a purpose the Competition Sub-Fund may pay for",
                        text.trim()
                    ),
                )
            })
    }
}

/// A board decision (R-GOV-2) as the rules need it: the shell checks quorum and votes and
/// passes the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardDecision {
    pub decision_id: i64,
    pub date: NaiveDate,
    pub approved: bool,
    pub purpose: String,
    /// The most the decision authorises.
    pub amount: Money,
}

/// A payment from the Competition Sub-Fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompetitionSpend {
    pub payment_id: i64,
    pub category: CompetitionCategory,
    pub description: String,
    pub amount: Money,
    pub decision: Option<BoardDecision>,
}

/// R-FUND-3: pays from the Competition Sub-Fund. Refuses (naming R-FUND-3) a payment without a
/// board decision, with a decision not approved or dated after `today`, above what the
/// decision authorises (less what was already paid under it), or above the Competition trust
/// account's balance.
pub fn spend_competition(
    settings: &FundSettings,
    state: &FundState,
    spend: &CompetitionSpend,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    const RULE: &str = "R-FUND-3";
    let amount_minor = spend.amount.amount_minor();
    if spend.amount.currency() != settings.currency || amount_minor <= 0 {
        return refuse(
            RULE,
            "amount",
            format!("must be a positive amount in {}", settings.currency),
        );
    }
    crate::check_text(RULE, "description", &spend.description, true)?;
    if spend.description.trim().is_empty() || spend.description.chars().count() > 500 {
        return refuse(RULE, "description", "must have 1 to 500 characters");
    }
    let Some(decision) = &spend.decision else {
        return refuse(
            RULE,
            "decision",
            "every payment needs a board decision (R-GOV-2)",
        );
    };
    if !decision.approved {
        return refuse(
            RULE,
            "decision",
            format!("decision {} was not approved", decision.decision_id),
        );
    }
    if decision.date > today {
        return refuse(
            RULE,
            "decision",
            format!("decision {} is dated in the future", decision.decision_id),
        );
    }
    if decision.amount.currency() != settings.currency {
        return refuse(RULE, "decision", "decision amount in another currency");
    }
    let used = state
        .spent_by_decision
        .get(&decision.decision_id)
        .copied()
        .unwrap_or(0);
    let left = decision.amount.amount_minor() - used;
    if amount_minor > left {
        return refuse(
            RULE,
            "amount",
            format!(
                "{amount_minor} is above the {left} decision {} still authorises",
                decision.decision_id
            ),
        );
    }
    if amount_minor > state.trust.competition_minor {
        return refuse(
            RULE,
            "amount",
            format!(
                "{amount_minor} is above the Competition Sub-Fund's available {}",
                state.trust.competition_minor
            ),
        );
    }
    let entry = EntrySpec {
        rule: RULE,
        key: format!("fund:{}:competition:{}", settings.org_id, spend.payment_id),
        reason: "fund.competition.spend",
        date: today,
        memo: format!("{}: {}", spend.category.as_str(), spend.description.trim()),
        currency: settings.currency,
    }
    .build(vec![
        (code::spent_competition(), amount_minor),
        // R-CRED-1: spending, not a deposit (and its reversal is none either).
        (code::trust_competition(), -amount_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::CompetitionSpent {
            payment_id: spend.payment_id,
            decision_id: decision.decision_id,
            category: spend.category,
            amount_minor,
        }],
    })
}
