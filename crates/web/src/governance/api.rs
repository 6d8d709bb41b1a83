//! The API's proposals, votes and comments (R-GOV-1, R-GOV-2).

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::api::IDEMPOTENCY_KEY;
use crate::shell::{
    access_error, invalid, org_for, shape, ApiError, ApiJson, ApiPath, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::{Action, ProposalForm, ProposalView};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use governance::{ProposalStatus, Vote};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------- proposals

#[derive(Deserialize, ToSchema)]
pub struct ProposalIn {
    /// expenditure, loan, lease, withdrawal_criteria, non_fulfilment_notice, election.
    #[schema(schema_with = shape::proposal_kind)]
    kind: String,
    /// What the decision is about, as the rule that acts on it names it (`loan:7`).
    #[serde(default)]
    #[schema(schema_with = shape::subject)]
    subject: String,
    #[schema(schema_with = shape::text_500)]
    purpose: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    by: String,
    text: String,
    at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct BallotOut {
    /// The board seat (role assignment id) and the name on it.
    seat: i64,
    voter_name: String,
    /// for, against or abstain.
    vote: &'static str,
    cast_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    id: i64,
    kind: &'static str,
    subject: String,
    purpose: String,
    amount_minor: i64,
    proposed_by: String,
    proposed_on: NaiveDate,
    /// open, approved or rejected.
    state: &'static str,
    ballots: Vec<BallotOut>,
    comments: Vec<CommentOut>,
}

fn proposal_out(v: ProposalView) -> ProposalOut {
    let p = v.record.proposal;
    ProposalOut {
        id: p.id,
        kind: p.kind.as_str(),
        subject: p.subject,
        purpose: p.purpose,
        amount_minor: p.amount_minor,
        proposed_by: p.proposed_by,
        proposed_on: p.proposed_on,
        state: match p.status {
            ProposalStatus::Open => "open",
            ProposalStatus::Approved { .. } => "approved",
            ProposalStatus::Rejected { .. } => "rejected",
        },
        ballots: v
            .record
            .ballots
            .into_iter()
            .map(|b| BallotOut {
                seat: b.seat,
                voter_name: b.voter_name,
                vote: b.vote.as_str(),
                cast_on: b.cast_on,
            })
            .collect(),
        comments: v
            .comments
            .into_iter()
            .map(|c| CommentOut {
                by: c.by,
                text: c.text,
                at: c.at,
            })
            .collect(),
    }
}

/// The ODF's proposals, newest first (everyone in its circle, and supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/proposals", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [ProposalOut]), (status = 404, body = ApiError)))]
pub(crate) async fn list_proposals(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let ps = state
        .app
        .board_proposals(org.id, &s.viewer)
        .await
        .map_err(access_error)?;
    Ok(Json(ps.into_iter().map(proposal_out).collect::<Vec<_>>()).into_response())
}

fn request_key(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "auto-{}",
                Utc::now().timestamp_nanos_opt().unwrap_or_default()
            )
        })
}

/// Puts a proposal to the board (staff, board, support committee, donors, advisers; R-GOV-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ProposalIn, responses((status = 201, body = ProposalOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn create_proposal(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<ProposalIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Propose).await?;
    let form = ProposalForm {
        kind: body.kind,
        subject: body.subject,
        purpose: body.purpose,
        amount_minor: body.amount_minor,
    };
    let p = state
        .app
        .propose_as(
            org.id,
            &s.viewer,
            form,
            &ctx.origin,
            crate::shell::dates::today_mx(),
        )
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(proposal_out(p))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct VoteIn {
    /// for, against or abstain.
    #[schema(schema_with = shape::vote)]
    vote: String,
}

/// A board member's vote on their seat (R-GOV-1: anyone else is 403, whatever they gave).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/votes", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = VoteIn, responses((status = 200, body = ProposalOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn cast_vote(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<VoteIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Vote).await?;
    let choice = Vote::parse(&body.vote).map_err(|e| invalid(e.field, &e.message))?;
    let p = state
        .app
        .vote_as(
            org.id,
            &s.viewer,
            id,
            choice,
            &ctx.origin,
            crate::shell::dates::today_mx(),
        )
        .await
        .map_err(access_error)?;
    Ok(Json(proposal_out(p)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    proposal_id: i64,
    approved: bool,
    decided_on: NaiveDate,
    for_votes: u32,
    against_votes: u32,
    abstentions: u32,
    seats: u32,
    quorum_met: bool,
}

/// Closes the vote (board members): the decision with its tally (R-GOV-2).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/close", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = DecisionOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn close_vote(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Vote).await?;
    let d = state
        .app
        .close_as(
            org.id,
            &s.viewer,
            id,
            &ctx.origin,
            crate::shell::dates::today_mx(),
        )
        .await
        .map_err(access_error)?;
    Ok(Json(DecisionOut {
        proposal_id: d.proposal_id,
        approved: d.approved,
        decided_on: d.decided_on,
        for_votes: d.tally.for_votes,
        against_votes: d.tally.against_votes,
        abstentions: d.tally.abstentions,
        seats: d.tally.seats,
        quorum_met: d.tally.quorum_met,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct CommentIn {
    #[schema(schema_with = shape::text_1000)]
    text: String,
}

/// A comment on a proposal.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/comments", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CommentIn, responses((status = 200, body = ProposalOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<CommentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Comment).await?;
    let p = state
        .app
        .comment(
            org.id,
            &s.viewer,
            id,
            &body.text,
            &request_key(&headers),
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(access_error)?;
    Ok(Json(proposal_out(p)).into_response())
}
