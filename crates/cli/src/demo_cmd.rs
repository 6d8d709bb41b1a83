//! `tequio demo`: demo organisations built deterministically from a seed.

use crate::backend::{self, Backend};
use crate::commands::open_app;
use crate::config::Settings;
use app::demo_cases::DemoOrgLoaded;
use app::App;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Number of organisations (ODFs). The first is the Morelos potters' union.
    #[arg(long, default_value_t = 1)]
    pub orgs: u32,
    /// Members per organisation.
    #[arg(long, default_value_t = 4_000)]
    pub members: u32,
    /// Months of union dues to post.
    #[arg(long, default_value_t = 12)]
    pub dues_months: u32,
    /// Seed of the generator; the same seed builds the same data.
    #[arg(long, default_value_t = 1997)]
    pub seed: u64,
    /// Organisations written concurrently (default: 1 on SQLite, 4 on PostgreSQL).
    #[arg(long)]
    pub writers: Option<usize>,
}

pub async fn run(
    settings: &Settings,
    args: DemoArgs,
) -> anyhow::Result<app::demo_cases::DemoSummary> {
    let app = open_app(settings).await?;
    let default_writers = match backend::kind(&settings.database_url) {
        Backend::Sqlite => 1,
        Backend::Postgres => 4,
    };
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = args.seed;
    spec.orgs = args.orgs;
    spec.members_per_org = args.members;
    spec.dues_months = args.dues_months;
    let started = Instant::now();
    let summary = load_with_progress(&app, spec, args.writers.unwrap_or(default_writers)).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "demo: {} organisations, {} members, {} entries created in {:.1} s",
        summary.orgs, summary.members, summary.entries_created, seconds
    );
    Ok(summary)
}

pub(crate) async fn load_with_progress(
    app: &App,
    spec: demo::DemoSpec,
    writers: usize,
) -> anyhow::Result<app::demo_cases::DemoSummary> {
    let bar = ProgressBar::new(spec.orgs as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} ODF {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let on_org = Arc::new(move |loaded: DemoOrgLoaded| {
        shown.inc(1);
        shown.set_message(format!("({} socios)", loaded.members));
    });
    let summary = app.load_demo(spec, writers, on_org).await?;
    bar.finish_and_clear();
    Ok(summary)
}
