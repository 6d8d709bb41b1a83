//! `tequio board ...`: the board's proposals and votes from the command line (R-GOV-1,
//! R-GOV-2), for the secretary who types up a meeting or a script that loads minutes.

use crate::config::Settings;
use app::{Actor, App};
use clap::{Args, Subcommand, ValueEnum};
use governance::{NewProposal, ProposalKind, ProposalStatus, Vote};
use ledger::{Currency, Money};

#[derive(Subcommand, Debug)]
pub enum BoardCommand {
    /// The board seats in force (their ids are the `--seat` of a vote).
    Seats(OrgArgs),
    /// Every proposal with its votes and decision.
    List(OrgArgs),
    /// Open a proposal for the board to decide.
    Propose(ProposeArgs),
    /// Cast a board seat's vote.
    Vote(VoteArgs),
    /// Close the vote: approved or rejected by quorum and majority.
    Close(CloseArgs),
}

#[derive(Args, Debug)]
pub struct OrgArgs {
    /// The organisation's slug.
    #[arg(long)]
    pub org: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct ProposeArgs {
    #[arg(long)]
    pub org: String,
    /// expenditure, loan, lease, withdrawal_criteria, non_fulfilment_notice, election.
    #[arg(long)]
    pub kind: String,
    /// What the decision is about, as the rule names it (`loan:7`, `competition:3`).
    #[arg(long, default_value = "")]
    pub subject: String,
    #[arg(long)]
    pub purpose: String,
    /// The most the decision authorises, in pesos (`25000.00`).
    #[arg(long, default_value = "0")]
    pub amount: String,
    /// The day (default: today).
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
    /// Who proposes (recorded in the audit trail).
    #[arg(long, default_value = "cli")]
    pub by: String,
}

#[derive(Args, Debug)]
pub struct VoteArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub proposal: i64,
    /// The board seat (see `tequio board seats`).
    #[arg(long)]
    pub seat: i64,
    /// for, against or abstain.
    #[arg(long)]
    pub vote: String,
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub proposal: i64,
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
}

fn today(date: Option<chrono::NaiveDate>) -> chrono::NaiveDate {
    date.unwrap_or_else(|| app::fact_date::mexico_city_today(chrono::Utc::now()))
}

pub async fn run(app: &App, command: BoardCommand) -> anyhow::Result<()> {
    match command {
        BoardCommand::Seats(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let roles = app.store().roles(org.id).await?;
            let on = today(None);
            let seats = governance::board_seats(&roles, on);
            match args.format {
                Format::Json => {
                    let rows: Vec<_> = seats
                        .iter()
                        .map(|s| serde_json::json!({"seat": s.id, "name": s.person_name, "from": s.from}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                }
                Format::Table => {
                    println!("{:>6}  {:<40}  desde", "asiento", "nombre");
                    for s in seats {
                        println!(
                            "{:>6}  {:<40}  {}",
                            s.id,
                            crate::terminal::escape_controls(&s.person_name),
                            s.from
                        );
                    }
                }
            }
        }
        BoardCommand::List(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let records = app.proposals(org.id).await?;
            match args.format {
                Format::Json => {
                    let rows: Vec<_> = records
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "proposal": r.proposal,
                                "ballots": r.ballots,
                                "decision": r.decision,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                }
                Format::Table => {
                    println!(
                        "{:>4}  {:<22}  {:<16}  {:>14}  {:>9}  estado",
                        "id", "tipo", "asunto", "monto", "votos"
                    );
                    for r in records {
                        let p = &r.proposal;
                        let status = match p.status {
                            ProposalStatus::Open => "abierta".to_string(),
                            ProposalStatus::Approved { on } => format!("aprobada {on}"),
                            ProposalStatus::Rejected { on } => format!("rechazada {on}"),
                        };
                        let amount = Money::new(p.amount_minor, Currency::MXN).to_major_string();
                        let count = |v: Vote| r.ballots.iter().filter(|b| b.vote == v).count();
                        println!(
                            "{:>4}  {:<22}  {:<16}  {:>14}  {:>3}/{}/{}  {status}",
                            p.id,
                            p.kind.as_str(),
                            crate::terminal::escape_controls(&p.subject),
                            amount,
                            count(Vote::For),
                            count(Vote::Against),
                            count(Vote::Abstain)
                        );
                    }
                }
            }
        }
        BoardCommand::Propose(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let kind = ProposalKind::parse(&args.kind).map_err(app::AppError::from)?;
            let amount = Money::parse_major(&args.amount, org.data.currency, "amount")
                .map_err(app::AppError::from)?;
            let proposal = app
                .propose(
                    org.id,
                    &Actor::new(args.by, "cli"),
                    NewProposal {
                        kind,
                        subject: args.subject,
                        purpose: args.purpose,
                        amount_minor: amount.amount_minor(),
                    },
                    today(args.date),
                )
                .await?;
            println!("propuesta {} abierta", proposal.id);
        }
        BoardCommand::Vote(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let vote = Vote::parse(&args.vote).map_err(app::AppError::from)?;
            let (_, tally) = app
                .cast_vote(
                    org.id,
                    &Actor::cli(),
                    args.proposal,
                    args.seat,
                    vote,
                    today(args.date),
                )
                .await?;
            println!(
                "voto registrado: {} a favor, {} en contra, {} abstenciones de {} asientos; \
                 quórum {}",
                tally.for_votes,
                tally.against_votes,
                tally.abstentions,
                tally.seats,
                if tally.quorum_met { "sí" } else { "no" }
            );
        }
        BoardCommand::Close(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let decision = app
                .close_vote(org.id, &Actor::cli(), args.proposal, today(args.date))
                .await?;
            println!(
                "propuesta {}: {}",
                decision.proposal_id,
                if decision.approved {
                    "aprobada"
                } else {
                    "rechazada"
                }
            );
        }
    }
    Ok(())
}

pub async fn run_with_settings(settings: &Settings, command: BoardCommand) -> anyhow::Result<()> {
    let app = App::new(crate::backend::open(&settings.database_url).await?);
    run(&app, command).await
}
