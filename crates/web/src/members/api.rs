//! The API's members: the list and search, adding one, a member's record and its edit
//! (R-ORG-2), a leave, the roles and committee seats (R-ORG-5) and a member's statement. Same
//! authorisation as the pages (`Viewer::check`), the contract's extractors and JSON refusals.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::members::list::{member_csv, search_members};
use crate::shell::api::err;
use crate::shell::{
    access_error, app_error, invalid, org_for, shape, ApiError, ApiJson, ApiPath, ApiQuery,
    ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::Action;
use app::{Actor, AppError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use registry::{MemberEdit, Profile, Rfc, TargetProgramme};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::StoreError;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- members

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    id: i64,
    curp: String,
    given_names: String,
    surnames: String,
    municipality: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    members: Vec<MemberOut>,
    /// Pass as `after` for the next page.
    next_after: Option<i64>,
    /// How many members match the search in all (issue 17).
    total: usize,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Part of a name or CURP; any case, accents folded ("jose" finds "José").
    q: Option<String>,
    after: Option<i64>,
}

/// Members (staff, board, supervisors), searched by name or CURP, 50 a page.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", security(("bearer" = [])), params(("slug" = String, Path), MembersQuery), responses((status = 200, body = MemberList), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn list_members(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<MembersQuery>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let (found, next_after, total) = search_members(
        &state,
        org.id,
        q.q.as_deref().unwrap_or(""),
        q.after.unwrap_or(0),
    )
    .await
    .map_err(app_error)?;
    let members = found
        .into_iter()
        .map(|m| MemberOut {
            id: m.id,
            curp: m.data.curp.as_str().to_string(),
            given_names: m.data.given_names,
            surnames: m.data.surnames,
            municipality: m.data.municipality,
            joined_on: m.data.joined_on,
            left_on: m.left_on,
        })
        .collect();
    Ok(Json(MemberList {
        members,
        next_after,
        total,
    })
    .into_response())
}

/// A member to register (R-ORG-2, R-ORG-3); validated as one row of the members CSV.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct MemberIn {
    curp: String,
    given_names: String,
    surnames: String,
    /// F, M or X.
    sex: String,
    birth_date: String,
    municipality: String,
    state: String,
    trade: String,
    household_size: String,
    /// micro_producer or micro_entrepreneur.
    profile: String,
    joined_on: String,
    letter_signed_on: String,
    /// Optional (R-ORG-2).
    #[serde(default)]
    rfc: String,
    /// Declared programmes (R-ORG-4), separated by `;`: inventors, disabled,
    /// artistic_cultural, popular_art, indigenous.
    #[serde(default)]
    programmes: String,
    /// Optional (issue 19): where the member's notifications go by e-mail.
    #[serde(default)]
    email: String,
    /// Optional (issue 19): a 10-digit Mexican mobile, with or without +52.
    #[serde(default)]
    mobile: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    created: usize,
    unchanged: usize,
}

/// Registers a member (staff only). Registering the same CURP with the same data again
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members", security(("bearer" = [])), params(("slug" = String, Path)), request_body = MemberIn, responses((status = 201, body = ImportOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<MemberIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let values: HashMap<String, String> = serde_json::from_value(
        serde_json::to_value(&body).map_err(|_| err(StatusCode::BAD_REQUEST, "invalid"))?,
    )
    .map_err(|_| err(StatusCode::BAD_REQUEST, "invalid"))?;
    let outcome = state
        .app
        .import_members_csv(
            org.id,
            &member_csv(&values),
            crate::shell::dates::today_mx(),
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        // A CURP registered with other data is the conflict this route can meet.
        .map_err(|e| registry_error("curp", e))?;
    Ok((
        StatusCode::CREATED,
        Json(ImportOut {
            created: outcome.created,
            unchanged: outcome.unchanged,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveIn {
    left_on: NaiveDate,
    /// 1 to 500 characters.
    #[schema(schema_with = shape::text_500)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct LeaveOut {
    member_id: i64,
    left_on: Option<NaiveDate>,
    reason: Option<String>,
}

/// A refusal of a registry change the store reports as a conflict (leaving twice, ending a
/// role twice): 422 naming the field.
fn registry_error(field: &str, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::Conflict { what, .. }) => invalid(field, &what),
        e => app_error(e),
    }
}

/// R-ORG-2: records that a member left (staff only); recorded in the audit log with who and
/// from where. The same leave again changes nothing; another leave of a member who left is 422.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{member_id}/leave", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), request_body = LeaveIn, responses((status = 200, body = LeaveOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn record_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LeaveIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let member = state
        .app
        .record_leave(
            org.id,
            member_id,
            body.left_on,
            &body.reason,
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("left_on", e))?;
    Ok(Json(LeaveOut {
        member_id: member.id,
        left_on: member.left_on,
        reason: member.leave_reason,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct RoleIn {
    #[schema(schema_with = shape::line)]
    person_name: String,
    /// The holder's member id, when they are a member of this ODF.
    member_id: Option<i64>,
    /// `director_general`, `staff`, `board_member`, `support_committee`,
    /// `specialised_committee:<committee>`, `innovation_committee` or `volunteer`.
    #[schema(schema_with = shape::role)]
    role: String,
    from: NaiveDate,
}

#[derive(Deserialize, ToSchema)]
pub struct RoleEndIn {
    until: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    id: i64,
    person_name: String,
    member_id: Option<i64>,
    role: String,
    from: NaiveDate,
    until: Option<NaiveDate>,
}

impl From<registry::RoleAssignment> for RoleOut {
    fn from(r: registry::RoleAssignment) -> Self {
        RoleOut {
            id: r.id,
            person_name: r.person_name,
            member_id: r.member_id,
            role: r.role.to_key(),
            from: r.from,
            until: r.until,
        }
    }
}

/// R-ORG-5: gives a role (staff only); recorded in the audit log with who and from where.
/// The same assignment again answers the first.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/roles", security(("bearer" = [])), params(("slug" = String, Path)), request_body = RoleIn, responses((status = 201, body = RoleOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn assign_role(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<RoleIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let role = registry::Role::from_key(body.role.trim()).map_err(|e| app_error(e.into()))?;
    let assigned = state
        .app
        .assign_role(
            org.id,
            registry::NewRoleAssignment {
                person_name: body.person_name.trim().to_string(),
                member_id: body.member_id,
                role,
                from: body.from,
            },
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("role", e))?;
    Ok((StatusCode::CREATED, Json(RoleOut::from(assigned))).into_response())
}

/// R-ORG-5: ends a role (staff only); recorded in the audit log. Ending it again on the same
/// date changes nothing; on another date it is 422.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/roles/{id}/end", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), request_body = RoleEndIn, responses((status = 200, body = RoleOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn end_role(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<RoleEndIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let ended = state
        .app
        .end_role(
            org.id,
            id,
            body.until,
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("until", e))?;
    Ok(Json(RoleOut::from(ended)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct StatementLineOut {
    entry_id: i64,
    date: NaiveDate,
    memo: String,
    amount_minor: i64,
    balance_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    member_id: i64,
    name: String,
    dues_arrears_minor: i64,
    dues: Vec<StatementLineOut>,
}

/// A member's statement: the member themself, staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{member_id}/statement", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), responses((status = 200, body = StatementOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn member_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    // A member who is not the viewer's is NotFound before anything is read, and another
    // organisation's member is NotFound from the store: the same 404 (issue 15).
    s.viewer
        .check(org.id, Action::ViewMember(member_id))
        .map_err(access_error)?;
    let dues = state
        .reads
        .dues(&state.app, org.id, member_id)
        .await
        .map_err(app_error)?;
    let (member, statement, arrears) = (&dues.member, &dues.statement, dues.arrears_minor);
    Ok(Json(StatementOut {
        member_id,
        name: format!("{} {}", member.data.given_names, member.data.surnames),
        dues_arrears_minor: arrears,
        dues: statement
            .lines
            .iter()
            .map(|l| StatementLineOut {
                entry_id: l.entry_id,
                date: l.date,
                memo: l.memo.clone(),
                amount_minor: l.amount.amount_minor(),
                balance_minor: l.balance_minor as i64,
            })
            .collect(),
    })
    .into_response())
}

// ---------------------------------------------------------------- roles

#[derive(Serialize, ToSchema)]
pub struct RoleHeldOut {
    id: i64,
    /// The holder's name (a member's as the registry has it now).
    person_name: String,
    member_id: Option<i64>,
    role: String,
    from: NaiveDate,
    until: Option<NaiveDate>,
}

/// R-ORG-5: the roles and committee seats in force today (the board, staff, committees), with
/// their holders' names; everyone in the group's circle.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/roles/current", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [RoleHeldOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn list_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let today = crate::shell::today_mx();
    let roles = state
        .app
        .store()
        .roles(org.id)
        .await
        .map_err(|e| app_error(e.into()))?;
    let mut out = Vec::new();
    for r in roles
        .into_iter()
        .filter(|r| r.from <= today && r.until.is_none_or(|u| today < u))
    {
        let person_name = match r.member_id {
            Some(id) => state
                .app
                .store()
                .member(org.id, id)
                .await
                .map(|m| crate::members::record::member_name(&m))
                .unwrap_or_else(|_| r.person_name.clone()),
            None => r.person_name.clone(),
        };
        out.push(RoleHeldOut {
            id: r.id,
            person_name,
            member_id: r.member_id,
            role: r.role.to_key(),
            from: r.from,
            until: r.until,
        });
    }
    Ok(Json(out).into_response())
}

// ---------------------------------------------------------------- editing a member

/// What may change about a member (R-ORG-2); an absent field stays as it is. The CURP, sex,
/// birth date, joining and leaving never change here.
#[derive(Deserialize, ToSchema, Default)]
pub struct MemberEditIn {
    /// The RFC, or an empty string to remove it.
    rfc: Option<String>,
    #[schema(schema_with = shape::line)]
    given_names: Option<String>,
    #[schema(schema_with = shape::line)]
    surnames: Option<String>,
    #[schema(schema_with = shape::line)]
    municipality: Option<String>,
    #[schema(schema_with = shape::line)]
    state: Option<String>,
    #[schema(schema_with = shape::line)]
    trade: Option<String>,
    /// 1 to 40 people.
    household_size: Option<u16>,
    /// micro_producer or micro_entrepreneur.
    profile: Option<String>,
    /// Declared programmes (R-ORG-4): inventors, disabled, artistic_cultural, popular_art,
    /// indigenous. Replaces the declared ones when given.
    programmes: Option<Vec<String>>,
    /// The member's e-mail address, where notifications go (issue 19); empty removes it.
    email: Option<String>,
    /// The member's mobile: 10 digits, with or without +52; empty removes it.
    mobile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberDetailOut {
    id: i64,
    curp: String,
    rfc: Option<String>,
    given_names: String,
    surnames: String,
    municipality: String,
    state: String,
    trade: String,
    household_size: u16,
    profile: String,
    programmes: Vec<String>,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    /// Issue 19: where notifications go.
    email: Option<String>,
    /// Issue 19: `+52` and ten digits.
    mobile: Option<String>,
}

impl MemberDetailOut {
    /// The member as the registry has them now, with their contact (issue 19).
    fn with_contact(m: registry::Member, contact: registry::Contact) -> Self {
        MemberDetailOut {
            id: m.id,
            curp: m.data.curp.as_str().to_string(),
            rfc: m.data.rfc.map(|r| r.as_str().to_string()),
            given_names: m.data.given_names,
            surnames: m.data.surnames,
            municipality: m.data.municipality,
            state: m.data.state,
            trade: m.data.trade,
            household_size: m.data.household_size,
            profile: m.data.profile.as_str().to_string(),
            programmes: m
                .data
                .declared_programmes
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            joined_on: m.data.joined_on,
            left_on: m.left_on,
            email: contact.email,
            mobile: contact.mobile,
        }
    }
}

impl MemberEditIn {
    /// The edit: `base`'s values where a field is absent; a bad value names its field. With
    /// the contact asked for (`contact`'s values where absent), or none when neither is given.
    fn edit(
        self,
        base: &registry::NewMember,
        contact: &registry::Contact,
    ) -> Result<(MemberEdit, Option<registry::Contact>), registry::FieldError> {
        let new_contact = match (&self.email, &self.mobile) {
            (None, None) => None,
            (email, mobile) => Some(registry::Contact::parse(
                email
                    .as_deref()
                    .unwrap_or(contact.email.as_deref().unwrap_or("")),
                mobile
                    .as_deref()
                    .unwrap_or(contact.mobile.as_deref().unwrap_or("")),
            )?),
        };
        let mut edit = MemberEdit::of(base);
        if let Some(rfc) = self.rfc {
            edit.rfc = match rfc.trim() {
                "" => None,
                text => Some(Rfc::parse(text)?),
            };
        }
        let text = |v: Option<String>, now: &mut String| {
            if let Some(v) = v {
                *now = v;
            }
        };
        text(self.given_names, &mut edit.given_names);
        text(self.surnames, &mut edit.surnames);
        text(self.municipality, &mut edit.municipality);
        text(self.state, &mut edit.state);
        text(self.trade, &mut edit.trade);
        if let Some(h) = self.household_size {
            edit.household_size = h;
        }
        if let Some(p) = self.profile {
            edit.profile = Profile::parse(&p)?;
        }
        if let Some(ps) = self.programmes {
            edit.declared_programmes = ps
                .iter()
                .map(|p| TargetProgramme::parse(p))
                .collect::<Result<_, _>>()?;
        }
        Ok((edit, new_contact))
    }
}

/// R-ORG-2: changes what the registry lets change about a member (staff only); recorded in the
/// audit log with the values before and after. The same edit again changes nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{member_id}/edit", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), request_body = MemberEditIn, responses((status = 200, body = MemberDetailOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn edit_member(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<MemberEditIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| app_error(e.into()))?;
    let now = state
        .app
        .member_contact(org.id, member_id)
        .await
        .map_err(app_error)?;
    let (edit, contact) = body
        .edit(&member.data, &now)
        .map_err(|e| app_error(e.into()))?;
    let edited = state
        .app
        .edit_member_and_contact(
            org.id,
            member_id,
            &edit,
            contact.as_ref(),
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(app_error)?;
    let contact = contact.unwrap_or(now);
    Ok(Json(MemberDetailOut::with_contact(edited, contact)).into_response())
}
