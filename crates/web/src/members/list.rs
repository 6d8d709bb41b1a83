//! The members list (search, pages), the "add a member" form and the members import (R-ORG-2,
//! R-ORG-3, R-ORG-4).

use crate::shell::{
    check, check_csrf, field_label, render, visible_org, Ctx, FormField, Nav, PageError,
    PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use app::{Actor, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use store::StoreError;

// ---------------------------------------------------------------- members (staff)

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub curp: String,
    pub municipality: String,
    pub joined: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    q: String,
    /// The list: total, this page's rows, previous and next (`record`).
    list: crate::members::record::MemberList,
    can_manage: bool,
    csrf: String,
    fields: Vec<FormField>,
    added: Option<String>,
    csv: String,
    /// The import form's date (default today in America/Mexico_City).
    fecha: String,
    import_errors: Vec<String>,
    imported: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct MembersQuery {
    #[serde(default)]
    q: String,
    /// The page of the list, from 1.
    pagina: Option<usize>,
}

const MEMBERS_PER_PAGE: usize = 50;

/// Members matching `q` (name or CURP, any case, accents folded: `App::search_members`)
/// with ids after `after`, at most a page, the id to pass for the next page, and how many
/// match in all.
pub async fn search_members(
    state: &AppState,
    org_id: i64,
    q: &str,
    after: i64,
) -> Result<(Vec<registry::Member>, Option<i64>, usize), AppError> {
    let all = state
        .app
        .search_members(org_id, q, 0, app::registry_cases::MAX_SEARCH_SCAN)
        .await?;
    let mut found: Vec<registry::Member> = all
        .members
        .into_iter()
        .filter(|m| m.id > after)
        .take(MEMBERS_PER_PAGE + 1)
        .collect();
    let next = (found.len() > MEMBERS_PER_PAGE).then(|| {
        found.truncate(MEMBERS_PER_PAGE);
        found.last().map_or(0, |m| m.id)
    });
    Ok((found, next, all.total))
}

/// The fields of the "add a member" form (R-ORG-2, R-ORG-3, R-ORG-4), in the order shown.
const MEMBER_FIELDS: [(&str, &str); 16] = [
    ("curp", "text"),
    ("rfc", "text"),
    ("given_names", "text"),
    ("surnames", "text"),
    ("sex", "select"),
    ("birth_date", "date"),
    ("municipality", "text"),
    ("state", "text"),
    ("trade", "text"),
    ("household_size", "number"),
    ("profile", "select"),
    ("programmes", "checks"),
    ("joined_on", "date"),
    ("letter_signed_on", "date"),
    // Issue 19: where notifications go; optional.
    ("email", "email"),
    ("mobile", "tel"),
];

fn member_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    MEMBER_FIELDS
        .iter()
        .map(|&(name, kind)| FormField {
            name,
            label: field_label(t, name),
            kind,
            value: match name {
                // The checked boxes, each between `;` (the template asks `contains`).
                "programmes" => format!(";{};", declared_programmes(values)),
                _ => values.get(name).cloned().unwrap_or_default(),
            },
            error: errors.get(name).cloned(),
            options: match name {
                "sex" => vec![
                    ("F", t.get("sex.f")),
                    ("M", t.get("sex.m")),
                    ("X", t.get("sex.x")),
                ],
                "profile" => vec![
                    ("micro_producer", t.get("profile.micro_producer")),
                    ("micro_entrepreneur", t.get("profile.micro_entrepreneur")),
                ],
                "programmes" => registry::TargetProgramme::ALL
                    .into_iter()
                    .filter(|p| p.is_declared())
                    .map(|p| (p.as_str(), crate::members::record::programme_label(t, p)))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect()
}

/// Splits an import error line (`line 2, curp: ...`) into its field and detail.
fn row_error_field(line: &str) -> (String, String) {
    let rest = line.split_once(", ").map(|(_, r)| r).unwrap_or(line);
    match rest.split_once(": ") {
        Some((field, detail)) => (field.to_string(), detail.to_string()),
        None => ("other".to_string(), rest.to_string()),
    }
}

struct MembersView {
    q: String,
    fields: Vec<FormField>,
    added: Option<String>,
    csv: String,
    import_errors: Vec<String>,
    imported: Option<String>,
}

async fn members_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    page: usize,
    view: MembersView,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let list = crate::members::record::member_list(state, t, &org, &view.q, page).await?;
    if ctx.htmx {
        return Ok(crate::members::record::list_part(t, list));
    }
    let page = MembersPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        q: view.q,
        list,
        can_manage: session.viewer.may(org.id, Action::ManageMembers),
        csrf: session.csrf.clone(),
        fields: view.fields,
        added: view.added,
        csv: view.csv,
        fecha: crate::shell::today_mx().to_string(),
        import_errors: view.import_errors,
        imported: view.imported,
    };
    Ok((status, render(page)).into_response())
}

pub async fn members_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(query): Query<MembersQuery>,
) -> PageResult {
    let view = MembersView {
        q: query.q,
        fields: member_form(ctx.t, &HashMap::new(), &HashMap::new()),
        added: None,
        csv: String::new(),
        import_errors: Vec::new(),
        imported: None,
    };
    members_response(
        &state,
        &ctx,
        &slug,
        query.pagina.unwrap_or(1),
        view,
        StatusCode::OK,
    )
    .await
}

/// The declared programmes a form gives (R-ORG-4): `programmes` as the CSV has it (`a;b`), or
/// the checked boxes `programme_<key>`.
fn declared_programmes(values: &HashMap<String, String>) -> String {
    if let Some(text) = values.get("programmes") {
        return text.clone();
    }
    registry::TargetProgramme::ALL
        .into_iter()
        .filter(|p| values.contains_key(&format!("programme_{}", p.as_str())))
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// A value of the one-row import: trimmed, quoted when needed (`shell::csv`).
fn csv_cell(value: &str) -> String {
    crate::shell::csv::csv_quote(value.trim())
}

/// The add-member form as the one-row CSV the import reads, so both paths validate alike.
pub fn member_csv(values: &HashMap<String, String>) -> String {
    let header: Vec<&str> = MEMBER_FIELDS.iter().map(|(n, _)| *n).collect();
    let row: Vec<String> = MEMBER_FIELDS
        .iter()
        .map(|(n, _)| match *n {
            "programmes" => csv_cell(&declared_programmes(values)),
            n => csv_cell(values.get(n).map(String::as_str).unwrap_or("")),
        })
        .collect();
    format!("{}\n{}\n", header.join(","), row.join(","))
}

pub async fn add_member(
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
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let today = crate::shell::today_mx();
    let result = state
        .app
        .import_members_csv(
            org.id,
            &member_csv(&values),
            today,
            &Actor::new(&session.viewer.login, &ctx.origin),
        )
        .await;
    let mut errors = HashMap::new();
    let mut added = None;
    match result {
        Ok(outcome) if outcome.created == 1 => added = Some(t.get("members.added").to_string()),
        Ok(_) => {
            errors.insert(
                "curp".to_string(),
                t.get("error.field.curp_exists").to_string(),
            );
        }
        Err(AppError::Rows(lines)) => {
            for line in lines {
                let (field, _detail) = row_error_field(&line);
                let field = if MEMBER_FIELDS.iter().any(|(n, _)| *n == field) {
                    field
                } else {
                    "curp".to_string()
                };
                errors
                    .entry(field.clone())
                    .or_insert_with(|| t.field_error(&field).to_string());
            }
        }
        Err(AppError::Store(StoreError::Conflict { .. })) => {
            errors.insert(
                "curp".to_string(),
                t.get("error.field.curp_exists").to_string(),
            );
        }
        Err(e) => return Err(PageError::from_app(t, e)),
    }
    let failed = !errors.is_empty();
    let view = MembersView {
        q: String::new(),
        fields: member_form(t, &if failed { values } else { HashMap::new() }, &errors),
        added,
        csv: String::new(),
        import_errors: Vec::new(),
        imported: None,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    members_response(&state, &ctx, &slug, 1, view, status).await
}

/// The members import form, pasted or uploaded (`record::import_members` reads both).
pub(crate) struct ImportForm {
    pub csrf: String,
    pub csv: String,
    /// The day of the import (empty: today in America/Mexico_City).
    pub fecha: String,
}

pub(crate) async fn import_members_form(
    state: AppState,
    ctx: Ctx,
    slug: String,
    form: ImportForm,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let mut import_errors = Vec::new();
    let mut imported = None;
    let when = crate::shell::fact_date_field(t, &form.fecha, org.data.founded_on);
    if let Err(e) = when {
        import_errors.push(format!("{}: {e}", field_label(t, "fecha")));
    }
    if form.csv.trim().is_empty() {
        import_errors.push(t.field_error("csv").to_string());
    } else if let Ok(when) = when {
        let actor = Actor::new(&session.viewer.login, &ctx.origin);
        match state
            .app
            .import_members_csv(org.id, &form.csv, when, &actor)
            .await
        {
            Ok(outcome) => {
                imported = Some(format!(
                    "{} {} · {} {}",
                    outcome.created,
                    t.get("members.import.created"),
                    outcome.unchanged,
                    t.get("members.import.unchanged")
                ));
            }
            Err(AppError::Rows(lines)) => {
                for line in lines.iter().take(50) {
                    let number = line
                        .strip_prefix("line ")
                        .and_then(|r| r.split_once(','))
                        .map(|(n, _)| n)
                        .unwrap_or("?");
                    let (field, detail) = row_error_field(line);
                    import_errors.push(format!(
                        "{} {number} · {}: {} ({detail})",
                        t.get("members.import.line"),
                        field_label(t, &field),
                        t.field_error(&field)
                    ));
                }
            }
            Err(AppError::Store(StoreError::Conflict { what, .. })) => {
                import_errors.push(format!("{} ({what})", t.get("error.field.curp_exists")));
            }
            Err(AppError::Store(StoreError::Invalid { what })) => {
                import_errors.push(format!("{} ({what})", t.field_error("csv")));
            }
            Err(e) => return Err(PageError::from_app(t, e)),
        }
    }
    let status = if import_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = MembersView {
        q: String::new(),
        fields: member_form(t, &HashMap::new(), &HashMap::new()),
        added: None,
        csv: if import_errors.is_empty() {
            String::new()
        } else {
            form.csv
        },
        import_errors,
        imported,
    };
    members_response(&state, &ctx, &slug, 1, view, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_error_lines_name_their_field() {
        assert_eq!(
            row_error_field("line 7, curp: 'ABC' must have 18 characters"),
            (
                "curp".to_string(),
                "'ABC' must have 18 characters".to_string()
            )
        );
    }
}
