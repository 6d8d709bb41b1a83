//! The inventions registry on the web (R-INNO-1): the ODF's inventions and the form with which
//! an inventor (or staff for them) registers one with its intellectual-property status; an
//! invention's page with its stages, the innovation committee's reviews and recusals, the
//! review form and the button that advances a stage after an approving review. Review notes
//! are shown only when the app says the reader may read them (`InventionView::notes_visible`).

use super::{list, member_names, refusal};
use crate::shell::{
    check, check_csrf, random_token, render, today_mx, visible_org, Ctx, Nav, PageError,
    PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, OrgRole, Session};
use app::support_cases::NewInvention;
use app::{Actor, AppError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeSet;
use store::Org;
use support::inventions::{Conflict, Criterion, Invention, IpKind, IpStatus, Stage};

pub(crate) fn stage_label(t: Tr, s: Stage) -> &'static str {
    match s {
        Stage::Idea => t.get("sup.stage.idea"),
        Stage::Prototype => t.get("sup.stage.prototype"),
        Stage::Production => t.get("sup.stage.production"),
        Stage::Market => t.get("sup.stage.market"),
    }
}

fn criterion_label(t: Tr, c: Criterion) -> &'static str {
    match c {
        Criterion::Secrecy => t.get("sup.crit.secrecy"),
        Criterion::Originality => t.get("sup.crit.originality"),
        Criterion::Excellence => t.get("sup.crit.excellence"),
        Criterion::Authenticity => t.get("sup.crit.authenticity"),
        Criterion::MarketNeeds => t.get("sup.crit.market_needs"),
    }
}

fn ip_kind_label(t: Tr, k: IpKind) -> &'static str {
    match k {
        IpKind::Patent => t.get("sup.ip.patent"),
        IpKind::UtilityModel => t.get("sup.ip.utility_model"),
        IpKind::IndustrialDesign => t.get("sup.ip.industrial_design"),
    }
}

fn ip_text(t: Tr, ip: &IpStatus) -> String {
    match ip {
        IpStatus::None => t.get("sup.ip.none").to_string(),
        IpStatus::Filed {
            kind,
            number,
            filed_on,
        } => t.fmt_all(
            "sup.ip.filed_text",
            &[
                ip_kind_label(t, *kind),
                number.as_str(),
                t.date(filed_on).as_str(),
            ],
        ),
        IpStatus::Granted {
            kind,
            number,
            granted_on,
            ..
        } => t.fmt_all(
            "sup.ip.granted_text",
            &[
                ip_kind_label(t, *kind),
                number.as_str(),
                t.date(granted_on).as_str(),
            ],
        ),
    }
}

pub struct InventionRow {
    pub id: i64,
    pub title: String,
    pub stage: &'static str,
    pub inventors: String,
    pub ip: String,
    pub registered: String,
}

/// The intellectual-property fields of the registration form and of the invention's page.
#[derive(Deserialize, Default, Clone)]
pub struct IpFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub ip_status: String,
    #[serde(default)]
    pub ip_kind: String,
    #[serde(default)]
    pub ip_number: String,
    #[serde(default)]
    pub ip_filed_on: String,
    #[serde(default)]
    pub ip_granted_on: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub inventors: String,
    #[serde(default)]
    pub household: String,
    #[serde(default)]
    pub ip_status: String,
    #[serde(default)]
    pub ip_kind: String,
    #[serde(default)]
    pub ip_number: String,
    #[serde(default)]
    pub ip_filed_on: String,
    #[serde(default)]
    pub ip_granted_on: String,
}

#[derive(Template)]
#[template(path = "support_inventions.html")]
struct InventionsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_register: bool,
    /// A member registers as the lead inventor; staff name the inventors.
    as_member: bool,
    ipf: IpFields,
    form: RegisterForm,
    ip_kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    rows: Vec<InventionRow>,
}

fn may_register(session: &Session, org: store::OrgId) -> bool {
    session.viewer.member_id_in(org).is_some() || session.viewer.has_role(org, OrgRole::Staff)
}

async fn inventions_response(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    status: StatusCode,
    mut form: RegisterForm,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let views = state
        .app
        .inventions_for(org.id, Some(&session.viewer), today_mx())
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let names = member_names(
        state,
        org.id,
        views
            .iter()
            .flat_map(|v| v.invention.inventors.clone())
            .collect(),
    )
    .await;
    let rows = views
        .iter()
        .rev()
        .map(|v| {
            let i = &v.invention;
            InventionRow {
                id: i.id,
                title: i.title.clone(),
                stage: stage_label(t, i.stage),
                inventors: i
                    .inventors
                    .iter()
                    .filter_map(|m| names.get(m).cloned())
                    .collect::<Vec<_>>()
                    .join(", "),
                ip: ip_text(t, &i.ip),
                registered: t.date(&i.registered_on),
            }
        })
        .collect();
    if form.nonce.is_empty() {
        form.nonce = random_token();
    }
    let page = InventionsPage {
        t,
        nav: Nav::for_session(t, session, Some(org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_register: may_register(session, org.id),
        as_member: !session.viewer.has_role(org.id, OrgRole::Staff),
        ipf: form.ip(),
        form,
        ip_kinds: ip_kinds(t),
        error,
        rows,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/inventos`: everyone in the ODF's circle reads the registry (without notes).
pub async fn inventions_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    inventions_response(
        &state,
        &ctx,
        &org,
        &session,
        StatusCode::OK,
        RegisterForm::default(),
        None,
    )
    .await
}

fn date_field(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The IP status of the form, or the field to fix and what is wrong with it.
fn ip_of(t: Tr, f: &IpFields) -> Result<IpStatus, (&'static str, &'static str)> {
    let status = f.ip_status.trim();
    if status.is_empty() || status == "none" {
        return Ok(IpStatus::None);
    }
    let kind = IpKind::parse(&f.ip_kind).map_err(|_| ("ip_kind", t.get("sup.err.choose")))?;
    let filed_on = date_field(&f.ip_filed_on).ok_or(("ip_filed_on", t.get("sup.err.date")))?;
    let number = f.ip_number.clone();
    let ip = match status {
        "filed" => IpStatus::Filed {
            kind,
            number,
            filed_on,
        },
        "granted" => IpStatus::Granted {
            kind,
            number,
            filed_on,
            granted_on: date_field(&f.ip_granted_on)
                .ok_or(("ip_granted_on", t.get("sup.err.date")))?,
        },
        _ => return Err(("ip_status", t.get("sup.err.choose"))),
    };
    ip.checked()
        .map_err(|e| (e.field(), t.get("sup.err.check")))
}

/// Registers an invention at the idea stage, with its IP status. Everything is checked before
/// anything is written; the form's `nonce` is the reference, so sending it twice registers one.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<RegisterForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    if !may_register(&session, org.id) {
        return Err(PageError::Forbidden(t));
    }
    let refuse = |field: &str, message: &str| {
        let m = refusal(t, field, message);
        inventions_response(
            &state,
            &ctx,
            &org,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
        )
    };
    let staff = session.viewer.has_role(org.id, OrgRole::Staff);
    let me = session.viewer.member_id_in(org.id);
    // A member registering is the lead inventor; the others are co-inventors.
    let mut inventors: Vec<i64> = Vec::new();
    if let (false, Some(m)) = (staff, me) {
        inventors.push(m);
    }
    for text in list(&form.inventors) {
        match state.app.member_by_ref(org.id, &text).await {
            Ok(m) if !inventors.contains(&m.id) => inventors.push(m.id),
            Ok(_) => {}
            Err(_) => return refuse("inventors", t.get("sup.err.member")).await,
        }
    }
    let mut household = BTreeSet::new();
    for text in list(&form.household) {
        match state.app.member_by_ref(org.id, &text).await {
            Ok(m) => {
                household.insert(m.id);
            }
            Err(_) => return refuse("household", t.get("sup.err.member")).await,
        }
    }
    if !staff && !me.is_some_and(|m| inventors.contains(&m)) {
        return Err(PageError::Forbidden(t));
    }
    let ip = match ip_of(t, &form.ip()) {
        Ok(ip) => ip,
        Err((field, message)) => return refuse(field, message).await,
    };
    let today = today_mx();
    // The rule's checks on the whole registration first, IP included: nothing is written
    // unless both writes are valid.
    let dry = Invention::register(
        0,
        &form.title,
        &form.description,
        inventors.clone(),
        household.clone(),
        today,
    )
    .and_then(|mut i| i.set_ip(ip.clone()).map(|_| i));
    if let Err(e) = dry {
        return refuse(e.field(), t.get("sup.err.check")).await;
    }
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    let reference = (!form.nonce.is_empty()).then_some(form.nonce.as_str());
    let new = NewInvention {
        title: form.title.clone(),
        description: form.description.clone(),
        inventors,
        household,
    };
    let inv = match state
        .app
        .register_invention(org.id, &actor, reference, new, today)
        .await
    {
        Ok(inv) => inv,
        Err(e) if e.is_caller_error() => {
            let field = e.field().unwrap_or("other").to_string();
            return refuse(&field, t.get("sup.err.check")).await;
        }
        Err(e) => return Err(PageError::from_app(t, e)),
    };
    if ip != IpStatus::None && inv.ip != ip {
        state
            .app
            .set_invention_ip(org.id, &actor, inv.id, ip)
            .await
            .map_err(|e| PageError::from_app(t, e))?;
    }
    Ok(Redirect::to(&format!("/odf/{}/inventos/{}", org.data.slug, inv.id)).into_response())
}

pub struct ReviewRow {
    pub reviewer: String,
    pub stage: &'static str,
    pub on: String,
    pub met: Vec<&'static str>,
    pub not_met: Vec<&'static str>,
    pub approves: bool,
    pub notes: String,
}

pub struct RecusalRow {
    pub reviewer: String,
    pub on: String,
    pub why: &'static str,
}

#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub secrecy: Option<String>,
    #[serde(default)]
    pub originality: Option<String>,
    #[serde(default)]
    pub excellence: Option<String>,
    #[serde(default)]
    pub authenticity: Option<String>,
    #[serde(default)]
    pub market_needs: Option<String>,
    #[serde(default)]
    pub notes: String,
}

impl RegisterForm {
    fn ip(&self) -> IpFields {
        IpFields {
            csrf: String::new(),
            ip_status: self.ip_status.clone(),
            ip_kind: self.ip_kind.clone(),
            ip_number: self.ip_number.clone(),
            ip_filed_on: self.ip_filed_on.clone(),
            ip_granted_on: self.ip_granted_on.clone(),
        }
    }
}

impl ReviewForm {
    fn met(&self) -> BTreeSet<Criterion> {
        [
            (Criterion::Secrecy, &self.secrecy),
            (Criterion::Originality, &self.originality),
            (Criterion::Excellence, &self.excellence),
            (Criterion::Authenticity, &self.authenticity),
            (Criterion::MarketNeeds, &self.market_needs),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(c, _)| c)
        .collect()
    }
}

#[derive(Template)]
#[template(path = "support_invention.html")]
struct InventionPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    id: i64,
    title: String,
    description: String,
    stage: &'static str,
    stages: Vec<(&'static str, String)>,
    inventors: Vec<String>,
    ip: String,
    notes_visible: bool,
    reviews: Vec<ReviewRow>,
    recusals: Vec<RecusalRow>,
    /// The viewer sits on the innovation committee.
    committee: bool,
    /// The next stage, when the current one has an approving review.
    next: Option<&'static str>,
    criteria: Vec<(&'static str, &'static str, bool)>,
    notes: String,
    error: Option<String>,
    /// Inventors and staff record the IP status.
    may_set_ip: bool,
    ipf: IpFields,
    ip_kinds: Vec<(&'static str, &'static str)>,
    /// The linked Competition Sub-Fund payments (R-FUND-3) and the form to link one.
    expenses: super::invention_costs::ExpensesBlock,
}

fn ip_kinds(t: Tr) -> Vec<(&'static str, &'static str)> {
    IpKind::ALL
        .iter()
        .map(|k| (k.as_str(), ip_kind_label(t, *k)))
        .collect()
}

fn may_set_ip(session: &Session, org: store::OrgId, inv: &Invention) -> bool {
    session.viewer.has_role(org, OrgRole::Staff)
        || session
            .viewer
            .member_id_in(org)
            .is_some_and(|m| inv.is_inventor(m))
}

/// What the invention's page shows again after a refused form.
#[derive(Default)]
struct Again {
    review: ReviewForm,
    ip: IpFields,
    error: Option<String>,
    /// A refused link of an expense, shown next to its list.
    expense_error: Option<String>,
}

async fn invention_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    id: i64,
    status: StatusCode,
    again: Again,
) -> PageResult {
    let Again {
        review: form,
        ip: ipf,
        error,
        expense_error,
    } = again;
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let today = today_mx();
    let view = state
        .app
        .invention_for(org.id, Some(&session.viewer), id, today)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let i = &view.invention;
    let names = member_names(
        state,
        org.id,
        i.inventors
            .iter()
            .copied()
            .chain(i.reviews.iter().map(|r| r.reviewer))
            .chain(i.recusals.iter().map(|r| r.reviewer))
            .collect(),
    )
    .await;
    let name = |m: &i64| names.get(m).cloned().unwrap_or_default();
    let committee = match session.viewer.member_id_in(org.id) {
        Some(m) => state
            .app
            .on_innovation_committee(org.id, m, today)
            .await
            .map_err(|e| PageError::from_app(t, e))?,
        None => false,
    };
    let approved_now = i.reviews.iter().any(|r| r.stage == i.stage && r.approves());
    let chosen = form.met();
    let page = InventionPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        id,
        title: i.title.clone(),
        description: i.description.clone(),
        stage: stage_label(t, i.stage),
        stages: i
            .stages
            .iter()
            .map(|(s, d)| (stage_label(t, *s), t.date(d)))
            .collect(),
        inventors: i.inventors.iter().map(name).collect(),
        ip: ip_text(t, &i.ip),
        notes_visible: view.notes_visible,
        reviews: i
            .reviews
            .iter()
            .map(|r| ReviewRow {
                reviewer: name(&r.reviewer),
                stage: stage_label(t, r.stage),
                on: t.date(&r.on),
                met: r.met.iter().map(|c| criterion_label(t, *c)).collect(),
                not_met: Criterion::ALL
                    .iter()
                    .filter(|c| !r.met.contains(c))
                    .map(|c| criterion_label(t, *c))
                    .collect(),
                approves: r.approves(),
                // Blank unless the app let this reader see them (R-INNO-1).
                notes: if view.notes_visible {
                    r.notes.clone()
                } else {
                    String::new()
                },
            })
            .collect(),
        recusals: i
            .recusals
            .iter()
            .map(|r| RecusalRow {
                reviewer: name(&r.reviewer),
                on: t.date(&r.on),
                why: match r.conflict {
                    Conflict::Inventor => t.get("sup.inv.conflict_inventor"),
                    Conflict::Household => t.get("sup.inv.conflict_household"),
                },
            })
            .collect(),
        committee,
        next: if approved_now {
            i.stage.next().map(|s| stage_label(t, s))
        } else {
            None
        },
        criteria: Criterion::ALL
            .iter()
            .map(|c| (c.as_str(), criterion_label(t, *c), chosen.contains(c)))
            .collect(),
        notes: form.notes,
        error,
        may_set_ip: may_set_ip(&session, org.id, i),
        ipf,
        ip_kinds: ip_kinds(t),
        expenses: super::invention_costs::block(state, t, &session, org.id, id, expense_error)
            .await?,
    };
    Ok((status, render(page)).into_response())
}

/// The invention's page again with a refused expense link (`invention_costs`).
pub(crate) async fn invention_with_expense_error(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    id: i64,
    status: StatusCode,
    error: String,
) -> PageResult {
    let again = Again {
        expense_error: Some(error),
        ..Again::default()
    };
    invention_response(state, ctx, slug, id, status, again).await
}

/// `/odf/{slug}/inventos/{id}`.
pub async fn invention_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> PageResult {
    invention_response(&state, &ctx, &slug, id, StatusCode::OK, Again::default()).await
}

/// What a refused review or advance says: a conflict of interest (recorded as a recusal), not
/// on the committee, no approving review yet, or the field to fix.
fn invention_refusal(t: Tr, e: AppError) -> Result<String, PageError> {
    if !e.is_caller_error() {
        return Err(PageError::from_app(t, e));
    }
    let text = e.to_string();
    let field = e.field().unwrap_or("other").to_string();
    let message = if text.contains("conflict of interest") {
        t.get("sup.inv.err.conflict")
    } else if text.contains("only a member of the innovation committee") {
        t.get("sup.inv.err.committee")
    } else if field == "notes" {
        t.get("sup.inv.err.notes")
    } else if field == "stage" && text.contains("review") {
        t.get("sup.inv.err.not_reviewed")
    } else if matches!(e, AppError::Store(store::StoreError::Conflict { .. })) {
        t.get("sup.inv.err.reviewed")
    } else {
        t.get("sup.err.check")
    };
    Ok(refusal(t, &field, message))
}

/// What a committee member's form needs first: the organisation (seen by the viewer, CSRF
/// checked), the member the viewer is in it, and the actor to record. The app decides whether
/// that member sits on the innovation committee (R-INNO-1).
async fn committee_member(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    csrf: &str,
) -> Result<(Org, i64, Actor), PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check_csrf(ctx, &session, csrf)?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let Some(member_id) = session.viewer.member_id_in(org.id) else {
        return Err(PageError::Forbidden(ctx.t));
    };
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    Ok((org, member_id, actor))
}

/// A member of the innovation committee reviews the current stage as themself (R-INNO-1); a
/// conflict of interest is refused and the recusal recorded.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, reviewer, actor) = committee_member(&state, &ctx, &slug, &form.csrf).await?;
    match state
        .app
        .review_invention(
            org.id,
            &actor,
            id,
            reviewer,
            form.met(),
            &form.notes,
            today_mx(),
        )
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/odf/{}/inventos/{id}#reviews", org.data.slug)).into_response(),
        ),
        Err(e) => {
            let m = invention_refusal(t, e)?;
            let again = Again {
                review: form,
                error: Some(m),
                ..Again::default()
            };
            invention_response(
                &state,
                &ctx,
                &slug,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                again,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A member of the innovation committee moves the invention to its next stage, after an
/// approving review of the current one (R-INNO-1).
pub async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, by, actor) = committee_member(&state, &ctx, &slug, &form.csrf).await?;
    match state
        .app
        .advance_invention(org.id, &actor, id, by, today_mx())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/odf/{}/inventos/{id}", org.data.slug)).into_response()),
        Err(e) => {
            let m = invention_refusal(t, e)?;
            let again = Again {
                error: Some(m),
                ..Again::default()
            };
            invention_response(
                &state,
                &ctx,
                &slug,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                again,
            )
            .await
        }
    }
}

/// The inventors (or staff) record the invention's IP status: none, filed or granted.
pub async fn set_ip(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<IpFields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let view = state
        .app
        .invention_for(org.id, Some(&session.viewer), id, today_mx())
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    if !may_set_ip(&session, org.id, &view.invention) {
        return Err(PageError::Forbidden(t));
    }
    let refused = match ip_of(t, &form) {
        Ok(ip) => {
            let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
            match state.app.set_invention_ip(org.id, &actor, id, ip).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/odf/{}/inventos/{id}", org.data.slug))
                            .into_response(),
                    )
                }
                Err(e) => super::app_refusal(t, e, t.get("sup.err.check"))?,
            }
        }
        Err((field, message)) => refusal(t, field, message),
    };
    let again = Again {
        ip: form,
        error: Some(refused),
        ..Again::default()
    };
    invention_response(
        &state,
        &ctx,
        &slug,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        again,
    )
    .await
}
