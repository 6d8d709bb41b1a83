//! The board's proposals, votes, comments and the close of a vote (R-GOV-1, R-GOV-2).

use crate::shell::signin::CsrfForm;
use crate::shell::words::subject_words;
use crate::shell::{
    check, check_csrf, field_label, random_token, render, visible_org, Ctx, FormField, Nav,
    PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, ProposalForm, ProposalView};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::Utc;
use governance::{ProposalKind, ProposalStatus, Vote};
use serde::Deserialize;
use std::collections::HashMap;

// ---------------------------------------------------------------- proposals and votes

pub struct BallotView {
    pub voter: String,
    pub vote: &'static str,
}

pub struct ProposalCard {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub purpose: String,
    pub amount: String,
    pub proposed_by: String,
    pub proposed_on: String,
    pub open: bool,
    pub outcome: &'static str,
    pub votes_for: u32,
    pub votes_against: u32,
    pub votes_abstain: u32,
    pub ballots: Vec<BallotView>,
    pub voted: Option<&'static str>,
    pub comments: Vec<(String, String, String)>,
}

fn kind_label(t: Tr, kind: ProposalKind) -> &'static str {
    match kind {
        ProposalKind::Expenditure => t.get("proposal.kind.expenditure"),
        ProposalKind::Loan => t.get("proposal.kind.loan"),
        ProposalKind::Lease => t.get("proposal.kind.lease"),
        ProposalKind::WithdrawalCriteria => t.get("proposal.kind.withdrawal_criteria"),
        ProposalKind::NonFulfilmentNotice => t.get("proposal.kind.non_fulfilment_notice"),
        ProposalKind::Election => t.get("proposal.kind.election"),
        ProposalKind::SettingChange => t.get("proposal.kind.setting_change"),
    }
}

/// A setting change's card (issue 17): the setting's name, the value in force before it and
/// the new one formatted (percent, pesos, days), from when; the purpose written for it by
/// default (the setting's code) is left out, since the subject says it in words.
fn setting_change_in_words(
    t: Tr,
    history: &governance::settings::SettingsHistory,
    p: &governance::Proposal,
    card: &mut ProposalCard,
) {
    use crate::shell::words::{format_value, setting_label};
    let Ok(change) = governance::settings::SettingProposal::from_subject(&p.subject) else {
        return;
    };
    let before = change.effective_on.pred_opt().map_or_else(
        || history.default_of(change.key),
        |d| history.value_on(change.key, d),
    );
    card.subject = t.fmt_all(
        "proposal.subject.setting_change",
        &[
            setting_label(t, change.key),
            &format_value(t, change.key, &before),
            &format_value(t, change.key, &change.value),
            &t.date(&change.effective_on),
        ],
    );
    if p.purpose == app::settings_cases::default_setting_purpose(&change) {
        card.purpose.clear();
    }
}

fn vote_label(t: Tr, v: Vote) -> &'static str {
    match v {
        Vote::For => t.get("vote.for"),
        Vote::Against => t.get("vote.against"),
        Vote::Abstain => t.get("vote.abstain"),
    }
}

fn proposal_card(t: Tr, v: &ProposalView, my_seat: Option<i64>) -> ProposalCard {
    let p = &v.record.proposal;
    let count = |c: Vote| v.record.ballots.iter().filter(|b| b.vote == c).count() as u32;
    ProposalCard {
        id: p.id,
        kind: kind_label(t, p.kind),
        subject: subject_words(t, &p.subject),
        purpose: p.purpose.clone(),
        // A proposal that moves no money (a setting, an election) shows no "$0.00".
        amount: if p.amount_minor == 0 {
            String::new()
        } else {
            t.money(p.amount_minor as i128)
        },
        proposed_by: p.proposed_by.clone(),
        proposed_on: t.date(&p.proposed_on),
        open: v.is_open(),
        outcome: match p.status {
            ProposalStatus::Open => t.get("proposal.open"),
            ProposalStatus::Approved { .. } => t.get("proposal.approved"),
            ProposalStatus::Rejected { .. } => t.get("proposal.rejected"),
        },
        votes_for: count(Vote::For),
        votes_against: count(Vote::Against),
        votes_abstain: count(Vote::Abstain),
        // R-GOV-2: the record shows who voted what.
        ballots: v
            .record
            .ballots
            .iter()
            .map(|b| BallotView {
                voter: b.voter_name.clone(),
                vote: vote_label(t, b.vote),
            })
            .collect(),
        voted: my_seat
            .and_then(|s| v.record.ballots.iter().find(|b| b.seat == s))
            .map(|b| vote_label(t, b.vote)),
        comments: v
            .comments
            .iter()
            .map(|c| (c.by.clone(), t.datetime(&c.at), c.text.clone()))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ProposalsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    nonce: String,
    can_propose: bool,
    can_vote: bool,
    can_comment: bool,
    proposals: Vec<ProposalCard>,
    fields: Vec<FormField>,
    message: Option<&'static str>,
}

fn proposal_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    [
        ("kind", "select"),
        ("subject", "text"),
        ("amount", "text"),
        ("purpose", "textarea"),
    ]
    .iter()
    .map(|&(name, kind)| FormField {
        name,
        label: field_label(t, name),
        kind,
        value: values.get(name).cloned().unwrap_or_default(),
        error: errors.get(name).cloned(),
        options: if name == "kind" {
            ProposalKind::ALL
                .iter()
                .map(|k| (k.as_str(), kind_label(t, *k)))
                .collect()
        } else {
            Vec::new()
        },
    })
    .collect()
}

async fn proposals_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    fields: Option<Vec<FormField>>,
    message: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    let v = &session.viewer;
    let proposals = state
        .app
        .board_proposals(org.id, v)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let my_seat = state
        .app
        .seat_of(org.id, v, crate::shell::dates::today_mx())
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    // Issue 17: who proposed, by name (the record keeps the login).
    let names = crate::shell::names::Names::of_logins(
        &state.app,
        proposals
            .iter()
            .map(|p| p.record.proposal.proposed_by.clone()),
    )
    .await;
    // Issue 17: a setting change in words, from the value in force before it to the new one.
    let history = if proposals
        .iter()
        .any(|p| p.record.proposal.kind == ProposalKind::SettingChange)
    {
        Some(
            state
                .app
                .settings_history(org.id)
                .await
                .map_err(|e| PageError::from_app(t, e))?,
        )
    } else {
        None
    };
    Ok((
        status,
        render(ProposalsPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            nonce: random_token(),
            can_propose: v.may(org.id, Action::Propose),
            can_vote: v.may(org.id, Action::Vote),
            can_comment: v.may(org.id, Action::Comment),
            proposals: proposals
                .iter()
                .map(|p| {
                    let mut card = ProposalCard {
                        proposed_by: names.actor(t, &p.record.proposal.proposed_by),
                        ..proposal_card(t, p, my_seat)
                    };
                    if let Some(h) = &history {
                        setting_change_in_words(t, h, &p.record.proposal, &mut card);
                    }
                    card
                })
                .collect(),
            fields: fields.unwrap_or_else(|| proposal_form(t, &HashMap::new(), &HashMap::new())),
            message,
        }),
    )
        .into_response())
}

pub async fn proposals_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    proposals_response(&state, &ctx, &slug, None, None, StatusCode::OK).await
}

/// The field a refusal names, as the form calls it.
fn form_field(field: &str) -> &str {
    match field {
        "amount_minor" => "amount",
        f => f,
    }
}

pub async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(
        &ctx,
        &session,
        values.get("csrf").map(String::as_str).unwrap_or(""),
    )?;
    check(&ctx, &session.viewer, org.id, Action::Propose)?;
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut errors = HashMap::new();
    // The amount is optional for a proposal that moves no money: empty is zero.
    let amount_text = get("amount");
    let amount = if amount_text.trim().is_empty() {
        Ok(0)
    } else {
        crate::shell::format::typed_amount_minor(t, &amount_text, false)
    };
    if let Err(e) = amount {
        errors.insert("amount".to_string(), e.to_string());
    }
    let form = ProposalForm {
        kind: get("kind"),
        subject: get("subject"),
        purpose: get("purpose"),
        amount_minor: amount.unwrap_or(0),
    };
    if errors.is_empty() {
        if let Err(e) = form.validate() {
            let field = form_field(e.field);
            errors.insert(field.to_string(), t.field_error(field).to_string());
        }
    }
    if errors.is_empty() {
        match state
            .app
            .propose_as(
                org.id,
                &session.viewer,
                form,
                &ctx.origin,
                crate::shell::dates::today_mx(),
            )
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/odf/{}/propuestas", org.data.slug)).into_response()
                )
            }
            Err(AccessError::App(AppError::Rule { field, .. })) => {
                let field = form_field(&field).to_string();
                errors.insert(field.clone(), t.field_error(&field).to_string());
            }
            Err(e) => return Err(PageError::from_access(t, e)),
        }
    }
    let fields = proposal_form(t, &values, &errors);
    proposals_response(
        &state,
        &ctx,
        &slug,
        Some(fields),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    vote: String,
}

pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<VoteForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    // R-GOV-1: refused on the server for anyone but a board member, whatever the page showed.
    check(&ctx, &session.viewer, org.id, Action::Vote)?;
    let Ok(choice) = Vote::parse(&form.vote) else {
        return proposals_response(
            &state,
            &ctx,
            &slug,
            None,
            Some(t.field_error("vote")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .app
        .vote_as(
            org.id,
            &session.viewer,
            id,
            choice,
            &ctx.origin,
            crate::shell::dates::today_mx(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Rule { .. })) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.get("vote.already")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::Vote)?;
    match state
        .app
        .close_as(
            org.id,
            &session.viewer,
            id,
            &ctx.origin,
            crate::shell::dates::today_mx(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Rule { .. })) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.get("proposal.cannot_close")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    nonce: String,
}

pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CommentForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::Comment)?;
    match state
        .app
        .comment(
            org.id,
            &session.viewer,
            id,
            &form.text,
            &form.nonce,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Field(e))) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.field_error(e.field)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}
