//! The group's settings (issue 16): every **(setting)** of PROGRAMME.md, one history per ODF.
//!
//! Staff propose a change with the day it takes effect ([`App::propose_setting`]): a board
//! proposal of kind `setting_change` (R-GOV-1: only the board decides). When the board approves
//! it, the decision's commit also records `setting.changed` (stream `settings`, key
//! `setting:proposal:{id}`, a [`SettingChange`]), so the change and the decision are one fact.
//! [`App::settings_history`] folds the stream; every rule reads the value in force on the day it
//! applies to (`*_on` accessors): a close of March uses the rates in force on 1 March.

use crate::access_cases::{AccessError, Action, Viewer};
use crate::credit_cases::ReviewSetting;
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{FundSettings, PeriodSettings};
use governance::settings::{
    SettingChange, SettingKey, SettingProposal, SettingValue, SettingsHistory,
};
use governance::{
    Decision, GovernanceError, GovernanceSettings, NewProposal, Proposal, ProposalKind,
};
use registry::TargetSettings;
use store::{NewEvent, Org, OrgId};

/// The stream of the settings' history.
pub const SETTINGS_STREAM: &str = "settings";

/// The event an approved setting proposal adds to its decision's commit (none otherwise).
pub(crate) fn setting_change_event(
    actor: &Actor,
    proposal: &Proposal,
    decision: &Decision,
) -> Result<Option<NewEvent>, AppError> {
    if proposal.kind != ProposalKind::SettingChange || !decision.approved {
        return Ok(None);
    }
    let p = SettingProposal::from_subject(&proposal.subject)?;
    let change = SettingChange {
        proposal_id: proposal.id,
        key: p.key,
        value: p.value.to_text(),
        effective_on: p.effective_on,
        proposed_by: proposal.proposed_by.clone(),
        proposed_on: proposal.proposed_on,
        approved_on: decision.decided_on,
    };
    Ok(Some(event(
        actor,
        SETTINGS_STREAM,
        "setting.changed",
        format!("setting:proposal:{}", proposal.id),
        &change,
    )?))
}

/// The Fund's settings in force on `on` (R-FUND-1, R-PLAN-2..4); the Fund starts on the
/// organisation's founding day (R-FUND-4).
pub fn fund_settings_from(org: &Org, history: &SettingsHistory, on: NaiveDate) -> FundSettings {
    let mut s = FundSettings::new(org.id, org.data.founded_on);
    s.currency = org.data.currency;
    let v = |k| history.value_on(k, on);
    if let Some(r) = v(SettingKey::ContributionRate).rate() {
        s.contribution_rate = r;
    }
    if let Some(r) = v(SettingKey::ProfitShare).rate() {
        s.profit_share_rate = r;
    }
    if let Some(n) = v(SettingKey::InadequatePlanPeriods).number() {
        s.inadequate_plan_periods = n;
    }
    // R-PLAN-2: the period length names every period, past ones included, so it is the one
    // value read once every change is in force (a change is refused once a period is closed).
    if let Some(p) = history
        .latest(SettingKey::ReportPeriodMonths)
        .number()
        .and_then(|n| u8::try_from(n).ok())
        .and_then(|n| PeriodSettings::months(n).ok())
    {
        s.period = p;
    }
    s
}

/// R-GOV-2's quorum and majority in force on `on`.
pub fn governance_settings_from(history: &SettingsHistory, on: NaiveDate) -> GovernanceSettings {
    let mut s = GovernanceSettings::default();
    if let Some(f) = history.value_on(SettingKey::Quorum, on).fraction() {
        s.quorum_more_than = f;
    }
    if let Some(m) = history.value_on(SettingKey::Majority, on).majority() {
        s.majority = m;
    }
    s
}

/// R-CRED-2's review rule in force on `on`.
pub fn review_setting_from(history: &SettingsHistory, on: NaiveDate) -> ReviewSetting {
    let mut s = ReviewSetting::default();
    let factor = |k| {
        history
            .value_on(k, on)
            .fraction()
            .map(|f| (f.numerator, f.denominator))
    };
    if let Some(n) = history.value_on(SettingKey::ReviewLateDays, on).number() {
        s.late_threshold_days = n;
    }
    if let Some(f) = factor(SettingKey::ReviewWhenMet) {
        s.when_met = f;
    }
    if let Some(f) = factor(SettingKey::ReviewWhenCured) {
        s.when_late_but_cured = f;
    }
    if let Some(f) = factor(SettingKey::ReviewOtherwise) {
        s.otherwise = f;
    }
    s
}

/// The settings of R-CRED-2's review rule.
pub const REVIEW_KEYS: [SettingKey; 4] = [
    SettingKey::ReviewLateDays,
    SettingKey::ReviewWhenMet,
    SettingKey::ReviewWhenCured,
    SettingKey::ReviewOtherwise,
];

impl App {
    /// The organisation's settings: the programme's defaults (its own dues, R-ORG-6) and every
    /// change the board approved.
    pub async fn settings_history(&self, org_id: OrgId) -> Result<SettingsHistory, AppError> {
        let org = self.store().org(org_id).await?;
        self.settings_history_of(&org).await
    }

    pub(crate) async fn settings_history_of(&self, org: &Org) -> Result<SettingsHistory, AppError> {
        let mut history =
            SettingsHistory::new(org.data.dues_amount_minor, org.data.dues_period_months);
        for e in read_stream(&**self.store(), org.id, SETTINGS_STREAM).await? {
            match e.event.kind.as_str() {
                "setting.changed" => history.apply(payload(&e)?)?,
                // Before issue 16 quorum and majority were set directly, in force at once.
                "governance.settings" => {
                    let g: GovernanceSettings = payload(&e)?;
                    let on = e.event.recorded_at.date_naive();
                    let q = SettingValue::Fraction(g.quorum_more_than);
                    let m = SettingValue::Majority(g.majority);
                    for (key, value) in [(SettingKey::Quorum, q), (SettingKey::Majority, m)] {
                        history.apply(SettingChange {
                            proposal_id: 0,
                            key,
                            value: value.to_text(),
                            effective_on: on,
                            proposed_by: e.event.actor.clone(),
                            proposed_on: on,
                            approved_on: on,
                        })?;
                    }
                }
                _ => {}
            }
        }
        Ok(history)
    }

    /// The Fund's settings in force on `on`.
    pub async fn fund_settings_on(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<FundSettings, AppError> {
        let org = self.store().org(org_id).await?;
        let history = self.settings_history_of(&org).await?;
        Ok(fund_settings_from(&org, &history, on))
    }

    /// R-GOV-2's settings in force on `on`.
    pub async fn governance_settings_on(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<GovernanceSettings, AppError> {
        let history = self.settings_history(org_id).await?;
        Ok(governance_settings_from(&history, on))
    }

    /// R-ORG-4's ages in force on `on`.
    pub async fn target_settings_on(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<TargetSettings, AppError> {
        let h = self.settings_history(org_id).await?;
        let mut s = TargetSettings::default();
        if let Some(n) = h.value_on(SettingKey::YoungBelowYears, on).number() {
            s.young_below_years = n;
        }
        if let Some(n) = h.value_on(SettingKey::ElderlyFromYears, on).number() {
            s.elderly_from_years = n;
        }
        Ok(s)
    }

    /// Staff propose a change of one setting from `effective_on` (R-GOV-1, R-GOV-2): a board
    /// proposal of kind `setting_change`; it takes effect only once the board approves it.
    /// `value` is read as a person types it (`12 %`, `1.00`, `2/3`, `si`).
    #[allow(clippy::too_many_arguments)]
    pub async fn propose_setting(
        &self,
        org_id: OrgId,
        actor: &Actor,
        key: &str,
        value: &str,
        effective_on: NaiveDate,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<Proposal, AppError> {
        let p = SettingProposal::new(key, value, effective_on)?;
        if effective_on < today {
            return Err(GovernanceError::new(
                "R-GOV-2",
                "effective_on",
                format!("a change takes effect from today ({today}) or later"),
            )
            .into());
        }
        if p.key == SettingKey::ReportPeriodMonths
            && !self.fund_book(org_id).await?.completed.is_empty()
        {
            return Err(GovernanceError::new(
                "R-PLAN-2",
                "key",
                "the period length cannot change once a period has been closed",
            )
            .into());
        }
        let purpose = if purpose.trim().is_empty() {
            default_setting_purpose(&p)
        } else {
            purpose.to_string()
        };
        let new = NewProposal {
            kind: ProposalKind::SettingChange,
            subject: p.subject(),
            purpose,
            amount_minor: 0,
        };
        self.propose(org_id, actor, new, today).await
    }
}

/// The purpose a setting proposal gets when staff type none (kept in the record as written:
/// the pages recognise it and say the change in words instead, issue 17).
pub fn default_setting_purpose(p: &SettingProposal) -> String {
    format!(
        "Cambiar {} a {} desde el {}",
        p.key,
        p.value.to_text(),
        p.effective_on.format("%d/%m/%Y")
    )
}

/// One setting as the settings page shows it: the value in force on the day asked, the
/// default, every approved change and the proposals still before the board.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRow {
    pub key: SettingKey,
    pub in_force: SettingValue,
    pub default: SettingValue,
    /// Approved changes, in approval order.
    pub changes: Vec<SettingChange>,
    /// Open proposals of a change: (proposal id, proposed by, proposed on, what).
    pub pending: Vec<(i64, String, NaiveDate, SettingProposal)>,
}

impl App {
    /// Every setting with its value in force on `on`, its history and what is before the board.
    pub async fn settings_overview(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<Vec<SettingRow>, AppError> {
        let history = self.settings_history(org_id).await?;
        let open: Vec<(i64, String, NaiveDate, SettingProposal)> = self
            .proposals(org_id)
            .await?
            .into_iter()
            .filter(|r| {
                r.proposal.kind == ProposalKind::SettingChange
                    && r.proposal.status == governance::ProposalStatus::Open
            })
            .filter_map(|r| {
                let p = &r.proposal;
                SettingProposal::from_subject(&p.subject)
                    .ok()
                    .map(|s| (p.id, p.proposed_by.clone(), p.proposed_on, s))
            })
            .collect();
        Ok(SettingKey::ALL
            .iter()
            .map(|&key| SettingRow {
                key,
                in_force: history.value_on(key, on),
                default: history.default_of(key),
                changes: history.changes_of(key).cloned().collect(),
                pending: open.iter().filter(|p| p.3.key == key).cloned().collect(),
            })
            .collect())
    }

    /// [`App::settings_overview`] for a signed-in viewer: everyone who sees the group's shared
    /// figures sees its settings.
    pub async fn settings_overview_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        on: NaiveDate,
    ) -> Result<Vec<SettingRow>, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        Ok(self.settings_overview(org_id, on).await?)
    }

    /// Staff propose a setting change (staff run the ODF; the board decides, R-GOV-1).
    #[allow(clippy::too_many_arguments)]
    pub async fn propose_setting_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        key: &str,
        value: &str,
        effective_on: NaiveDate,
        purpose: &str,
        origin: &str,
        today: NaiveDate,
    ) -> Result<Proposal, AccessError> {
        viewer.check(org_id, Action::ManageMembers)?;
        registry::check_text("purpose", purpose, true).map_err(AppError::Field)?;
        let actor = Actor::new(&viewer.login, origin);
        Ok(self
            .propose_setting(org_id, &actor, key, value, effective_on, purpose, today)
            .await?)
    }
}
