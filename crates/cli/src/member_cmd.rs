//! `tequio member ...` and `tequio role ...` (issue 17): search members (accents folded, with
//! the total), show one, correct what the registry lets change (R-ORG-2), record a leave
//! (R-ORG-2), and list, give and end roles and committee seats (R-ORG-5). Each change is an
//! event in the log with actor and origin `cli`.

use crate::config::Settings;
use crate::terminal::escape_controls;
use app::{Actor, App};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use registry::{MemberEdit, NewRoleAssignment, Profile, Rfc, Role, TargetProgramme};

#[derive(Subcommand, Debug)]
pub enum MemberCommand {
    /// Members whose name or CURP holds `--q` (any case, accents folded), 50 a page.
    List {
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "")]
        q: String,
        /// The page, from 1.
        #[arg(long, default_value_t = 1)]
        page: usize,
    },
    /// One member's record and the roles they hold.
    Show(MemberRef),
    /// Correct what the registry lets change (names, RFC, place, trade, household, profile,
    /// declared programmes, e-mail and mobile); the CURP and the dates never change. Absent
    /// flags keep the value.
    Edit(Box<EditArgs>),
    /// Record that a member left (R-ORG-2): the day and the reason; nothing is deleted.
    Leave {
        #[command(flatten)]
        member: MemberRef,
        /// The day they left (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Args, Debug)]
pub struct MemberRef {
    #[arg(long)]
    pub org: String,
    /// The member's number or CURP.
    #[arg(long)]
    pub member: String,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    #[command(flatten)]
    member: MemberRef,
    #[arg(long)]
    given_names: Option<String>,
    #[arg(long)]
    surnames: Option<String>,
    /// The RFC; an empty value removes it.
    #[arg(long)]
    rfc: Option<String>,
    #[arg(long)]
    municipality: Option<String>,
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    trade: Option<String>,
    #[arg(long)]
    household_size: Option<u16>,
    /// micro_producer or micro_entrepreneur.
    #[arg(long)]
    profile: Option<String>,
    /// Declared programmes separated by `;` (inventors, disabled, artistic_cultural,
    /// popular_art, indigenous); an empty value declares none.
    #[arg(long)]
    programmes: Option<String>,
    /// The member's e-mail address, where notifications go (issue 19); empty removes it.
    #[arg(long)]
    email: Option<String>,
    /// The member's mobile number (10 digits, with or without +52); empty removes it.
    #[arg(long)]
    mobile: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// The roles and committee seats, in force first, with their holders' names.
    List {
        #[arg(long)]
        org: String,
    },
    /// Give a role or a committee seat to a member (`--member`) or to someone who is not a
    /// member (`--name`).
    Give {
        #[arg(long)]
        org: String,
        /// The member's number or CURP.
        #[arg(long, conflicts_with = "name")]
        member: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// board_member, director_general, staff, support_committee, innovation_committee,
        /// volunteer, specialised_committee:<financing|marketing|...>.
        #[arg(long)]
        role: String,
        /// The first day (default today in America/Mexico_City).
        #[arg(long)]
        from: Option<NaiveDate>,
    },
    /// End a role (see `tequio role list` for its id).
    End {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: i64,
        /// The day it ends (default today in America/Mexico_City).
        #[arg(long)]
        until: Option<NaiveDate>,
    },
}

fn today() -> NaiveDate {
    app::fact_date::mexico_city_today(chrono::Utc::now())
}

/// Text as the terminal may print it (`terminal::escape_controls`).
fn esc(text: &str) -> String {
    escape_controls(text).into_owned()
}

fn name(m: &registry::Member) -> String {
    esc(&format!("{} {}", m.data.given_names, m.data.surnames))
}

async fn member_of(app: &App, org_id: i64, text: &str) -> anyhow::Result<registry::Member> {
    match app.member_by_ref(org_id, text).await {
        Ok(m) => Ok(m),
        // A bad reference names the field (exit 65, like every refusal of input).
        Err(app::access_cases::AccessError::App(e)) => Err(e.into()),
        Err(e) => Err(crate::input::BadInput(format!("member: {e}")).into()),
    }
}

pub async fn member(settings: &Settings, command: MemberCommand) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    match command {
        MemberCommand::List { org, q, page } => {
            let org = app.store().org_by_slug(&org).await?;
            let per_page = 50;
            let found = app
                .search_members(org.id, &q, page.saturating_sub(1) * per_page, per_page)
                .await?;
            println!("{:>8}  {:<18}  {:<40}  estado", "número", "CURP", "nombre");
            for m in &found.members {
                let status = match m.left_on {
                    Some(d) => format!("baja {d}"),
                    None => "activo".to_string(),
                };
                println!(
                    "{:>8}  {:<18}  {:<40}  {status}",
                    m.id,
                    m.data.curp.as_str(),
                    name(m)
                );
            }
            let pages = found.total.div_ceil(per_page).max(1);
            println!("{} en total · página {page} de {pages}", found.total);
        }
        MemberCommand::Show(r) => {
            let org = app.store().org_by_slug(&r.org).await?;
            let m = member_of(&app, org.id, &r.member).await?;
            let d = &m.data;
            println!("número:     {}", m.id);
            println!("nombre:     {}", name(&m));
            println!("CURP:       {}", d.curp.as_str());
            println!("RFC:        {}", d.rfc.as_ref().map_or("", |r| r.as_str()));
            println!("lugar:      {}, {}", esc(&d.municipality), esc(&d.state));
            println!("oficio:     {}", esc(&d.trade));
            println!("hogar:      {}", d.household_size);
            println!("perfil:     {}", d.profile.as_str());
            let programmes: Vec<&str> = d.declared_programmes.iter().map(|p| p.as_str()).collect();
            println!("programas:  {}", programmes.join(";"));
            println!("ingreso:    {}", d.joined_on);
            let contact = app.member_contact(org.id, m.id).await?;
            println!(
                "correo:     {}",
                esc(contact.email.as_deref().unwrap_or(""))
            );
            println!("celular:    {}", contact.mobile.as_deref().unwrap_or(""));
            if let Some(left) = m.left_on {
                println!(
                    "baja:       {left} ({})",
                    esc(m.leave_reason.as_deref().unwrap_or(""))
                );
            }
            for role in app.store().roles(org.id).await? {
                if role.member_id == Some(m.id) {
                    let until = role.until.map(|u| u.to_string()).unwrap_or_default();
                    println!(
                        "cargo {}:   {} {} – {until}",
                        role.id,
                        role.role.to_key(),
                        role.from
                    );
                }
            }
        }
        MemberCommand::Edit(a) => {
            let org = app.store().org_by_slug(&a.member.org).await?;
            let m = member_of(&app, org.id, &a.member.member).await?;
            let mut edit = MemberEdit::of(&m.data);
            let set = |v: Option<String>, now: &mut String| {
                if let Some(v) = v {
                    *now = v;
                }
            };
            set(a.given_names, &mut edit.given_names);
            set(a.surnames, &mut edit.surnames);
            set(a.municipality, &mut edit.municipality);
            set(a.state, &mut edit.state);
            set(a.trade, &mut edit.trade);
            if let Some(rfc) = a.rfc {
                edit.rfc = match rfc.trim() {
                    "" => None,
                    text => Some(Rfc::parse(text).map_err(app::AppError::from)?),
                };
            }
            if let Some(h) = a.household_size {
                edit.household_size = h;
            }
            if let Some(p) = a.profile {
                edit.profile = Profile::parse(&p).map_err(app::AppError::from)?;
            }
            if let Some(ps) = a.programmes {
                edit.declared_programmes = ps
                    .split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(TargetProgramme::parse)
                    .collect::<Result<_, _>>()
                    .map_err(app::AppError::from)?;
            }
            let contact_before = app.member_contact(org.id, m.id).await?;
            let contact = match (&a.email, &a.mobile) {
                (None, None) => None,
                (email, mobile) => Some(
                    registry::Contact::parse(
                        email
                            .as_deref()
                            .unwrap_or(contact_before.email.as_deref().unwrap_or("")),
                        mobile
                            .as_deref()
                            .unwrap_or(contact_before.mobile.as_deref().unwrap_or("")),
                    )
                    .map_err(app::AppError::from)?,
                ),
            };
            let after = app
                .edit_member_and_contact(org.id, m.id, &edit, contact.as_ref(), &actor)
                .await?;
            let mut changed = MemberEdit::changed_fields(&m.data, &after.data);
            if let Some(c) = &contact {
                if c.email != contact_before.email {
                    changed.push("email");
                }
                if c.mobile != contact_before.mobile {
                    changed.push("mobile");
                }
            }
            if changed.is_empty() {
                println!("sin cambios: {}", name(&after));
            } else {
                println!("corregido: {} ({})", name(&after), changed.join(", "));
            }
        }
        MemberCommand::Leave { member, on, reason } => {
            let org = app.store().org_by_slug(&member.org).await?;
            let m = member_of(&app, org.id, &member.member).await?;
            let on = app
                .fact_date(org.id, app::FactDate::new(on, today()))
                .await?;
            let left = app.record_leave(org.id, m.id, on, &reason, &actor).await?;
            println!(
                "baja registrada: {} el {}",
                name(&left),
                left.left_on.unwrap_or(on)
            );
        }
    }
    Ok(())
}

pub async fn role(settings: &Settings, command: RoleCommand) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    match command {
        RoleCommand::List { org } => {
            let org = app.store().org_by_slug(&org).await?;
            let on = today();
            let mut roles = app.store().roles(org.id).await?;
            roles.sort_by_key(|r| (r.until.is_some_and(|u| u <= on), r.role, r.id));
            println!(
                "{:>6}  {:<44}  {:<36}  {:<10}  hasta",
                "cargo", "cargo o comité", "nombre", "desde"
            );
            for r in roles {
                let holder = match r.member_id {
                    Some(id) => app
                        .store()
                        .member(org.id, id)
                        .await
                        .map(|m| name(&m))
                        .unwrap_or_else(|_| esc(&r.person_name)),
                    None => esc(&r.person_name),
                };
                let until = r.until.map(|u| u.to_string()).unwrap_or_default();
                println!(
                    "{:>6}  {:<44}  {:<36}  {:<10}  {until}",
                    r.id,
                    r.role.to_key(),
                    holder,
                    r.from
                );
            }
        }
        RoleCommand::Give {
            org,
            member,
            name: person,
            role,
            from,
        } => {
            let org = app.store().org_by_slug(&org).await?;
            let role = Role::from_key(role.trim()).map_err(app::AppError::from)?;
            let (member_id, person_name) = match (member, person) {
                (Some(text), _) => {
                    let m = member_of(&app, org.id, &text).await?;
                    (
                        Some(m.id),
                        format!("{} {}", m.data.given_names, m.data.surnames),
                    )
                }
                (None, Some(person)) => (None, person),
                (None, None) => {
                    return Err(crate::input::BadInput(
                        "member: dé --member (número o CURP) o --name".into(),
                    )
                    .into())
                }
            };
            let given = app
                .assign_role(
                    org.id,
                    NewRoleAssignment {
                        person_name,
                        member_id,
                        role,
                        from: from.unwrap_or_else(today),
                    },
                    &actor,
                )
                .await?;
            println!(
                "cargo {}: {} a {} desde {}",
                given.id,
                given.role.to_key(),
                esc(&given.person_name),
                given.from
            );
        }
        RoleCommand::End { org, id, until } => {
            let org = app.store().org_by_slug(&org).await?;
            let ended = app
                .end_role(org.id, id, until.unwrap_or_else(today), &actor)
                .await?;
            println!(
                "cargo {} terminado: {} ({}) hasta {}",
                ended.id,
                esc(&ended.person_name),
                ended.role.to_key(),
                ended.until.map(|u| u.to_string()).unwrap_or_default()
            );
        }
    }
    Ok(())
}
