//! `tequio settings show|propose`: the group's settings (issue 16). `show` prints every
//! **(setting)** with the value in force on a day and its history; `propose` puts a change to
//! the board (a `setting_change` proposal; `tequio board vote|close` decides it, R-GOV-1/2).

use crate::config::Settings;
use app::App;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use governance::settings::SettingValue;

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Every setting with its value in force, its default and its approved changes.
    Show(ShowArgs),
    /// Propose a change from a date; it takes effect once the board approves it.
    Propose(ProposeArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[arg(long)]
    pub org: String,
    /// The day whose values are shown (default: today in America/Mexico_City).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ProposeArgs {
    #[arg(long)]
    pub org: String,
    /// The setting (`tequio settings show` lists the keys).
    #[arg(long)]
    pub key: String,
    /// The new value: `12 %`, `1.00`, `2/3`, `simple`, `si`.
    #[arg(long)]
    pub value: String,
    /// The day it takes effect (today or later).
    #[arg(long = "from")]
    pub effective_on: NaiveDate,
    #[arg(long, default_value = "")]
    pub purpose: String,
    /// The day of the proposal (default: today in America/Mexico_City).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Who proposes (recorded in the audit trail).
    #[arg(long, default_value = "cli")]
    pub by: String,
}

fn today() -> NaiveDate {
    app::fact_date::mexico_city_today(chrono::Utc::now())
}

fn shown(v: &SettingValue) -> String {
    match v {
        SettingValue::Percent(d) => format!("{} %", d.normalize()),
        SettingValue::Money(m) => format!("${}.{:02}", m / 100, m % 100),
        other => other.to_text(),
    }
}

pub async fn run(settings: &Settings, command: SettingsCommand) -> anyhow::Result<()> {
    let app = App::new(crate::backend::open(&settings.database_url).await?);
    match command {
        SettingsCommand::Show(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let on = args.on.unwrap_or_else(today);
            let rows = app.settings_overview(org.id, on).await?;
            match args.format {
                Format::Json => {
                    let out: Vec<_> = rows
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "key": r.key.as_str(),
                                "rule": r.key.rule(),
                                "value": r.in_force.to_text(),
                                "default": r.default.to_text(),
                                "changes": r.changes,
                                "pending": r.pending.iter().map(|(id, by, day, p)| serde_json::json!({
                                    "proposal_id": id, "proposed_by": by, "proposed_on": day,
                                    "value": p.value.to_text(), "effective_on": p.effective_on,
                                })).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                Format::Table => {
                    println!("ajustes vigentes al {on}");
                    println!(
                        "{:<24}  {:<9}  {:>12}  {:>12}  historia",
                        "ajuste", "regla", "valor", "inicial"
                    );
                    for r in &rows {
                        let history: Vec<String> = r
                            .changes
                            .iter()
                            .map(|c| {
                                format!(
                                    "{} desde {} (propuesta {} de {}, aprobada {})",
                                    c.typed_value().map(|v| shown(&v)).unwrap_or_default(),
                                    c.in_force_from(),
                                    c.proposal_id,
                                    crate::terminal::escape_controls(&c.proposed_by),
                                    c.approved_on
                                )
                            })
                            .chain(r.pending.iter().map(|(id, _, _, p)| {
                                format!(
                                    "en votación: {} desde {} (propuesta {id})",
                                    shown(&p.value),
                                    p.effective_on
                                )
                            }))
                            .collect();
                        println!(
                            "{:<24}  {:<9}  {:>12}  {:>12}  {}",
                            r.key.as_str(),
                            r.key.rule(),
                            shown(&r.in_force),
                            shown(&r.default),
                            history.join("; ")
                        );
                    }
                }
            }
        }
        SettingsCommand::Propose(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let actor = app::Actor::new(&args.by, "cli");
            registry::check_text("purpose", &args.purpose, true).map_err(app::AppError::Field)?;
            let p = app
                .propose_setting(
                    org.id,
                    &actor,
                    &args.key,
                    &args.value,
                    args.effective_on,
                    &args.purpose,
                    args.date.unwrap_or_else(today),
                )
                .await?;
            println!(
                "propuesta {} al Consejo: {} ({})",
                p.id,
                p.subject,
                crate::terminal::escape_controls(&p.purpose)
            );
        }
    }
    Ok(())
}
