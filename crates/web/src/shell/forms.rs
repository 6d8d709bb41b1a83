//! What forms share: a field with its label, value and message; the labels of fields; the
//! message of a refused field; the confirmation step; times as people read them; the fields of a multipart body.

use crate::shell::{check, check_csrf, visible_org, Ctx, Nav, PageError, Tr};
use crate::AppState;
use app::access_cases::{AccessError, Action, Session};
use app::AppError;
use askama::Template;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One field of a form, with its value and the message next to it when refused.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub options: Vec<(&'static str, &'static str)>,
}

pub(crate) fn field_label(t: Tr, name: &str) -> &'static str {
    match name {
        "curp" => t.get("field.curp"),
        "given_names" => t.get("field.given_names"),
        "surnames" => t.get("field.surnames"),
        "sex" => t.get("field.sex"),
        "birth_date" => t.get("field.birth_date"),
        "municipality" => t.get("field.municipality"),
        "state" => t.get("field.state"),
        "trade" => t.get("field.trade"),
        "household_size" => t.get("field.household_size"),
        "profile" => t.get("field.profile"),
        "joined_on" => t.get("field.joined_on"),
        "letter_signed_on" => t.get("field.letter_signed_on"),
        "kind" => t.get("field.kind"),
        "subject" => t.get("field.subject"),
        "purpose" => t.get("field.purpose"),
        "amount" => t.get("field.amount"),
        "text" => t.get("field.text"),
        "vote" => t.get("field.vote"),
        "csv" => t.get("field.csv"),
        "period" => t.get("field.period"),
        "fecha" => t.get("field.fecha"),
        "revenue" => t.get("field.revenue"),
        "profit" => t.get("field.profit"),
        "reason" => t.get("field.reason"),
        "rate" => t.get("field.rate"),
        "installments" => t.get("field.installments"),
        "start" => t.get("field.start"),
        "frequency" => t.get("field.frequency"),
        "method" => t.get("field.method"),
        "key" => t.get("field.setting_key"),
        "value" => t.get("field.setting_value"),
        "effective_on" => t.get("field.effective_on"),
        "file" => t.get("field.opening_file"),
        "rfc" => t.get("field.rfc"),
        "programmes" => t.get("field.programmes"),
        "left_on" => t.get("field.left_on"),
        "role" => t.get("field.role"),
        "from" => t.get("field.from"),
        "until" => t.get("field.until"),
        "person_name" => t.get("role.f.person_name"),
        "email" => t.get("field.email"),
        "mobile" => t.get("field.mobile"),
        _ => t.get("field.other"),
    }
}

/// A time as people in the ODF read it (America/Mexico_City, UTC−6).
pub(crate) fn local_time(at: DateTime<Utc>) -> String {
    crate::shell::format::mexico_city(at)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// The message a refused field shows, in the page's language.
pub(crate) fn field_message(t: Tr, e: &registry::FieldError) -> String {
    let key = match (e.field, e.message.as_str()) {
        ("password", m) if m.contains("common") => "acct.err.password_common",
        ("password", m) if m.contains("demo") => "acct.err.password_demo",
        ("password", _) => "acct.err.password",
        ("password2", _) => "acct.err.password2",
        ("current_password", _) => "acct.err.current_password",
        (_, m) if m.contains("already has an account") => "acct.err.member_has_account",
        (_, m) if m.contains("already taken") => "acct.err.taken",
        (_, m) if m.contains("has left") => "acct.err.member_left",
        ("member", _) => "acct.err.member",
        ("login", _) | ("director_login", _) => "acct.err.login",
        ("slug", _) => "acct.err.slug",
        ("founded_on", _) => "acct.err.founded_on",
        ("currency", _) => "acct.err.currency",
        _ => "acct.err.text",
    };
    format!("{} ({})", t.get(key), label(t, e.field))
}

/// The label of a field of these forms.
pub(crate) fn label(t: Tr, field: &str) -> &'static str {
    match field {
        "login" => t.get("acct.f.login"),
        "display_name" => t.get("acct.f.display_name"),
        "password" | "password2" => t.get("acct.f.password"),
        "current_password" => t.get("acct.f.current_password"),
        "code" => t.get("acct.f.code"),
        "member" => t.get("acct.f.member"),
        "slug" => t.get("acct.f.slug"),
        "name" => t.get("acct.f.name"),
        "group_name" => t.get("acct.f.group_name"),
        "founded_on" => t.get("acct.f.founded_on"),
        "currency" => t.get("acct.f.currency"),
        "director_login" => t.get("acct.f.director_login"),
        "director_name" => t.get("acct.f.director_name"),
        "baseline_revenue" => t.get("plans.f.baseline_revenue"),
        "baseline_profit" => t.get("plans.f.baseline_profit"),
        "target" => t.get("plans.f.target"),
        "by" => t.get("plans.f.by"),
        "measure" => t.get("plans.f.measure"),
        other => field_label(t, other),
    }
}

/// The ODF and session of a staff write from a form (the money chapters' forms, issue 18): the
/// ODF the viewer sees (else 404), the form's CSRF token, then `ManageMembers`, in that order,
/// each refused as before.
pub(crate) async fn staff_form(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    csrf: &str,
) -> Result<(store::Org, Session), PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check_csrf(ctx, &session, csrf)?;
    check(ctx, &session.viewer, org.id, Action::ManageMembers)?;
    Ok((org, session))
}

/// What a use case's refusal becomes on a form: the field's message, or the page error.
pub(crate) fn form_error(t: Tr, e: AccessError) -> Result<String, PageError> {
    match e {
        AccessError::App(AppError::Field(f)) => Ok(field_message(t, &f)),
        other => Err(PageError::from_access(t, other)),
    }
}

/// The message a refused field shows: its name and what to fix (the field names of this
/// chapter's forms first, then the shared labels).
pub(crate) fn field_problem(t: Tr, field: &str) -> String {
    let label = match field {
        "reason" => t.get("mp.f.reason"),
        "fecha" => t.get("mp.f.fecha"),
        "status" => t.get("plans.f.status"),
        "target" => t.get("plans.f.new_target"),
        "member" => t.get("role.f.member"),
        other => label(t, other),
    };
    format!("{label}: {}", t.field_error(field))
}

/// A page that repeats what is about to happen and asks to confirm it: the same form again,
/// with its values hidden and `confirmar=1` (a leave, ending a role, ending a plan).
#[derive(Template)]
#[template(path = "confirm.html")]
pub(crate) struct ConfirmPage {
    pub t: Tr,
    pub nav: Nav,
    pub title: &'static str,
    pub lines: Vec<(&'static str, String)>,
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub confirm: &'static str,
    pub back: String,
}

/// The fields of a `multipart/form-data` body, by name (the last part of a name wins).
/// `None` when the content type is not multipart or has no boundary.
pub fn multipart_fields(content_type: &str, body: &[u8]) -> Option<HashMap<String, Vec<u8>>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    if !content_type.trim_start().starts_with("multipart/form-data") || boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut out = HashMap::new();
    let mut at = find(body, d, 0)? + d.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            break;
        }
        let start = at + 2; // after CRLF
        let next = find(body, d, start)?;
        let part = body.get(start..next.saturating_sub(2))?; // before CRLF
        let split = find(part, b"\r\n\r\n", 0)?;
        let headers = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let name = headers
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_string());
        if let Some(name) = name {
            out.insert(name, content.to_vec());
        }
        at = next + d.len();
    }
    Some(out)
}
