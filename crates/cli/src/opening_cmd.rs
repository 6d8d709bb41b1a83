//! `tequio opening import|show`: an ODF's opening position (issue 16), all or nothing, every
//! bad line named; the same file again changes nothing (see `app::opening_cases` and the
//! README for the file's columns).

use crate::config::Settings;
use app::App;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum OpeningCommand {
    /// Import the opening position from a CSV file.
    Import(ImportArgs),
    /// The opening position imported, if any (what it held).
    Show {
        #[arg(long)]
        org: String,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[arg(long)]
    pub org: String,
    /// Who imports it (recorded in the audit trail).
    #[arg(long, default_value = "cli")]
    pub by: String,
    pub file: PathBuf,
}

fn print(o: &app::opening_cases::OpeningOutcome) {
    println!(
        "saldos al {}: {} aportaciones, {} donativos, {} gastos de competitividad, {} retiros, \
         {} líneas ({} revisiones), {} cuotas adeudadas, {} préstamos ({} cuotas por vencer, \
         {} vencidas, {} pagadas por el fideicomiso), {} arrendamientos ({} rentas por vencer), {} asientos; sha256 {}",
        o.as_of,
        o.contributions,
        o.grants,
        o.competition_spent,
        o.development_withdrawn,
        o.lines,
        o.line_reviews,
        o.dues,
        o.loans,
        o.installments,
        o.overdue_installments,
        o.trust_paid_installments,
        o.leases,
        o.rents,
        o.entries,
        o.sha256
    );
}

pub async fn run(settings: &Settings, command: OpeningCommand) -> anyhow::Result<()> {
    let app = App::new(crate::backend::open(&settings.database_url).await?);
    match command {
        OpeningCommand::Import(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let text = crate::input::read_text(
                &args.file,
                32 * 1024 * 1024,
                "el archivo de saldos iniciales admite hasta 100,000 filas",
            )?;
            let today = app::fact_date::mexico_city_today(chrono::Utc::now());
            let out = app
                .import_opening(org.id, &text, &app::Actor::new(&args.by, "cli"), today)
                .await?;
            if out.created {
                print!("importado: ");
            } else {
                print!("ya importado antes, nada cambió: ");
            }
            print(&out);
        }
        OpeningCommand::Show { org } => {
            let org = app.store().org_by_slug(&org).await?;
            match app.opening(org.id).await? {
                Some(o) => print(&o),
                None => println!("sin saldos iniciales"),
            }
        }
    }
    Ok(())
}
