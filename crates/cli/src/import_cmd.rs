//! `tequio import members`: members from a CSV file, all or nothing.

use crate::commands::open_app;
use crate::config::Settings;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Members from a CSV file, all or nothing (see README for the columns).
    Members {
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// The day of the import (YYYY-MM-DD; default today in America/Mexico_City): rows'
        /// dates may not be after it.
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        file: PathBuf,
    },
}

pub async fn run(settings: &Settings, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Members { org, on, file } => import_members(settings, &org, on, &file).await,
    }
}

async fn import_members(
    settings: &Settings,
    org_slug: &str,
    on: Option<chrono::NaiveDate>,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let org = app.store().org_by_slug(org_slug).await?;
    // The parser refuses more than 10,000 rows; a file far larger than that is refused unread.
    let text = crate::input::read_text(
        file,
        16 * 1024 * 1024,
        "divídalo en archivos de 10,000 socios como máximo",
    )?;
    let outcome = app
        .import_members_csv(
            org.id,
            &text,
            crate::fund_cmd::fact_date(on),
            &app::Actor::cli(),
        )
        .await?;
    println!(
        "import: {} members created, {} already registered unchanged",
        outcome.created, outcome.unchanged
    );
    Ok(())
}
