//! `tequio export`: an organisation's journal for hledger or Beancount.

use crate::commands::open_app;
use crate::config::Settings;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use store::{Page, MAX_PAGE};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Hledger,
    Beancount,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The organisation's slug.
    #[arg(long)]
    pub org: String,
    #[arg(long, value_enum, default_value_t = ExportFormat::Hledger)]
    pub format: ExportFormat,
    /// Output file (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub async fn run(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let store = app.store();
    let org = store.org_by_slug(&args.org).await?;
    let accounts = store.accounts(org.id).await?;
    let kinds: std::collections::HashMap<String, ledger::AccountKind> = accounts
        .iter()
        .map(|a| (a.code.as_str().to_string(), a.kind))
        .collect();
    let kind_of = |code: &str| {
        kinds
            .get(code)
            .copied()
            .unwrap_or(ledger::AccountKind::Asset)
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        ExportFormat::Hledger => app::export::hledger_header(&mut out, &org.data.name, &accounts)?,
        ExportFormat::Beancount => {
            // Accounts open on the founding date, or earlier if an entry predates it.
            let first = store.entries(org.id, Page::first(1)).await?;
            let open_date = first
                .first()
                .map(|e| e.entry.date().min(org.data.founded_on))
                .unwrap_or(org.data.founded_on);
            app::export::beancount_header(&mut out, &org.data.name, &accounts, open_date)?
        }
    }
    let mut page = Page::first(MAX_PAGE);
    loop {
        let entries = store.entries(org.id, page).await?;
        let Some(last) = entries.last() else { break };
        page.after_id = last.id;
        for stored in &entries {
            match args.format {
                ExportFormat::Hledger => {
                    app::export::hledger_entry(&mut out, stored.id, &stored.entry, kind_of)?
                }
                ExportFormat::Beancount => {
                    app::export::beancount_entry(&mut out, stored.id, &stored.entry, kind_of)?
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
