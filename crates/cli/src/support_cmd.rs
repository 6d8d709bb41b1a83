//! `tequio support ...`: the support system from the command line (R-INFO-1, R-INNO-1,
//! R-SUP-1..4): opportunities, "para ti" and interest; inventions and their reviews;
//! compliance per ODF and the programme's ranking; outcomes; projection scenarios; the 1997
//! integradoras table and an ODF's indicators. The operator at the command line has the
//! machine, so review notes are shown (the web and the API enforce R-INNO-1 per person).

use crate::config::Settings;
use app::support_cases::NewInvention;
use app::{Actor, App, AppError};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::str::FromStr;
use store::{OrgId, PROGRAMME_ORG};
use support::inventions::{Criterion, IpKind, IpStatus};
use support::opportunities::{Fit, Kind, Scope};
use support::outcomes::{Cut, OdfOutcome};
use support::projection::Scenario;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum SupportCommand {
    /// Opportunities (R-INFO-1): publish, list, who they reached.
    #[command(subcommand)]
    Opportunity(OpportunityCommand),
    /// A member's matching opportunities, newest and closest deadline first.
    ParaTi(MemberArgs),
    /// A member marks interest in an opportunity that fits them.
    Interest(InterestArgs),
    /// The inventions registry (R-INNO-1).
    #[command(subcommand)]
    Invention(InventionCommand),
    /// Compliance per ODF from its books, or every ODF ranked (R-SUP-1).
    Compliance(ProgrammeArgs),
    /// Members' income now against baseline; how many at least doubled it (R-SUP-4).
    Outcomes(OutcomeArgs),
    /// Projection scenarios (R-SUP-2).
    #[command(subcommand)]
    Projection(ProjectionCommand),
    /// The 1997 integradoras table, its totals checked (R-SUP-3).
    Integradoras(FormatArgs),
    /// Seed 004's indicators for an ODF seen as an integradora (R-SUP-3).
    Indicators(OrgArgs),
    /// ODFs' project results and their circulation (R-INFO-1).
    #[command(subcommand)]
    Result(crate::support_result_cmd::ResultCommand),
}

#[derive(Args, Debug)]
pub struct FormatArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct OrgArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// An ODF (`--org`) or the programme (`--programme`).
#[derive(Args, Debug)]
pub struct WhereArgs {
    #[arg(
        long,
        required_unless_present = "programme",
        conflicts_with = "programme"
    )]
    pub org: Option<String>,
    #[arg(long)]
    pub programme: bool,
}

#[derive(Subcommand, Debug)]
pub enum OpportunityCommand {
    Publish(Box<PublishArgs>),
    List(ListArgs),
    /// The members an opportunity fits and those interested, in one ODF.
    Audience(AudienceArgs),
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub place: WhereArgs,
    /// buyer, supplier, trade_fair, technology, training, funding.
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub description: String,
    #[arg(long)]
    pub deadline: NaiveDate,
    /// Trades it fits, separated by `;` (empty: any).
    #[arg(long, default_value = "")]
    pub trades: String,
    #[arg(long, default_value = "")]
    pub states: String,
    #[arg(long, default_value = "")]
    pub municipalities: String,
    /// R-ORG-4 programmes (`women;inventors`), one in common is enough.
    #[arg(long, default_value = "")]
    pub programmes: String,
    /// micro_producer or micro_entrepreneur.
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long)]
    pub min_capacity: Option<u64>,
    /// A reference: publishing it again changes nothing.
    #[arg(long = "ref")]
    pub reference: Option<String>,
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub place: WhereArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct AudienceArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub opportunity: i64,
    /// The opportunity is programme-wide.
    #[arg(long)]
    pub programme: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct MemberArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub member: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct InterestArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub member: i64,
    #[arg(long)]
    pub opportunity: i64,
    #[arg(long)]
    pub programme: bool,
}

#[derive(Subcommand, Debug)]
pub enum InventionCommand {
    Register(RegisterArgs),
    List(OrgArgs),
    Show(InventionArgs),
    Review(ReviewArgs),
    Advance(AdvanceArgs),
    Ip(IpArgs),
    /// Link a Competition Sub-Fund expense (its `fund spend --ref`) to the invention.
    Expense(ExpenseArgs),
}

#[derive(Args, Debug)]
pub struct RegisterArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub description: String,
    /// Member ids, the lead inventor first, separated by `,`.
    #[arg(long)]
    pub inventors: String,
    /// Member ids living in an inventor's household, separated by `,`.
    #[arg(long, default_value = "")]
    pub household: String,
    #[arg(long = "ref")]
    pub reference: Option<String>,
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct InventionArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub id: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub id: i64,
    /// The reviewing member (of the innovation committee).
    #[arg(long)]
    pub reviewer: i64,
    /// Criteria met, separated by `,`: secrecy, originality, excellence, authenticity,
    /// market_needs.
    #[arg(long, default_value = "")]
    pub met: String,
    #[arg(long)]
    pub notes: String,
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct AdvanceArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub id: i64,
    /// The committee member who moves it on.
    #[arg(long)]
    pub by: i64,
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct IpArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub id: i64,
    /// none, filed or granted.
    #[arg(long)]
    pub status: String,
    /// patent, utility_model or industrial_design.
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub number: Option<String>,
    #[arg(long)]
    pub filed_on: Option<NaiveDate>,
    #[arg(long)]
    pub granted_on: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct ExpenseArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub id: i64,
    #[arg(long = "ref")]
    pub reference: String,
}

#[derive(Args, Debug)]
pub struct ProgrammeArgs {
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub org: Option<String>,
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct OutcomeArgs {
    #[command(flatten)]
    pub scope: ProgrammeArgs,
    /// Cut by state, trade or programme.
    #[arg(long)]
    pub by: Option<String>,
    /// The period (`YYYY-MM`); default each ODF's last closed one.
    #[arg(long, conflicts_with = "series")]
    pub period: Option<String>,
    /// The series over the last N closed periods (default 12, at most 24), oldest first; the
    /// programme's adds each ODF's period by period.
    #[arg(long, num_args = 0..=1, default_missing_value = "12", value_parser = clap::value_parser!(u8).range(1..=24))]
    pub series: Option<u8>,
    /// CSV (the same as `--format csv`).
    #[arg(long)]
    pub csv: bool,
}

#[derive(Subcommand, Debug)]
pub enum ProjectionCommand {
    /// The programme today, as the projection starts from it.
    Present(FormatArgs),
    /// Save a scenario (seed 002's preset unless overridden).
    Save(SaveArgs),
    List(FormatArgs),
    /// The saved scenarios (or those named) side by side, month by month.
    Compare(CompareArgs),
}

#[derive(Args, Debug)]
pub struct SaveArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value_t = 30)]
    pub months: u32,
    /// Yearly growth of participants and ODFs (1 = doubling).
    #[arg(long, default_value = "1")]
    pub growth: String,
    #[arg(long, default_value = "0.10")]
    pub contribution: String,
    /// What each new ODF deposits in its first three months, in pesos.
    #[arg(long, default_value = "100000.00")]
    pub deposit_per_odf: String,
    /// A new line as a multiple of the deposit (at most 2; default 270/235 as the pilots).
    #[arg(long)]
    pub line_multiple: Option<String>,
    /// Share of the lines drawn (0..1).
    #[arg(long, default_value = "1")]
    pub utilisation: String,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Scenario names (default: all saved).
    #[arg(long)]
    pub name: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn today(on: Option<NaiveDate>) -> NaiveDate {
    on.unwrap_or_else(|| app::fact_date::mexico_city_today(chrono::Utc::now()))
}

fn list(text: &str, sep: char) -> BTreeSet<String> {
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn ids(text: &str, field: &'static str) -> Result<Vec<i64>, AppError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| {
                registry::FieldError::new(field, format!("'{s}' is not a member id")).into()
            })
        })
        .collect()
}

fn decimal(text: &str, field: &'static str) -> Result<Decimal, AppError> {
    Decimal::from_str(text.trim())
        .map_err(|_| registry::FieldError::new(field, format!("'{text}' is not a number")).into())
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn esc(text: &str) -> String {
    crate::terminal::escape_controls(text).into_owned()
}

async fn org_id(app: &App, slug: &str) -> anyhow::Result<OrgId> {
    Ok(app.store().org_by_slug(slug).await?.id)
}

async fn place(app: &App, w: &WhereArgs) -> anyhow::Result<OrgId> {
    match &w.org {
        Some(slug) if !w.programme => org_id(app, slug).await,
        _ => Ok(PROGRAMME_ORG),
    }
}

fn scope(programme: bool) -> Scope {
    if programme {
        Scope::Programme
    } else {
        Scope::Odf
    }
}

pub async fn run(command: SupportCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    match command {
        SupportCommand::Result(c) => crate::support_result_cmd::run(&app, c).await?,
        SupportCommand::Opportunity(OpportunityCommand::Publish(a)) => {
            let org = place(&app, &a.place).await?;
            let new = app::support_cases::NewOpportunity {
                kind: Kind::parse(&a.kind).map_err(AppError::from)?,
                title: a.title,
                description: a.description,
                deadline: a.deadline,
                fit: Fit {
                    trades: list(&a.trades, ';'),
                    states: list(&a.states, ';'),
                    municipalities: list(&a.municipalities, ';'),
                    programmes: list(&a.programmes, ';'),
                    profile: a.profile,
                    min_capacity: a.min_capacity,
                },
            };
            let r = app
                .publish_opportunity(org, &actor, a.reference.as_deref(), new, today(a.on))
                .await?;
            println!(
                "oportunidad {} publicada: {} (ref {})",
                r.opportunity.id,
                esc(&r.opportunity.title),
                r.reference
            );
        }
        SupportCommand::Opportunity(OpportunityCommand::List(a)) => {
            let org = place(&app, &a.place).await?;
            let all = app.opportunities(org).await?;
            if a.format == Format::Json {
                return json(&all);
            }
            println!(
                "{:>4}  {:<30}  {:<10}  {:<10}  título",
                "id", "tipo", "publicada", "cierre"
            );
            for r in all {
                let o = &r.opportunity;
                println!(
                    "{:>4}  {:<30}  {}  {}  {}",
                    o.id,
                    o.kind.label_es(),
                    o.published_on,
                    o.deadline,
                    esc(&o.title)
                );
            }
        }
        SupportCommand::Opportunity(OpportunityCommand::Audience(a)) => {
            let org = org_id(&app, &a.org).await?;
            let aud = app
                .opportunity_audience(org, scope(a.programme), a.opportunity, today(None))
                .await?;
            if a.format == Format::Json {
                return json(&aud);
            }
            println!(
                "coinciden: {}  interesados: {}",
                aud.matched.len(),
                aud.interested.len()
            );
            for m in &aud.interested {
                println!("  interesada/o: {} ({})", esc(&m.name), m.member_id);
            }
        }
        SupportCommand::ParaTi(a) => {
            let org = org_id(&app, &a.org).await?;
            let items = app.para_ti(org, a.member, today(None)).await?;
            if a.format == Format::Json {
                return json(&items);
            }
            for i in items {
                let o = &i.opportunity;
                println!(
                    "{:>4} {:<9} {:<30} cierra {}  {}{}",
                    o.id,
                    if o.scope == Scope::Programme {
                        "programa"
                    } else {
                        "ODF"
                    },
                    o.kind.label_es(),
                    o.deadline,
                    esc(&o.title),
                    if i.interested { "  [me interesa]" } else { "" }
                );
            }
        }
        SupportCommand::Interest(a) => {
            let org = org_id(&app, &a.org).await?;
            app.mark_interest(
                org,
                &actor,
                a.member,
                scope(a.programme),
                a.opportunity,
                today(None),
            )
            .await?;
            println!("interés registrado");
        }
        SupportCommand::Invention(c) => invention(&app, &actor, c).await?,
        SupportCommand::Compliance(a) => compliance(&app, a).await?,
        SupportCommand::Outcomes(a) => outcomes(&app, a).await?,
        SupportCommand::Projection(c) => projection(&app, &actor, c).await?,
        SupportCommand::Integradoras(a) => {
            let t = support::integradoras::table_1997().map_err(AppError::from)?;
            match a.format {
                Format::Json => return json(&t),
                _ => {
                    println!("sector,integradoras,associated_firms,investment_thousand_usd,firms_per_integradora");
                    for r in &t.rows {
                        println!(
                            "{},{},{},{},{}",
                            r.sector,
                            r.integradoras,
                            r.associated_firms,
                            r.investment_thousand_usd,
                            r.firms_per_integradora()
                        );
                    }
                    println!(
                        "Total,{},{},{},",
                        t.totals.integradoras,
                        t.totals.associated_firms,
                        t.totals.investment_thousand_usd
                    );
                }
            }
        }
        SupportCommand::Indicators(a) => {
            let org = org_id(&app, &a.org).await?;
            let r = app.odf_indicators(org).await?;
            if a.format == Format::Json {
                return json(&r);
            }
            for i in r {
                println!("{:?} {}: {}", i.indicator, i.value, i.reading);
            }
        }
    }
    Ok(())
}

async fn invention(app: &App, actor: &Actor, command: InventionCommand) -> anyhow::Result<()> {
    match command {
        InventionCommand::Register(a) => {
            let org = org_id(app, &a.org).await?;
            let new = NewInvention {
                title: a.title,
                description: a.description,
                inventors: ids(&a.inventors, "inventors")?,
                household: ids(&a.household, "household")?.into_iter().collect(),
            };
            let inv = app
                .register_invention(org, actor, a.reference.as_deref(), new, today(a.on))
                .await?;
            println!("invención {} registrada: {}", inv.id, esc(&inv.title));
        }
        InventionCommand::List(a) => {
            let org = org_id(app, &a.org).await?;
            let all = app
                .inventions_for(org, None, today(None))
                .await
                .map_err(access)?;
            if a.format == Format::Json {
                return json(&all);
            }
            for v in all {
                let i = &v.invention;
                println!("{:>4}  {:<11}  {}", i.id, i.stage.label_es(), esc(&i.title));
            }
        }
        InventionCommand::Show(a) => {
            let org = org_id(app, &a.org).await?;
            let v = app
                .invention_for(org, None, a.id, today(None))
                .await
                .map_err(access)?;
            json(&v)?;
        }
        InventionCommand::Review(a) => {
            let org = org_id(app, &a.org).await?;
            let met = list(&a.met, ',')
                .iter()
                .map(|c| {
                    Criterion::ALL
                        .into_iter()
                        .find(|k| k.as_str() == c)
                        .ok_or_else(|| {
                            registry::FieldError::new("met", format!("'{c}' is not a criterion"))
                        })
                })
                .collect::<Result<BTreeSet<_>, _>>()
                .map_err(AppError::from)?;
            let inv = app
                .review_invention(org, actor, a.id, a.reviewer, met, &a.notes, today(a.on))
                .await?;
            println!("revisión registrada; etapa {}", inv.stage.label_es());
        }
        InventionCommand::Advance(a) => {
            let org = org_id(app, &a.org).await?;
            let inv = app
                .advance_invention(org, actor, a.id, a.by, today(a.on))
                .await?;
            println!("la invención {} pasa a {}", inv.id, inv.stage.label_es());
        }
        InventionCommand::Ip(a) => {
            let org = org_id(app, &a.org).await?;
            let need = |v: Option<String>, f: &'static str| {
                v.ok_or_else(|| AppError::from(registry::FieldError::new(f, "is required")))
            };
            let need_date = |v: Option<NaiveDate>, f: &'static str| {
                v.ok_or_else(|| AppError::from(registry::FieldError::new(f, "is required")))
            };
            let status = match a.status.as_str() {
                "none" => IpStatus::None,
                "filed" => IpStatus::Filed {
                    kind: IpKind::parse(&need(a.kind, "kind")?).map_err(AppError::from)?,
                    number: need(a.number, "number")?,
                    filed_on: need_date(a.filed_on, "filed_on")?,
                },
                "granted" => IpStatus::Granted {
                    kind: IpKind::parse(&need(a.kind, "kind")?).map_err(AppError::from)?,
                    number: need(a.number, "number")?,
                    filed_on: need_date(a.filed_on, "filed_on")?,
                    granted_on: need_date(a.granted_on, "granted_on")?,
                },
                other => {
                    return Err(AppError::from(registry::FieldError::new(
                        "status",
                        format!("'{other}' is not none, filed or granted"),
                    ))
                    .into())
                }
            };
            app.set_invention_ip(org, actor, a.id, status).await?;
            println!("propiedad intelectual registrada");
        }
        InventionCommand::Expense(a) => {
            let org = org_id(app, &a.org).await?;
            // R-FUND-3: only a prototype or sample payment of this ODF, linked once.
            app.link_prototype_payment(org, actor, a.id, &a.reference)
                .await?;
            println!("gasto vinculado");
        }
    }
    Ok(())
}

fn access(e: app::access_cases::AccessError) -> anyhow::Error {
    match e {
        app::access_cases::AccessError::App(a) => a.into(),
        other => anyhow::anyhow!("{other}"),
    }
}

fn status_es(s: support::compliance::Status) -> &'static str {
    match s {
        support::compliance::Status::Pass => "cumple",
        support::compliance::Status::Fail => "FALLA",
        support::compliance::Status::NotApplicable => "no aplica",
    }
}

async fn compliance(app: &App, a: ProgrammeArgs) -> anyhow::Result<()> {
    let on = today(a.on);
    let odfs = match &a.org {
        Some(slug) if !a.all => vec![app.compliance(org_id(app, slug).await?, on).await?],
        _ => {
            let (odfs, ranking) = app.programme_compliance(on, a.concurrency).await?;
            if a.format == Format::Table {
                println!(
                    "{:>5}  {:<40}  {:>7}  {:>5}  {:>9}",
                    "lugar", "ODF", "cumple", "falla", "no aplica"
                );
                for r in &ranking {
                    println!(
                        "{:>5}  {:<40}  {:>7}  {:>5}  {:>9}",
                        r.position,
                        esc(&r.org),
                        r.passed,
                        r.failed,
                        r.not_applicable
                    );
                }
                return Ok(());
            }
            if a.format == Format::Json {
                return json(&serde_json::json!({ "odfs": odfs, "ranking": ranking }));
            }
            odfs
        }
    };
    match a.format {
        Format::Json => json(&odfs)?,
        Format::Csv => {
            println!("odf,state,trade,check,rule,status,figure,evidence");
            for o in &odfs {
                for c in &o.checks {
                    println!(
                        "{},{},{},{:?},{},{},\"{}\",\"{}\"",
                        o.slug,
                        csv_field(&o.state),
                        csv_field(&o.trade),
                        c.id,
                        c.rule,
                        status_es(c.status),
                        c.figure.replace('"', "\"\""),
                        c.evidence.join(" ").replace('"', "\"\"")
                    );
                }
            }
        }
        Format::Table => {
            for o in &odfs {
                println!("{}", esc(&o.name));
                for c in &o.checks {
                    println!(
                        "  {:<9}  {:<62}  {}",
                        status_es(c.status),
                        c.id.label_es(),
                        esc(&c.figure)
                    );
                }
            }
        }
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

async fn outcomes(app: &App, a: OutcomeArgs) -> anyhow::Result<()> {
    let on = today(a.scope.on);
    let period = match &a.period {
        Some(p) => {
            Some(fund::Period::parse(p, fund::PeriodSettings::default()).map_err(AppError::from)?)
        }
        None => None,
    };
    let cut =
        a.by.as_deref()
            .map(Cut::parse)
            .transpose()
            .map_err(AppError::from)?;
    let org = match &a.scope.org {
        Some(slug) if !a.scope.all => Some(org_id(app, slug).await?),
        _ => None,
    };
    // (period, outcome): one row per period of the series, or the one asked for.
    let series: Vec<(String, OdfOutcome)> = match (a.series, org) {
        (Some(n), Some(org)) => app.outcome_series(org, n.into()).await?,
        (Some(n), None) => {
            app.programme_outcome_series(n.into(), a.scope.concurrency)
                .await?
        }
        (None, Some(org)) => {
            let (p, o) = app.odf_outcome(org, period, on).await?;
            vec![support::outcomes::PeriodOutcome {
                period: p.key(),
                outcome: o,
            }]
        }
        (None, None) => vec![support::outcomes::PeriodOutcome {
            period: period.map_or_else(|| "last-closed".into(), |p| p.key()),
            outcome: app
                .programme_outcome(period, on, a.scope.concurrency)
                .await?,
        }],
    }
    .into_iter()
    .map(|p| (p.period, p.outcome))
    .collect();
    let format = if a.csv { Format::Csv } else { a.scope.format };
    if format == Format::Json {
        let out: Vec<serde_json::Value> = series
            .iter()
            .map(|(p, o)| match cut {
                Some(c) => serde_json::json!({ "period": p, "total": o.total, "rows": o.cut(c) }),
                None => serde_json::json!({ "period": p, "outcome": o }),
            })
            .collect();
        return json(&out);
    }
    let mut rows: Vec<[String; 7]> = Vec::new();
    for (p, o) in &series {
        let groups: Vec<(String, support::outcomes::Outcome)> = match cut {
            Some(c) => o.cut(c).iter().map(|(k, v)| (k.clone(), *v)).collect(),
            None => vec![("total".into(), o.total)],
        };
        for (k, g) in groups {
            rows.push([
                p.clone(),
                k,
                g.members.to_string(),
                g.reporting.to_string(),
                app::check::major(g.baseline_minor),
                app::check::major(g.now_minor),
                g.doubled.to_string(),
            ]);
        }
    }
    let head = [
        "period",
        "group",
        "members",
        "reporting",
        "baseline",
        "now",
        "doubled",
    ];
    if format == Format::Csv {
        println!("{}", head.join(","));
        for r in rows {
            let cells: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
            println!("{}", cells.join(","));
        }
        return Ok(());
    }
    println!(
        "{:<11}  {:<28}  {:>8}  {:>9}  {:>16}  {:>16}  {:>7}",
        head[0], head[1], head[2], head[3], head[4], head[5], head[6]
    );
    for r in rows {
        println!(
            "{:<11}  {:<28}  {:>8}  {:>9}  {:>16}  {:>16}  {:>7}",
            r[0],
            esc(&r[1]),
            r[2],
            r[3],
            r[4],
            r[5],
            r[6]
        );
    }
    Ok(())
}

async fn projection(app: &App, actor: &Actor, c: ProjectionCommand) -> anyhow::Result<()> {
    match c {
        ProjectionCommand::Present(a) => {
            let p = app.projection_present(today(None)).await?;
            json(&p)?;
            let _ = a;
        }
        ProjectionCommand::Save(a) => {
            let deposit = ledger::Money::parse_major(
                &a.deposit_per_odf,
                ledger::Currency::MXN,
                "deposit_per_odf",
            )
            .map_err(AppError::from)?;
            let mut s = Scenario::seed_002(a.months, deposit.amount_minor());
            s.name = a.name;
            s.annual_growth = decimal(&a.growth, "growth")?;
            s.contribution_rate = decimal(&a.contribution, "contribution")?;
            s.utilisation = decimal(&a.utilisation, "utilisation")?;
            if let Some(m) = &a.line_multiple {
                s.initial_line_multiple = decimal(m, "line_multiple")?;
            }
            app.save_scenario(actor, &s).await?;
            println!("escenario guardado: {}", esc(&s.name));
        }
        ProjectionCommand::List(a) => {
            let all = app.scenarios().await?;
            if a.format == Format::Json {
                return json(&all);
            }
            for s in all {
                println!(
                    "{}  ({} meses, crecimiento anual {})",
                    esc(&s.name),
                    s.months,
                    s.annual_growth
                );
            }
        }
        ProjectionCommand::Compare(a) => {
            let (present, rows) = app.compare_scenarios(&a.name, today(None)).await?;
            if a.format == Format::Json {
                return json(&serde_json::json!({ "present": present, "scenarios": rows }));
            }
            println!("scenario,month,participants,odfs,fund,lines,drawn,exposure");
            for (name, months) in rows {
                for m in months {
                    println!(
                        "{},{},{},{},{},{},{},{}",
                        csv_field(&name),
                        m.month,
                        m.participants,
                        m.odfs,
                        app::check::major(m.fund_minor.into()),
                        app::check::major(m.lines_minor.into()),
                        app::check::major(m.drawn_minor.into()),
                        app::check::major(m.exposure_minor.into())
                    );
                }
            }
        }
    }
    Ok(())
}
