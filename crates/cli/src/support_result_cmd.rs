//! `tequio support result ...`: ODFs' project results (R-INFO-1): publish one with figures from
//! the books, list an ODF's, circulate one to every ODF (a supervisor's act at the web; the
//! operator at the command line has the machine), list the circulated ones.

use app::support_cases::NewResult;
use app::{Actor, App};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum ResultCommand {
    /// Publish a project result; the figures come from the ODF's books.
    Publish(PublishArgs),
    /// An ODF's project results, newest first.
    List(ListArgs),
    /// Circulate a result to every ODF.
    Circulate(CirculateArgs),
    /// Every circulated result.
    Circulated(JsonArgs),
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The ODF's slug.
    #[arg(long)]
    pub org: String,
    /// A reference; the same again replays.
    #[arg(long = "ref")]
    pub reference: Option<String>,
    #[arg(long)]
    pub title: String,
    /// What was tried.
    #[arg(long)]
    pub tried: String,
    /// What came of it.
    #[arg(long)]
    pub outcome: String,
    /// First period, e.g. 2026-01.
    #[arg(long)]
    pub from: String,
    /// Last period.
    #[arg(long)]
    pub to: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CirculateArgs {
    #[arg(long)]
    pub org: String,
    /// The result's number in the ODF.
    #[arg(long)]
    pub id: i64,
}

#[derive(Args, Debug)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

fn print(results: &[app::support_cases::ProjectResult], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(results)?);
        return Ok(());
    }
    let esc = |s: &str| crate::terminal::escape_controls(s).into_owned();
    for r in results {
        println!(
            "#{} {} · {} · {}..{} · socios {} · periodos cerrados {} · ingresos nuevos {} · Fondo {}{}",
            r.id,
            esc(&r.odf),
            esc(&r.title),
            r.from,
            r.to,
            r.figures.members,
            r.figures.periods_closed,
            crate::trade_cmd::pesos(r.figures.new_revenue_minor),
            crate::trade_cmd::pesos(r.figures.fund_minor),
            r.circulated_on
                .map(|d| format!(" · difundido {d}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn run(app: &App, command: ResultCommand) -> anyhow::Result<()> {
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    match command {
        ResultCommand::Publish(a) => {
            let org = app.store().org_by_slug(&a.org).await?.id;
            let period = app.fund_settings(org).await?.period;
            let from = fund::Period::parse(&a.from, period)?;
            let to = fund::Period::parse(&a.to, period)?;
            let r = app
                .publish_result(
                    org,
                    &Actor::cli(),
                    a.reference.as_deref(),
                    NewResult {
                        title: a.title,
                        tried: a.tried,
                        outcome: a.outcome,
                        from,
                        to,
                    },
                    today,
                )
                .await?;
            print(&[r], false)
        }
        ResultCommand::List(a) => {
            let org = app.store().org_by_slug(&a.org).await?.id;
            print(&app.odf_results(org).await?, a.json)
        }
        ResultCommand::Circulate(a) => {
            let org = app.store().org_by_slug(&a.org).await?.id;
            let r = app
                .circulate_result(org, a.id, &Actor::cli(), today)
                .await?;
            print(&[r], false)
        }
        ResultCommand::Circulated(a) => print(&app.circulated_results().await?, a.json),
    }
}
