//! Opportunities on the web (R-INFO-1): the ODF's opportunities and the form with which staff,
//! the support committee, committee members and supervisors publish one (supervisors also
//! programme-wide); a member's "para ti" with "me interesa"; who an opportunity reached.

use super::{app_refusal, list, programme_label, programme_options, refusal};
use crate::shell::{
    check, check_csrf, random_token, render, today_mx, visible_org, Ctx, Nav, PageError,
    PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, OrgRole, Session};
use app::support_cases::{NewOpportunity, OpportunityRecord};
use app::Actor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use store::{Org, PROGRAMME_ORG};
use support::opportunities::{Fit, Kind, Opportunity, Scope};

pub(crate) fn kind_label(t: Tr, k: Kind) -> &'static str {
    match k {
        Kind::Buyer => t.get("sup.kind.buyer"),
        Kind::Supplier => t.get("sup.kind.supplier"),
        Kind::TradeFair => t.get("sup.kind.trade_fair"),
        Kind::Technology => t.get("sup.kind.technology"),
        Kind::Training => t.get("sup.kind.training"),
        Kind::Funding => t.get("sup.kind.funding"),
    }
}

fn scope_path(s: Scope) -> &'static str {
    match s {
        Scope::Odf => "odf",
        Scope::Programme => "programa",
    }
}

fn scope_of_path(text: &str) -> Option<Scope> {
    match text {
        "odf" => Some(Scope::Odf),
        "programa" => Some(Scope::Programme),
        _ => None,
    }
}

/// An opportunity as a card.
pub struct OpportunityCard {
    pub id: i64,
    pub scope: &'static str,
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub deadline: String,
    pub published: String,
    pub fits: String,
    pub programme_wide: bool,
    pub interested: bool,
    pub open: bool,
}

fn card(t: Tr, o: &Opportunity, interested: bool, today: NaiveDate) -> OpportunityCard {
    let f = &o.fit;
    let mut fits: Vec<String> = Vec::new();
    fits.extend(f.trades.iter().cloned());
    fits.extend(f.states.iter().cloned());
    fits.extend(f.municipalities.iter().cloned());
    fits.extend(
        f.programmes
            .iter()
            .map(|p| programme_label(t, p).to_string()),
    );
    if let Some(p) = &f.profile {
        fits.push(
            match p.as_str() {
                "micro_producer" => t.get("profile.micro_producer"),
                _ => t.get("profile.micro_entrepreneur"),
            }
            .to_string(),
        );
    }
    if let Some(c) = f.min_capacity {
        fits.push(t.fmt("sup.opp.min_capacity", &super::count(c.into())));
    }
    OpportunityCard {
        id: o.id,
        scope: scope_path(o.scope),
        kind: kind_label(t, o.kind),
        title: o.title.clone(),
        description: o.description.clone(),
        deadline: t.date(&o.deadline),
        published: t.date(&o.published_on),
        fits: if fits.is_empty() {
            t.get("sup.opp.fits_everyone").to_string()
        } else {
            fits.join(" · ")
        },
        programme_wide: o.scope == Scope::Programme,
        interested,
        open: o.deadline >= today,
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub trades: String,
    #[serde(default)]
    pub states: String,
    #[serde(default)]
    pub municipalities: String,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub min_capacity: String,
    /// `programa` publishes programme-wide (supervisors).
    #[serde(default)]
    pub alcance: String,
    // One box per target programme (R-ORG-4).
    #[serde(default)]
    pub p_inventors: Option<String>,
    #[serde(default)]
    pub p_women: Option<String>,
    #[serde(default)]
    pub p_young: Option<String>,
    #[serde(default)]
    pub p_elderly: Option<String>,
    #[serde(default)]
    pub p_disabled: Option<String>,
    #[serde(default)]
    pub p_artistic_cultural: Option<String>,
    #[serde(default)]
    pub p_popular_art: Option<String>,
    #[serde(default)]
    pub p_indigenous: Option<String>,
}

impl PublishForm {
    fn programmes(&self) -> Vec<&'static str> {
        [
            ("inventors", &self.p_inventors),
            ("women", &self.p_women),
            ("young", &self.p_young),
            ("elderly", &self.p_elderly),
            ("disabled", &self.p_disabled),
            ("artistic_cultural", &self.p_artistic_cultural),
            ("popular_art", &self.p_popular_art),
            ("indigenous", &self.p_indigenous),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect()
    }
}

#[derive(Template)]
#[template(path = "support_opportunities.html")]
struct OpportunitiesPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_publish: bool,
    supervisor: bool,
    para_ti: Option<String>,
    form: PublishForm,
    kinds: Vec<(&'static str, &'static str)>,
    programmes: Vec<(&'static str, &'static str, bool)>,
    error: Option<String>,
    odf: Vec<OpportunityCard>,
    programme: Vec<OpportunityCard>,
}

async fn opportunities_response(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    status: StatusCode,
    mut form: PublishForm,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let today = today_mx();
    let may_publish = state
        .app
        .may_publish_opportunity(&session.viewer, org.id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let read = |o: Vec<OpportunityRecord>| -> Vec<OpportunityCard> {
        o.iter()
            .rev()
            .map(|r| card(t, &r.opportunity, false, today))
            .collect()
    };
    let odf = read(
        state
            .app
            .opportunities(org.id)
            .await
            .map_err(|e| PageError::from_app(t, e))?,
    );
    let programme = read(
        state
            .app
            .opportunities(PROGRAMME_ORG)
            .await
            .map_err(|e| PageError::from_app(t, e))?,
    );
    if form.nonce.is_empty() {
        form.nonce = random_token();
    }
    let chosen = form.programmes();
    let programmes = programme_options(t)
        .into_iter()
        .map(|(code, label)| (code, label, chosen.contains(&code)))
        .collect();
    let page = OpportunitiesPage {
        t,
        nav: Nav::for_session(t, session, Some(org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_publish,
        supervisor: session.viewer.supervisor,
        para_ti: session
            .viewer
            .member_id_in(org.id)
            .map(|m| format!("/odf/{}/socios/{m}/para-ti", org.data.slug)),
        form,
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(t, *k)))
            .collect(),
        programmes,
        error,
        odf,
        programme,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/oportunidades`: everyone in the ODF's circle reads them.
pub async fn opportunities_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    opportunities_response(
        &state,
        &ctx,
        &org,
        &session,
        StatusCode::OK,
        PublishForm::default(),
        None,
    )
    .await
}

/// Publishes (R-INFO-1). The form's `nonce` is the reference: sent twice, one opportunity.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<PublishForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let today = today_mx();
    let programme_wide = form.alcance == "programa";
    let target = if programme_wide {
        PROGRAMME_ORG
    } else {
        org.id
    };
    if !state
        .app
        .may_publish_opportunity(&session.viewer, target, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?
    {
        return Err(PageError::Forbidden(t));
    }
    let refuse = |field: &str, message: &str| {
        let m = refusal(t, field, message);
        opportunities_response(
            &state,
            &ctx,
            &org,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
        )
    };
    let Ok(kind) = Kind::parse(&form.kind) else {
        return refuse("kind", t.get("sup.err.choose")).await;
    };
    let Ok(deadline) = NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d") else {
        return refuse("deadline", t.get("sup.err.date")).await;
    };
    let min_capacity = match form.min_capacity.trim().replace(',', "") {
        s if s.is_empty() => None,
        s => match s.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => return refuse("min_capacity", t.get("sup.err.whole_number")).await,
        },
    };
    let profile = match form.profile.as_str() {
        "" => None,
        p => Some(p.to_string()),
    };
    let new = NewOpportunity {
        kind,
        title: form.title.clone(),
        description: form.description.clone(),
        deadline,
        fit: Fit {
            trades: list(&form.trades).into_iter().collect(),
            states: list(&form.states).into_iter().collect(),
            municipalities: list(&form.municipalities).into_iter().collect(),
            programmes: form.programmes().iter().map(|p| p.to_string()).collect(),
            profile,
            min_capacity,
        },
    };
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    let reference = if form.nonce.is_empty() {
        None
    } else {
        Some(form.nonce.as_str())
    };
    match state
        .app
        .publish_opportunity(target, &actor, reference, new, today)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/odf/{}/oportunidades/{}/{}",
            org.data.slug,
            scope_path(r.opportunity.scope),
            r.opportunity.id
        ))
        .into_response()),
        Err(e) => {
            let m = app_refusal(t, e, t.get("sup.err.check"))?;
            opportunities_response(
                &state,
                &ctx,
                &org,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                form.clone(),
                Some(m),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "support_audience.html")]
struct AudiencePage {
    t: Tr,
    nav: Nav,
    slug: String,
    o: OpportunityCard,
    matched: Vec<String>,
    interested: Vec<String>,
}

/// Who an opportunity reached in this ODF: matched and interested members, by name (those who
/// may publish in it).
pub async fn audience_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, scope, id)): Path<(String, String, i64)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let today = today_mx();
    if !state
        .app
        .may_publish_opportunity(&session.viewer, org.id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?
    {
        return Err(PageError::Forbidden(t));
    }
    let scope = scope_of_path(&scope).ok_or(PageError::NotFound(t))?;
    let record = state
        .app
        .opportunity(org.id, scope, id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let audience = state
        .app
        .opportunity_audience(org.id, scope, id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let page = AudiencePage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        o: card(t, &record.opportunity, false, today),
        matched: audience.matched.into_iter().map(|m| m.name).collect(),
        interested: audience.interested.into_iter().map(|m| m.name).collect(),
    };
    Ok(render(page).into_response())
}

/// `/odf/{slug}/para-ti`: a member's own list.
pub async fn my_para_ti(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    match session.viewer.member_id_in(org.id) {
        Some(id) => Ok(
            Redirect::to(&format!("/odf/{}/socios/{id}/para-ti", org.data.slug)).into_response(),
        ),
        None => Err(PageError::NotFound(ctx.t)),
    }
}

#[derive(Template)]
#[template(path = "support_para_ti.html")]
struct ParaTiPage {
    t: Tr,
    nav: Nav,
    slug: String,
    member_id: i64,
    name: String,
    csrf: String,
    may_mark: bool,
    error: Option<String>,
    items: Vec<OpportunityCard>,
}

async fn para_ti_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    member_id: i64,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMember(member_id))?;
    let today = today_mx();
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let items = state
        .app
        .para_ti(org.id, member_id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .iter()
        .map(|i| card(t, &i.opportunity, i.interested, today))
        .collect();
    let page = ParaTiPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        member_id,
        name: format!("{} {}", member.data.given_names, member.data.surnames),
        csrf: session.csrf.clone(),
        may_mark: may_mark(&session, org.id, member_id),
        error,
        items,
    };
    Ok((status, render(page)).into_response())
}

/// The member themself, or staff for them (as the API).
fn may_mark(session: &Session, org: store::OrgId, member_id: i64) -> bool {
    session.viewer.member_id_in(org) == Some(member_id)
        || session.viewer.has_role(org, OrgRole::Staff)
}

/// `/odf/{slug}/socios/{id}/para-ti`: the member, staff, board, supervisors.
pub async fn para_ti_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    para_ti_response(&state, &ctx, &slug, member_id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct InterestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    opportunity: String,
}

/// "Me interesa": recorded once in the member's own ODF (R-INFO-1).
pub async fn mark_interest(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Form(form): Form<InterestForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ViewMember(member_id))?;
    if !may_mark(&session, org.id, member_id) {
        return Err(PageError::Forbidden(t));
    }
    let refuse = |m: String| {
        para_ti_response(
            &state,
            &ctx,
            &slug,
            member_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(m),
        )
    };
    let (Some(scope), Ok(id)) = (
        scope_of_path(&form.scope),
        form.opportunity.trim().parse::<i64>(),
    ) else {
        return refuse(refusal(t, "opportunity", t.get("sup.err.choose"))).await;
    };
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    match state
        .app
        .mark_interest(org.id, &actor, member_id, scope, id, today_mx())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/odf/{}/socios/{member_id}/para-ti#o-{}-{id}",
            org.data.slug, form.scope
        ))
        .into_response()),
        Err(e) => {
            let m = app_refusal(t, e, t.get("sup.err.no_fit"))?;
            refuse(m).await
        }
    }
}
