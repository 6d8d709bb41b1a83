//! The opening position (issue 16): `/odf/{slug}/apertura` shows what was imported and lets
//! staff upload the file (a form with a file field, `multipart/form-data`, read here without a
//! dependency: one boundary, fields by name). The API: `GET /orgs/{slug}/opening` and
//! `POST /orgs/{slug}/opening` with `{"csv": "..."}`.

#![allow(clippy::result_large_err)]

use crate::shell::forms::multipart_fields;
use crate::shell::{
    access_error, check_csrf, org_for, render, today_mx, visible_org, ApiError, ApiJson, ApiPath,
    ApiResult, Ctx, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action};
use app::opening_cases::{fill, OpeningOutcome, OpeningProblem};
use app::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "opening.html")]
struct OpeningPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    can_import: bool,
    summary: Option<Vec<(&'static str, String)>>,
    message: Option<&'static str>,
    errors: Vec<String>,
}

fn summary(t: Tr, o: &OpeningOutcome) -> Vec<(&'static str, String)> {
    vec![
        (t.get("opening.as_of"), t.date(&o.as_of)),
        (t.get("opening.contributions"), o.contributions.to_string()),
        (t.get("opening.grants"), o.grants.to_string()),
        (t.get("opening.spent"), o.competition_spent.to_string()),
        (
            t.get("opening.withdrawn"),
            o.development_withdrawn.to_string(),
        ),
        (
            t.get("opening.lines"),
            format!("{} ({})", o.lines, o.line_reviews),
        ),
        (t.get("opening.dues"), o.dues.to_string()),
        (
            t.get("opening.loans"),
            format!("{} ({})", o.loans, o.installments),
        ),
        (
            t.get("opening.overdue"),
            format!(
                "{} ({})",
                o.overdue_installments + o.trust_paid_installments,
                o.trust_paid_installments
            ),
        ),
        (
            t.get("opening.leases"),
            format!("{} ({})", o.leases, o.rents),
        ),
        (t.get("opening.entries"), o.entries.to_string()),
    ]
}

/// A problem of an opening file in the reader's language (es-MX first): its line, its column as
/// the file names it, and what is wrong (`opening.e.{code}` with the values it names). A rule's
/// own text passed on as a value loses its rule id (ids stay out of sentences).
pub fn problem_text(t: Tr, p: &OpeningProblem) -> String {
    let column = t
        .lookup(&format!("opening.col.{}", p.field))
        .unwrap_or(p.field);
    let args: Vec<String> = p.args.iter().map(|a| without_rule_ids(a)).collect();
    let what = fill(t.get(&format!("opening.e.{}", p.code)), &args);
    fill(
        t.get("opening.e.line"),
        &[p.line.to_string(), column.to_string(), what],
    )
}

/// `text` without rule ids (`R-CRED-3`, `R-FUND-6:`).
fn without_rule_ids(text: &str) -> String {
    let words: Vec<&str> = text
        .split(' ')
        .filter(|w| {
            let w = w.trim_end_matches(':');
            let mut parts = w.split('-');
            !(parts.next() == Some("R")
                && parts
                    .next()
                    .is_some_and(|c| !c.is_empty() && c.chars().all(|x| x.is_ascii_uppercase()))
                && parts
                    .next()
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|x| x.is_ascii_digit()))
                && parts.next().is_none())
        })
        .collect();
    words.join(" ")
}

async fn opening_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    message: Option<&'static str>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    let done = state
        .app
        .opening_as(org.id, &session.viewer)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    Ok((
        status,
        render(OpeningPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            can_import: done.is_none() && session.viewer.may(org.id, Action::ManageMembers),
            summary: done.as_ref().map(|o| summary(t, o)),
            message,
            errors,
        }),
    )
        .into_response())
}

/// `GET /odf/{slug}/apertura`.
pub async fn opening_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    opening_response(&state, &ctx, &slug, None, Vec::new(), StatusCode::OK).await
}

/// `POST /odf/{slug}/apertura`: the uploaded file, all or nothing.
pub async fn upload_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields = multipart_fields(content_type, &body).unwrap_or_default();
    let text_of = |k: &str| {
        fields
            .get(k)
            .map(|v| String::from_utf8(v.clone()).map_err(|_| ()))
            .unwrap_or(Ok(String::new()))
    };
    check_csrf(&ctx, &session, &text_of("csrf").unwrap_or_default())?;
    let bad = |key| {
        opening_response(
            &state,
            &ctx,
            &slug,
            Some(t.get(key)),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Ok(text) = text_of("file") else {
        return bad("opening.err.utf8").await;
    };
    if text.trim().is_empty() {
        return bad("error.field.file").await;
    }
    match state
        .app
        .import_opening_as(org.id, &session.viewer, &text, &ctx.origin, today_mx())
        .await
    {
        Ok(o) => {
            let key = if o.created {
                "opening.imported"
            } else {
                "opening.unchanged"
            };
            opening_response(
                &state,
                &ctx,
                &slug,
                Some(t.get(key)),
                Vec::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(AccessError::App(AppError::OpeningRows(problems))) => {
            opening_response(
                &state,
                &ctx,
                &slug,
                Some(t.get("opening.refused")),
                problems
                    .iter()
                    .take(100)
                    .map(|p| problem_text(t, p))
                    .collect(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AccessError::App(AppError::Field(f))) => {
            opening_response(
                &state,
                &ctx,
                &slug,
                Some(t.get("opening.refused")),
                vec![f.message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

// ---------------------------------------------------------------- API

#[derive(Deserialize, ToSchema)]
pub struct OpeningIn {
    /// The opening position file's text (see the README for its columns).
    csv: String,
}

#[derive(Serialize, ToSchema)]
pub struct OpeningOut {
    /// False when the same file had been imported before: nothing was written.
    created: bool,
    as_of: chrono::NaiveDate,
    sha256: String,
    contributions: usize,
    grants: usize,
    competition_spent: usize,
    development_withdrawn: usize,
    lines: usize,
    line_reviews: usize,
    dues: usize,
    /// Loans being repaid, their installments still to fall due, leases and their rents.
    loans: usize,
    installments: usize,
    leases: usize,
    rents: usize,
    entries: usize,
}

fn out(o: OpeningOutcome) -> OpeningOut {
    OpeningOut {
        created: o.created,
        as_of: o.as_of,
        sha256: o.sha256,
        contributions: o.contributions,
        grants: o.grants,
        competition_spent: o.competition_spent,
        development_withdrawn: o.development_withdrawn,
        lines: o.lines,
        line_reviews: o.line_reviews,
        dues: o.dues,
        loans: o.loans,
        installments: o.installments,
        leases: o.leases,
        rents: o.rents,
        entries: o.entries,
    }
}

/// The opening position imported (404 when there is none).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/opening", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = OpeningOut), (status = 404, body = ApiError)))]
pub async fn get_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    match state
        .app
        .opening_as(org.id, &s.viewer)
        .await
        .map_err(access_error)?
    {
        Some(o) => Ok(Json(out(OpeningOutcome { created: true, ..o })).into_response()),
        None => Err(access_error(AccessError::NotFound)),
    }
}

/// Imports the opening position, all or nothing (422 with every bad line in `message`); the
/// same file again is 200 with `created: false` (staff).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/opening", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OpeningIn, responses((status = 201, body = OpeningOut), (status = 200, body = OpeningOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn post_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OpeningIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let o = state
        .app
        .import_opening_as(org.id, &s.viewer, &body.csv, &ctx.origin, today_mx())
        .await
        .map_err(|e| match e {
            AccessError::App(AppError::OpeningRows(problems)) => crate::shell::invalid(
                "csv",
                &problems
                    .iter()
                    .map(|p| problem_text(ctx.t, p))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            other => access_error(other),
        })?;
    let status = if o.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out(o))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_an_opening_file_reads_in_spanish_and_english() {
        use crate::shell::Lang;
        for (code, english) in app::opening_cases::PROBLEMS {
            let key = format!("opening.e.{code}");
            let es = Tr::new(Lang::Es).lookup(&key);
            let en = Tr::new(Lang::En).lookup(&key);
            assert!(es.is_some(), "{key} missing in Spanish");
            // The catalogue's English is the app's (the CLI prints the app's).
            assert_eq!(en, Some(*english), "{key}");
            // As many values in both languages.
            assert_eq!(
                es.unwrap().matches("{}").count(),
                english.matches("{}").count(),
                "{key}"
            );
        }
        let p = OpeningProblem {
            line: 26,
            field: "amount",
            code: "trust_short",
            args: vec!["R-FUND-6 amount: the trust holds 940000".into()],
        };
        let es = problem_text(Tr::new(Lang::Es), &p);
        assert!(
            es.starts_with("Línea 26 · monto: el fideicomiso no tenía con qué pagar"),
            "{es}"
        );
        assert!(!es.contains("R-FUND-6"), "{es}");
        let p = OpeningProblem {
            line: 3,
            field: "date",
            code: "bad_date",
            args: vec!["2026-02-30".into()],
        };
        assert_eq!(
            problem_text(Tr::new(Lang::Es), &p),
            "Línea 3 · fecha: «2026-02-30» no es una fecha AAAA-MM-DD"
        );
        assert_eq!(
            problem_text(Tr::new(Lang::En), &p),
            format!("Line 3 · date: {}", p.message())
        );
    }

    #[test]
    fn a_multipart_body_gives_its_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
Content-Type: text/csv\r\n\r\ntipo,fecha\r\nsaldos_al,2026-01-31\r\n\r\n--XyZ--\r\n";
        let f = multipart_fields("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(f["csrf"], b"abc");
        assert_eq!(f["file"], b"tipo,fecha\r\nsaldos_al,2026-01-31\r\n");
        assert!(multipart_fields("application/x-www-form-urlencoded", body).is_none());
    }
}
