//! The group's settings (issue 16): `/odf/{slug}/ajustes` shows every **(setting)** of
//! PROGRAMME.md with the value in force today (America/Mexico_City), its default and its
//! history (who proposed, when the board approved, from when), and the changes still before the
//! board. Staff propose a change there; it becomes a board proposal (R-GOV-1, R-GOV-2).
//! The API's `GET /orgs/{slug}/settings` and `POST /orgs/{slug}/settings/proposals` live here
//! too, next to the formatting they share.

#![allow(clippy::result_large_err)]

use crate::shell::words::{format_value, setting_label};
use crate::shell::{
    access_error, check_csrf, field_label, org_for, render, today_mx, visible_org, ApiError,
    ApiJson, ApiPath, ApiResult, Ctx, FormField, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action};
use app::settings_cases::SettingRow;
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Form, Json};
use chrono::NaiveDate;
use governance::settings::SettingKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

pub struct ChangeLine {
    pub value: String,
    pub from: String,
    pub proposed_by: String,
    pub proposed_on: String,
    pub approved_on: String,
}

pub struct PendingLine {
    pub id: i64,
    pub value: String,
    pub from: String,
    pub proposed_by: String,
    pub proposed_on: String,
}

pub struct SettingCard {
    pub key: &'static str,
    pub label: &'static str,
    pub rule: &'static str,
    pub value: String,
    pub default: String,
    pub changes: Vec<ChangeLine>,
    pub pending: Vec<PendingLine>,
}

fn card(t: Tr, row: &SettingRow) -> SettingCard {
    let key = row.key;
    SettingCard {
        key: key.as_str(),
        label: setting_label(t, key),
        rule: key.rule(),
        value: format_value(t, key, &row.in_force),
        default: format_value(t, key, &row.default),
        changes: row
            .changes
            .iter()
            .map(|c| ChangeLine {
                value: c
                    .typed_value()
                    .map(|v| format_value(t, key, &v))
                    .unwrap_or_else(|_| c.value.clone()),
                from: t.date(&c.in_force_from()),
                proposed_by: c.proposed_by.clone(),
                proposed_on: t.date(&c.proposed_on),
                approved_on: t.date(&c.approved_on),
            })
            .collect(),
        pending: row
            .pending
            .iter()
            .map(|(id, by, on, p)| PendingLine {
                id: *id,
                value: format_value(t, key, &p.value),
                from: t.date(&p.effective_on),
                proposed_by: by.clone(),
                proposed_on: t.date(on),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    today: String,
    can_propose: bool,
    cards: Vec<SettingCard>,
    fields: Vec<FormField>,
}

fn setting_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    [
        ("key", "select"),
        ("value", "text"),
        ("effective_on", "date"),
        ("purpose", "textarea"),
    ]
    .iter()
    .map(|&(name, kind)| FormField {
        name,
        label: field_label(t, name),
        kind,
        value: values.get(name).cloned().unwrap_or_default(),
        error: errors.get(name).cloned(),
        options: if name == "key" {
            SettingKey::ALL
                .iter()
                .map(|k| (k.as_str(), setting_label(t, *k)))
                .collect()
        } else {
            Vec::new()
        },
    })
    .collect()
}

async fn settings_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    fields: Option<Vec<FormField>>,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    let today = today_mx();
    let rows = state
        .app
        .settings_overview_as(org.id, &session.viewer, today)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    Ok((
        status,
        render(SettingsPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            today: t.date(&today),
            can_propose: session.viewer.may(org.id, Action::ManageMembers),
            cards: rows.iter().map(|r| card(t, r)).collect(),
            fields: fields.unwrap_or_else(|| setting_form(t, &HashMap::new(), &HashMap::new())),
        }),
    )
        .into_response())
}

/// `GET /odf/{slug}/ajustes`.
pub async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    settings_response(&state, &ctx, &slug, None, StatusCode::OK).await
}

/// `POST /odf/{slug}/ajustes`: staff propose a change; the board decides on the proposals page.
pub async fn propose_setting(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    check_csrf(&ctx, &session, &get("csrf"))?;
    let mut errors = HashMap::new();
    let effective_on = NaiveDate::parse_from_str(get("effective_on").trim(), "%Y-%m-%d");
    if effective_on.is_err() {
        errors.insert(
            "effective_on".to_string(),
            t.field_error("effective_on").to_string(),
        );
    }
    if let Ok(on) = effective_on {
        match state
            .app
            .propose_setting_as(
                org.id,
                &session.viewer,
                &get("key"),
                &get("value"),
                on,
                &get("purpose"),
                &ctx.origin,
                today_mx(),
            )
            .await
        {
            Ok(p) => {
                return Ok(
                    Redirect::to(&format!("/odf/{}/propuestas#p{}", org.data.slug, p.id))
                        .into_response(),
                )
            }
            Err(AccessError::App(AppError::Rule { field, .. })) => {
                let field = if field == "subject" {
                    "value".into()
                } else {
                    field
                };
                errors.insert(field.clone(), t.field_error(&field).to_string());
            }
            Err(AccessError::App(AppError::Field(f))) => {
                errors.insert(f.field.to_string(), t.field_error(f.field).to_string());
            }
            Err(e) => return Err(PageError::from_access(t, e)),
        }
    }
    let fields = setting_form(t, &values, &errors);
    settings_response(
        &state,
        &ctx,
        &slug,
        Some(fields),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct SettingChangeOut {
    /// The value in its canonical text (`12`, `1.00`, `2/3`, `si`).
    value: String,
    effective_on: NaiveDate,
    /// The later of `effective_on` and `approved_on`.
    in_force_from: NaiveDate,
    proposal_id: i64,
    proposed_by: String,
    proposed_on: NaiveDate,
    approved_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct SettingPendingOut {
    proposal_id: i64,
    value: String,
    effective_on: NaiveDate,
    proposed_by: String,
    proposed_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct SettingOut {
    key: &'static str,
    rule: &'static str,
    /// The value in force today (America/Mexico_City), canonical text.
    value: String,
    /// The same, as the page shows it in es-MX (`10 %`, `90 días`, `$1.00`).
    display: String,
    default: String,
    changes: Vec<SettingChangeOut>,
    pending: Vec<SettingPendingOut>,
}

/// Every setting of the ODF with its value in force today and its history (issue 16).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/settings", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [SettingOut]), (status = 404, body = ApiError)))]
pub async fn list_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let rows = state
        .app
        .settings_overview_as(org.id, &s.viewer, today_mx())
        .await
        .map_err(access_error)?;
    let t = Tr::default();
    let out: Vec<SettingOut> = rows
        .iter()
        .map(|r| SettingOut {
            key: r.key.as_str(),
            rule: r.key.rule(),
            value: r.in_force.to_text(),
            display: format_value(t, r.key, &r.in_force),
            default: r.default.to_text(),
            changes: r
                .changes
                .iter()
                .map(|c| SettingChangeOut {
                    value: c.value.clone(),
                    effective_on: c.effective_on,
                    in_force_from: c.in_force_from(),
                    proposal_id: c.proposal_id,
                    proposed_by: c.proposed_by.clone(),
                    proposed_on: c.proposed_on,
                    approved_on: c.approved_on,
                })
                .collect(),
            pending: r
                .pending
                .iter()
                .map(|(id, by, on, p)| SettingPendingOut {
                    proposal_id: *id,
                    value: p.value.to_text(),
                    effective_on: p.effective_on,
                    proposed_by: by.clone(),
                    proposed_on: *on,
                })
                .collect(),
        })
        .collect();
    Ok(Json(out).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct SettingProposalIn {
    /// A setting key (`contribution_rate`, `quorum`, ...; `GET .../settings` lists them).
    key: String,
    /// The new value as a person types it: `12 %`, `1.00`, `2/3`, `simple`, `si`.
    value: String,
    /// The day it takes effect (YYYY-MM-DD), today or later.
    effective_on: NaiveDate,
    #[serde(default)]
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct SettingProposalOut {
    proposal_id: i64,
    subject: String,
    purpose: String,
    proposed_by: String,
    proposed_on: NaiveDate,
}

/// Staff propose a setting change from a date: a board proposal of kind `setting_change`
/// (R-GOV-1, R-GOV-2); it takes effect only once the board approves it.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/settings/proposals", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SettingProposalIn, responses((status = 201, body = SettingProposalOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_setting_proposal(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<SettingProposalIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let p = state
        .app
        .propose_setting_as(
            org.id,
            &s.viewer,
            &body.key,
            &body.value,
            body.effective_on,
            &body.purpose,
            &ctx.origin,
            today_mx(),
        )
        .await
        .map_err(access_error)?;
    Ok((
        StatusCode::CREATED,
        Json(SettingProposalOut {
            proposal_id: p.id,
            subject: p.subject,
            purpose: p.purpose,
            proposed_by: p.proposed_by,
            proposed_on: p.proposed_on,
        }),
    )
        .into_response())
}
