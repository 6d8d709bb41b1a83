//! Members' chapter on the web (issue 17): a member's record (what the registry lets staff
//! change, R-ORG-2; the roles they hold, R-ORG-5), recording a member leaving (R-ORG-2, with a
//! confirmation step), the board and the committees with their members' names, giving and
//! ending roles and seats (R-ORG-5, ending confirmed first), and the members import from an
//! uploaded file as well as pasted text. The members list and the add form are in `list`.

use crate::shell::{
    check, check_csrf, field_problem, render, visible_org, ConfirmPage, Ctx, Nav, PageError,
    PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use app::{Actor, AppError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use registry::{
    Committee, Member, MemberEdit, Profile, Rfc, Role, RoleAssignment, TargetProgramme,
};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use store::{Org, StoreError};

// ---------------------------------------------------------------- names of things

/// A member's name as people read it.
pub(crate) fn member_name(m: &Member) -> String {
    format!("{} {}", m.data.given_names, m.data.surnames)
}

pub(crate) fn programme_label(t: Tr, p: TargetProgramme) -> &'static str {
    match p {
        TargetProgramme::Inventors => t.get("target_programme.inventors"),
        TargetProgramme::Women => t.get("target_programme.women"),
        TargetProgramme::Young => t.get("target_programme.young"),
        TargetProgramme::Elderly => t.get("target_programme.elderly"),
        TargetProgramme::Disabled => t.get("target_programme.disabled"),
        TargetProgramme::ArtisticCultural => t.get("target_programme.artistic_cultural"),
        TargetProgramme::PopularArt => t.get("target_programme.popular_art"),
        TargetProgramme::Indigenous => t.get("target_programme.indigenous"),
    }
}

fn committee_label(t: Tr, c: Committee) -> &'static str {
    match c {
        Committee::ProductionEngineering => t.get("committee.production_engineering"),
        Committee::Financing => t.get("committee.financing"),
        Committee::Marketing => t.get("committee.marketing"),
        Committee::EnvironmentalProtection => t.get("committee.environmental_protection"),
        Committee::EqualDevelopment => t.get("committee.equal_development"),
        Committee::Technology => t.get("committee.technology"),
        Committee::Acquisitions => t.get("committee.acquisitions"),
        Committee::IndustrialSectors => t.get("committee.industrial_sectors"),
    }
}

/// R-ORG-5: a role as people say it ("Consejo de Administración", "Comité de financiamiento").
pub(crate) fn role_name(t: Tr, r: Role) -> &'static str {
    match r {
        Role::DirectorGeneral => t.get("orgrole.director_general"),
        Role::Staff => t.get("orgrole.staff"),
        Role::BoardMember => t.get("orgrole.board_member"),
        Role::SupportCommittee => t.get("orgrole.support_committee"),
        Role::SpecialisedCommittee(c) => committee_label(t, c),
        Role::InnovationCommittee => t.get("orgrole.innovation_committee"),
        Role::Volunteer => t.get("orgrole.volunteer"),
    }
}

/// Every role in the order the board page lists them.
fn all_roles() -> Vec<Role> {
    let mut roles = vec![
        Role::BoardMember,
        Role::DirectorGeneral,
        Role::Staff,
        Role::SupportCommittee,
        Role::InnovationCommittee,
    ];
    roles.extend(Committee::ALL.into_iter().map(Role::SpecialisedCommittee));
    roles.push(Role::Volunteer);
    roles
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn in_force(r: &RoleAssignment, on: NaiveDate) -> bool {
    r.from <= on && r.until.is_none_or(|u| on < u)
}

// ---------------------------------------------------------------- the members list

/// Members a list page shows.
pub(crate) const LIST_PAGE: usize = 50;

/// The members list (issue 17): how many match the search, this page's rows, and the pages
/// before and after it.
pub struct MemberList {
    pub slug: String,
    pub q: String,
    pub prev: Option<usize>,
    pub next: Option<usize>,
    /// "4,000 socios · página 2 de 80".
    pub summary: String,
    pub rows: Vec<crate::members::list::MemberRow>,
}

/// Page `page` (from 1) of the members matching `q` (accents folded, `App::search_members`).
pub(crate) async fn member_list(
    state: &AppState,
    t: Tr,
    org: &Org,
    q: &str,
    page: usize,
) -> Result<MemberList, PageError> {
    let page = page.max(1);
    let found = state
        .app
        .search_members(org.id, q, (page - 1) * LIST_PAGE, LIST_PAGE)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let pages = found.total.div_ceil(LIST_PAGE).max(1);
    let count = crate::shell::format::group_thousands(found.total as u64);
    let total = if found.total == 1 {
        t.get("members.total.one").to_string()
    } else {
        t.fmt("members.total", &count)
    };
    let summary = if pages > 1 {
        let of = [page.to_string(), pages.to_string()];
        let page_of = t.fmt_all("members.page_of", &[of[0].as_str(), of[1].as_str()]);
        format!("{total} · {page_of}")
    } else {
        total
    };
    Ok(MemberList {
        summary,
        slug: org.data.slug.clone(),
        q: q.to_string(),
        prev: (page > 1).then(|| (page - 1).min(pages)),
        next: (page < pages).then_some(page + 1),
        rows: found
            .members
            .into_iter()
            .map(|m| crate::members::list::MemberRow {
                id: m.id,
                name: member_name(&m),
                curp: m.data.curp.as_str().to_string(),
                municipality: m.data.municipality.clone(),
                joined: t.date(&m.data.joined_on),
                active: m.left_on.is_none(),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "member_list.html")]
struct MemberListPart {
    t: Tr,
    list: MemberList,
}

/// The list alone (an htmx search replaces it in place).
pub(crate) fn list_part(t: Tr, list: MemberList) -> axum::response::Response {
    render(MemberListPart { t, list })
}

// ---------------------------------------------------------------- a member's record

pub struct RoleRow {
    pub id: i64,
    pub role: &'static str,
    pub person: String,
    pub member_id: Option<i64>,
    pub from: String,
    pub until: Option<String>,
    pub active: bool,
}

fn role_rows(t: Tr, roles: &[RoleAssignment], names: &HashMap<i64, String>) -> Vec<RoleRow> {
    let today = crate::shell::today_mx();
    roles
        .iter()
        .map(|r| RoleRow {
            id: r.id,
            role: role_name(t, r.role),
            person: r
                .member_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| r.person_name.clone()),
            member_id: r.member_id,
            from: t.date(&r.from),
            until: r.until.map(|u| t.date(&u)),
            active: in_force(r, today),
        })
        .collect()
}

/// The edit form's values (text as typed; programmes as the set of checked boxes).
#[derive(Default, Clone)]
pub struct EditValues {
    pub rfc: String,
    pub given_names: String,
    pub surnames: String,
    pub municipality: String,
    pub state: String,
    pub trade: String,
    pub household_size: String,
    pub profile: String,
    pub programmes: BTreeSet<&'static str>,
    /// Issue 19: the member's contact.
    pub email: String,
    pub mobile: String,
}

impl EditValues {
    fn of(m: &Member, contact: registry::Contact) -> Self {
        EditValues {
            email: contact.email.unwrap_or_default(),
            mobile: contact.mobile.unwrap_or_default(),
            rfc: m
                .data
                .rfc
                .as_ref()
                .map_or(String::new(), |r| r.as_str().into()),
            given_names: m.data.given_names.clone(),
            surnames: m.data.surnames.clone(),
            municipality: m.data.municipality.clone(),
            state: m.data.state.clone(),
            trade: m.data.trade.clone(),
            household_size: m.data.household_size.to_string(),
            profile: m.data.profile.as_str().into(),
            programmes: m
                .data
                .declared_programmes
                .iter()
                .map(|p| p.as_str())
                .collect(),
        }
    }

    /// From a submitted form: `programme_<key>` checkboxes.
    fn from_form(form: &HashMap<String, String>) -> Self {
        let text = |k: &str| form.get(k).cloned().unwrap_or_default();
        EditValues {
            rfc: text("rfc"),
            given_names: text("given_names"),
            surnames: text("surnames"),
            municipality: text("municipality"),
            state: text("state"),
            trade: text("trade"),
            household_size: text("household_size"),
            profile: text("profile"),
            email: text("email"),
            mobile: text("mobile"),
            programmes: TargetProgramme::ALL
                .into_iter()
                .filter(|p| form.contains_key(&format!("programme_{}", p.as_str())))
                .map(|p| p.as_str())
                .collect(),
        }
    }

    /// The contact these values ask for (issue 19), or the field that is not valid.
    pub fn contact(&self) -> Result<registry::Contact, registry::FieldError> {
        registry::Contact::parse(&self.email, &self.mobile)
    }

    /// The edit these values ask for, or the first field that is not valid.
    pub fn edit(&self) -> Result<MemberEdit, registry::FieldError> {
        let rfc = match self.rfc.trim() {
            "" => None,
            text => Some(Rfc::parse(text)?),
        };
        let household_size = self.household_size.trim().parse::<u16>().map_err(|_| {
            registry::FieldError::new("household_size", "must be a whole number of people")
        })?;
        let profile = Profile::parse(&self.profile)?;
        let declared_programmes = self
            .programmes
            .iter()
            .map(|p| TargetProgramme::parse(p))
            .collect::<Result<_, _>>()?;
        Ok(MemberEdit {
            rfc,
            given_names: self.given_names.clone(),
            surnames: self.surnames.clone(),
            municipality: self.municipality.clone(),
            state: self.state.clone(),
            trade: self.trade.clone(),
            household_size,
            profile,
            declared_programmes,
        })
    }
}

/// A declared programme's checkbox on a form (R-ORG-4; women, young and elderly are derived).
pub struct ProgrammeBox {
    pub key: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub(crate) fn programme_boxes(t: Tr, checked: &BTreeSet<&'static str>) -> Vec<ProgrammeBox> {
    TargetProgramme::ALL
        .into_iter()
        .filter(|p| p.is_declared())
        .map(|p| ProgrammeBox {
            key: p.as_str(),
            label: programme_label(t, p),
            checked: checked.contains(p.as_str()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "member_record.html")]
struct RecordPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    member_id: i64,
    name: String,
    curp: String,
    sex: &'static str,
    birth: String,
    joined: String,
    left: Option<String>,
    /// "Se dio de baja el 15 feb 2026: se mudó a Puebla".
    left_line: Option<String>,
    programmes: String,
    can_manage: bool,
    values: EditValues,
    boxes: Vec<ProgrammeBox>,
    profiles: Vec<(&'static str, &'static str)>,
    edit_error: Option<String>,
    edited: bool,
    leave_error: Option<String>,
    leave_on: String,
    leave_reason_typed: String,
    roles: Vec<RoleRow>,
    role_options: Vec<(String, &'static str)>,
    role_error: Option<String>,
    today: String,
}

/// What a record page shows besides the member: a form's error and typed values.
#[derive(Default)]
struct RecordView {
    values: Option<EditValues>,
    edit_error: Option<String>,
    edited: bool,
    leave_error: Option<String>,
    leave_on: String,
    leave_reason: String,
    role_error: Option<String>,
}

async fn record_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    member_id: i64,
    view: RecordView,
    status: StatusCode,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let roles: Vec<RoleAssignment> = state
        .app
        .store()
        .roles(org.id)
        .await
        .map_err(|e| PageError::from_store(t, e))?
        .into_iter()
        .filter(|r| r.member_id == Some(member_id))
        .collect();
    let names = HashMap::from([(member_id, member_name(&member))]);
    let today = crate::shell::today_mx();
    let values = match view.values {
        Some(v) => v,
        None => EditValues::of(
            &member,
            state
                .app
                .member_contact(org.id, member_id)
                .await
                .map_err(|e| PageError::from_app(t, e))?,
        ),
    };
    let programmes = member
        .data
        .programmes(today, registry::TargetSettings::default())
        .into_iter()
        .map(|p| programme_label(t, p))
        .collect::<Vec<_>>()
        .join(", ");
    let page = RecordPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        member_id,
        name: member_name(&member),
        curp: member.data.curp.as_str().to_string(),
        sex: match member.data.sex {
            registry::Sex::Female => t.get("sex.f"),
            registry::Sex::Male => t.get("sex.m"),
            registry::Sex::NonBinary => t.get("sex.x"),
        },
        birth: t.date(&member.data.birth_date),
        joined: t.date(&member.data.joined_on),
        left: member.left_on.map(|d| t.date(&d)),
        left_line: member.left_on.map(|d| {
            t.fmt_all(
                "record.left",
                &[
                    t.date(&d).as_str(),
                    member.leave_reason.as_deref().unwrap_or(""),
                ],
            )
        }),
        programmes,
        can_manage: session.viewer.may(org.id, Action::ManageMembers),
        boxes: programme_boxes(t, &values.programmes),
        values,
        profiles: vec![
            ("micro_producer", t.get("profile.micro_producer")),
            ("micro_entrepreneur", t.get("profile.micro_entrepreneur")),
        ],
        edit_error: view.edit_error,
        edited: view.edited,
        leave_error: view.leave_error,
        leave_on: if view.leave_on.is_empty() {
            today.to_string()
        } else {
            view.leave_on
        },
        leave_reason_typed: view.leave_reason,
        roles: role_rows(t, &roles, &names),
        role_options: all_roles()
            .into_iter()
            .map(|r| (r.to_key(), role_name(t, r)))
            .collect(),
        role_error: view.role_error,
        today: today.to_string(),
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/socios/{id}/ficha`: the member's record, with staff's forms.
pub async fn record_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    record_response(
        &state,
        &ctx,
        &slug,
        member_id,
        RecordView::default(),
        StatusCode::OK,
    )
    .await
}

/// Staff's write on a member's record: the organisation, the session (CSRF and
/// `ManageMembers` checked) and the actor.
async fn staff_write(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    csrf: &str,
) -> Result<(Org, Actor), PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check_csrf(ctx, &session, csrf)?;
    check(ctx, &session.viewer, org.id, Action::ManageMembers)?;
    Ok((org, Actor::new(&session.viewer.login, &ctx.origin)))
}

/// POST `/odf/{slug}/socios/{id}/editar` (R-ORG-2): what the registry lets change.
pub async fn edit_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let t = ctx.t;
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    let (org, actor) = staff_write(&state, &ctx, &slug, &csrf).await?;
    let values = EditValues::from_form(&form);
    let refused = |field: &str, values: EditValues| RecordView {
        values: Some(values),
        edit_error: Some(field_problem(t, field)),
        ..RecordView::default()
    };
    // Issue 19: the contact changes when the form carries it (the record's form always does).
    let asks_contact = form.contains_key("email") || form.contains_key("mobile");
    let checked = values
        .edit()
        .and_then(|e| Ok((e, asks_contact.then(|| values.contact()).transpose()?)));
    let view = match checked {
        Err(e) => refused(e.field, values),
        Ok((edit, contact)) => match state
            .app
            .edit_member_and_contact(org.id, member_id, &edit, contact.as_ref(), &actor)
            .await
        {
            Ok(_) => RecordView {
                edited: true,
                ..RecordView::default()
            },
            Err(AppError::Field(f)) => refused(f.field, values),
            Err(e) => return Err(PageError::from_app(t, e)),
        },
    };
    let status = if view.edit_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    record_response(&state, &ctx, &slug, member_id, view, status).await
}

// ---------------------------------------------------------------- confirmation step

#[derive(Deserialize, Default, Clone)]
pub struct LeaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmar: String,
}

/// POST `/odf/{slug}/socios/{id}/baja` (R-ORG-2): first a confirmation page naming the member,
/// the day and the reason; with `confirmar=1` the leave is recorded. Bad input comes back to
/// the record page naming the field, nothing recorded.
pub async fn record_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Form(form): Form<LeaveForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, actor) = staff_write(&state, &ctx, &slug, &form.csrf).await?;
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let refuse = |field: &str| RecordView {
        leave_error: Some(field_problem(t, field)),
        leave_on: form.fecha.clone(),
        leave_reason: form.reason.clone(),
        ..RecordView::default()
    };
    let reason = form.reason.trim();
    let view = if member.left_on.is_some() {
        RecordView {
            leave_error: Some(t.get("leave.err.already").to_string()),
            ..RecordView::default()
        }
    } else if reason.is_empty() || reason.chars().count() > 500 {
        refuse("reason")
    } else {
        match crate::shell::fact_date_field(t, &form.fecha, org.data.founded_on) {
            Err(_) => refuse("left_on"),
            Ok(when) => {
                let on = when.on;
                if on < member.data.joined_on {
                    refuse("left_on")
                } else if form.confirmar != "1" {
                    let session = crate::shell::require(&ctx)?;
                    return Ok(render(ConfirmPage {
                        t,
                        nav: Nav::for_session(t, session, Some(&org)),
                        title: t.get("leave.confirm.title"),
                        lines: vec![
                            (t.get("field.name"), member_name(&member)),
                            (t.get("field.left_on"), t.date(&on)),
                            (t.get("mp.f.reason"), reason.to_string()),
                        ],
                        action: format!("/odf/{slug}/socios/{member_id}/baja"),
                        hidden: vec![
                            ("csrf", form.csrf.clone()),
                            ("fecha", on.to_string()),
                            ("reason", reason.to_string()),
                        ],
                        confirm: t.get("leave.confirm.submit"),
                        back: format!("/odf/{slug}/socios/{member_id}/ficha"),
                    }));
                } else {
                    match state
                        .app
                        .record_leave(org.id, member_id, on, reason, &actor)
                        .await
                    {
                        Ok(_) => {
                            return Ok(Redirect::to(&format!(
                                "/odf/{slug}/socios/{member_id}/ficha"
                            ))
                            .into_response())
                        }
                        Err(AppError::Field(f)) => refuse(f.field),
                        Err(AppError::Store(StoreError::Conflict { .. })) => RecordView {
                            leave_error: Some(t.get("leave.err.already").to_string()),
                            ..RecordView::default()
                        },
                        Err(e) => return Err(PageError::from_app(t, e)),
                    }
                }
            }
        }
    };
    record_response(
        &state,
        &ctx,
        &slug,
        member_id,
        view,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------- the board and committees

pub struct RoleGroup {
    pub name: &'static str,
    pub rows: Vec<RoleRow>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    can_manage: bool,
    groups: Vec<RoleGroup>,
    ended: Vec<RoleRow>,
    role_options: Vec<(String, &'static str)>,
    form: RoleForm,
    error: Option<String>,
    ok: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    /// A member's number or CURP (empty for someone who is not a member).
    #[serde(default)]
    pub member: String,
    /// The holder's name when they are not a member.
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub from: String,
    /// Back to a member's record instead of the board page.
    #[serde(default)]
    pub back: String,
}

async fn board_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    form: RoleForm,
    error: Option<String>,
    ok: bool,
    status: StatusCode,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let roles = state
        .app
        .store()
        .roles(org.id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    // Names as the registry has them now (an edit of a name shows at once).
    let mut names = HashMap::new();
    for id in roles.iter().filter_map(|r| r.member_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
            let m = state
                .app
                .store()
                .member(org.id, id)
                .await
                .map_err(|e| PageError::from_store(t, e))?;
            slot.insert(member_name(&m));
        }
    }
    let today = crate::shell::today_mx();
    let (current, ended): (Vec<RoleAssignment>, Vec<RoleAssignment>) = roles
        .into_iter()
        .partition(|r| r.until.is_none_or(|u| today < u));
    let groups = all_roles()
        .into_iter()
        .filter_map(|role| {
            let held: Vec<RoleAssignment> =
                current.iter().filter(|r| r.role == role).cloned().collect();
            (!held.is_empty()).then(|| RoleGroup {
                name: role_name(t, role),
                rows: role_rows(t, &held, &names),
            })
        })
        .collect();
    let mut ended = role_rows(t, &ended, &names);
    ended.reverse();
    ended.truncate(50);
    let page = BoardPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        can_manage: session.viewer.may(org.id, Action::ManageMembers),
        groups,
        ended,
        role_options: all_roles()
            .into_iter()
            .map(|r| (r.to_key(), role_name(t, r)))
            .collect(),
        form: RoleForm {
            from: if form.from.is_empty() {
                today.to_string()
            } else {
                form.from.clone()
            },
            ..form
        },
        error,
        ok,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/consejo`: the board and the committees in force with their members' names
/// (R-ORG-5), everyone in the group's circle; staff give and end roles here.
pub async fn board_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    board_response(
        &state,
        &ctx,
        &slug,
        RoleForm::default(),
        None,
        false,
        StatusCode::OK,
    )
    .await
}

/// POST `/odf/{slug}/consejo` (R-ORG-5): gives a role or a committee seat to a member (by
/// number or CURP) or to a person who is not a member (by name).
pub async fn give_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<RoleForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, actor) = staff_write(&state, &ctx, &slug, &form.csrf).await?;
    let back_to_member = form.back.parse::<i64>().ok();
    let outcome = give_role_checked(&state, &org, &form, &actor).await;
    match (outcome, back_to_member) {
        (Ok(()), Some(id)) => {
            Ok(Redirect::to(&format!("/odf/{slug}/socios/{id}/ficha")).into_response())
        }
        (Ok(()), None) => {
            board_response(
                &state,
                &ctx,
                &slug,
                RoleForm::default(),
                None,
                true,
                StatusCode::CREATED,
            )
            .await
        }
        (Err(Refusal::Field(field)), Some(id)) => {
            let view = RecordView {
                role_error: Some(field_problem(t, field)),
                ..RecordView::default()
            };
            record_response(
                &state,
                &ctx,
                &slug,
                id,
                view,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        (Err(Refusal::Field(field)), None) => {
            board_response(
                &state,
                &ctx,
                &slug,
                form.clone(),
                Some(field_problem(t, field)),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        (Err(Refusal::App(e)), _) => Err(PageError::from_app(t, e)),
    }
}

/// Why a role was not given: a field of the form, or the app's failure.
enum Refusal {
    Field(&'static str),
    App(AppError),
}

/// Gives the role the form asks for.
async fn give_role_checked(
    state: &AppState,
    org: &Org,
    form: &RoleForm,
    actor: &Actor,
) -> Result<(), Refusal> {
    let role = Role::from_key(form.role.trim()).map_err(|_| Refusal::Field("role"))?;
    let from = parse_day(&form.from).ok_or(Refusal::Field("from"))?;
    let (member_id, person_name) = if form.member.trim().is_empty() {
        if form.person_name.trim().is_empty() {
            return Err(Refusal::Field("member"));
        }
        (None, form.person_name.trim().to_string())
    } else {
        let m = state
            .app
            .member_by_ref(org.id, &form.member)
            .await
            .map_err(|_| Refusal::Field("member"))?;
        (Some(m.id), member_name(&m))
    };
    match state
        .app
        .assign_role(
            org.id,
            registry::NewRoleAssignment {
                person_name,
                member_id,
                role,
                from,
            },
            actor,
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(AppError::Field(f)) => Err(Refusal::Field(match f.field {
            "member_id" => "member",
            "person_name" => "person_name",
            _ => "role",
        })),
        Err(AppError::Store(StoreError::Conflict { .. } | StoreError::Invalid { .. })) => {
            Err(Refusal::Field("role"))
        }
        Err(e) => Err(Refusal::App(e)),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct EndRoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    confirmar: String,
}

/// POST `/odf/{slug}/consejo/{id}/terminar` (R-ORG-5): a confirmation page first (who, which
/// role, from when, until when); with `confirmar=1` the role ends.
pub async fn end_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<EndRoleForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, actor) = staff_write(&state, &ctx, &slug, &form.csrf).await?;
    let roles = state
        .app
        .store()
        .roles(org.id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let Some(held) = roles.into_iter().find(|r| r.id == id) else {
        return Err(PageError::NotFound(t));
    };
    let refuse = |field: &'static str| {
        board_response(
            &state,
            &ctx,
            &slug,
            RoleForm::default(),
            Some(field_problem(t, field)),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let until = match form.until.trim() {
        "" => crate::shell::today_mx(),
        text => match parse_day(text) {
            Some(d) if d >= held.from => d,
            _ => return refuse("until").await,
        },
    };
    let person = match held.member_id {
        Some(mid) => state
            .app
            .store()
            .member(org.id, mid)
            .await
            .map(|m| member_name(&m))
            .unwrap_or_else(|_| held.person_name.clone()),
        None => held.person_name.clone(),
    };
    if form.confirmar != "1" {
        let session = crate::shell::require(&ctx)?;
        return Ok(render(ConfirmPage {
            t,
            nav: Nav::for_session(t, session, Some(&org)),
            title: t.get("role.end.confirm.title"),
            lines: vec![
                (t.get("field.name"), person),
                (t.get("field.role"), role_name(t, held.role).to_string()),
                (t.get("field.from"), t.date(&held.from)),
                (t.get("field.until"), t.date(&until)),
            ],
            action: format!("/odf/{slug}/consejo/{id}/terminar"),
            hidden: vec![("csrf", form.csrf.clone()), ("until", until.to_string())],
            confirm: t.get("role.end.confirm.submit"),
            back: format!("/odf/{slug}/consejo"),
        }));
    }
    match state.app.end_role(org.id, id, until, &actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/odf/{slug}/consejo")).into_response()),
        Err(AppError::Field(_) | AppError::Store(StoreError::Conflict { .. })) => {
            refuse("until").await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

// ---------------------------------------------------------------- members import, uploaded

/// POST `/odf/{slug}/socios/importar`: the members CSV pasted (urlencoded) or uploaded as a
/// file (`multipart/form-data`, field `archivo`, read as UTF-8 text; a pasted text wins when
/// both are given). Then as [`crate::members::list::import_members_form`].
pub async fn import_members(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields: HashMap<String, String> = match multipart_boundary(content_type) {
        Some(boundary) => multipart_fields(&body, &boundary),
        None => form_urlencoded::parse(&body).into_owned().collect(),
    };
    let text = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let csv = match text("csv") {
        pasted if !pasted.trim().is_empty() => pasted,
        _ => text("archivo"),
    };
    crate::members::list::import_members_form(
        state,
        ctx,
        slug,
        crate::members::list::ImportForm {
            csrf: text("csrf"),
            csv,
            fecha: text("fecha"),
        },
    )
    .await
}

/// The boundary of a `multipart/form-data` content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The named parts of a `multipart/form-data` body as text (a file's bytes read as UTF-8, a
/// byte-order mark dropped). Enough for the forms here: no nested parts, no encodings.
fn multipart_fields(body: &[u8], boundary: &str) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut out = HashMap::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head.lines().find_map(|line| {
            let lower = line.to_ascii_lowercase();
            if !lower.starts_with("content-disposition:") {
                return None;
            }
            line.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("name=")
                    .map(|n| n.trim_matches('"').to_string())
            })
        }) else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let content = content.strip_prefix('\u{feff}').unwrap_or(content);
        out.insert(name, content.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_gives_its_fields_and_the_files_text() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"s.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\n\u{feff}curp,rfc\r\nA,B\r\n\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        let b = multipart_boundary(ct).unwrap();
        assert_eq!(b, "XyZ");
        let f = multipart_fields(body.as_bytes(), &b);
        assert_eq!(f["csrf"], "tok");
        assert_eq!(f["archivo"], "curp,rfc\r\nA,B\r\n");
        assert_eq!(
            multipart_boundary("application/x-www-form-urlencoded"),
            None
        );
    }

    #[test]
    fn edit_values_name_the_field_they_refuse() {
        let mut form = HashMap::new();
        for (k, v) in [
            ("given_names", "Ana"),
            ("surnames", "Pérez"),
            ("municipality", "Yecapixtla"),
            ("state", "Morelos"),
            ("trade", "alfarería"),
            ("household_size", "cuatro"),
            ("profile", "micro_producer"),
            ("programme_popular_art", "on"),
        ] {
            form.insert(k.to_string(), v.to_string());
        }
        let v = EditValues::from_form(&form);
        assert_eq!(v.programmes, BTreeSet::from(["popular_art"]));
        assert_eq!(v.edit().unwrap_err().field, "household_size");
        form.insert("household_size".into(), "4".into());
        form.insert("rfc".into(), "no es rfc".into());
        assert_eq!(
            EditValues::from_form(&form).edit().unwrap_err().field,
            "rfc"
        );
    }
}
