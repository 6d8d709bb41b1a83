//! `tequio user add` and `tequio org create` (issue 16): the programme administrator from a
//! terminal (the password read from a prompt with echo off, or from standard input when it is
//! not a terminal; never from a flag), and ODFs with their Director General.

use crate::commands::open_app;
use crate::config::Settings;
use crate::input::BadInput;
use crate::terminal::escape_controls;
use app::access_cases::{AccessError, NewOrgRequest};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create the programme administrator (the first run, from a terminal). The password is
    /// asked twice with echo off, or read from the first line of standard input.
    Add {
        #[arg(long, value_enum)]
        role: UserRole,
        /// 3 to 40 characters of a-z, 0-9, '.', '_' or '-'.
        #[arg(long)]
        login: String,
        /// The name shown on pages (default: the login).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    ProgrammeAdmin,
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an ODF (an event in the programme's log; the same command again changes
    /// nothing). With --director-login, its Director General's account and activation code.
    Create(OrgCreateArgs),
}

#[derive(Args, Debug)]
pub struct OrgCreateArgs {
    /// Short unique handle, a-z, 0-9 and '-' (e.g. alfareros-morelos).
    #[arg(long)]
    pub slug: String,
    #[arg(long)]
    pub name: String,
    /// The project group behind the ODF.
    #[arg(long)]
    pub group: String,
    #[arg(long)]
    pub state: String,
    #[arg(long)]
    pub municipality: String,
    #[arg(long)]
    pub trade: String,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub founded: NaiveDate,
    #[arg(long, default_value = "MXN")]
    pub currency: String,
    #[arg(long)]
    pub director_login: Option<String>,
    #[arg(long)]
    pub director_name: Option<String>,
}

/// An access refusal as the CLI reports it: a field or rule error keeps its type (exit 65).
fn access(e: AccessError) -> anyhow::Error {
    match e {
        AccessError::App(e) => anyhow::Error::new(e),
        other => anyhow::Error::new(BadInput(other.to_string())),
    }
}

pub async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add { role, login, name } = command;
    let UserRole::ProgrammeAdmin = role;
    let password = read_password()?;
    let app = open_app(settings).await?;
    let name = name.unwrap_or_else(|| login.clone());
    let v = app
        .create_programme_admin(&login, &name, &password, "cli", "cli", Utc::now())
        .await
        .map_err(access)?;
    println!(
        "administrador del programa creado: {} ({})",
        escape_controls(&v.login),
        escape_controls(&v.display_name)
    );
    Ok(())
}

/// The password: asked twice with echo off on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\r', '\n']).to_string();
        if p.is_empty() {
            return Err(BadInput(
                "password: falta en la entrada estándar / missing on stdin".into(),
            )
            .into());
        }
        return Ok(p);
    }
    let first = prompt_hidden("Contraseña / password: ")?;
    let second = prompt_hidden("Repítala / again: ")?;
    if first != second {
        return Err(BadInput("password: las dos no coinciden / the two differ".into()).into());
    }
    Ok(first)
}

/// Reads a line from the terminal with echo turned off (restored however the read ends).
fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let fd = libc::STDIN_FILENO;
    // SAFETY: termios is plain data; tcgetattr fills it for a terminal file descriptor.
    let mut old: libc::termios = unsafe { std::mem::zeroed() };
    let have_tty = unsafe { libc::tcgetattr(fd, &mut old) } == 0;
    if have_tty {
        let mut quiet = old;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: a copy of the terminal's own settings with echo off.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if have_tty {
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
    }
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn org(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    let OrgCommand::Create(a) = command;
    let app = open_app(settings).await?;
    let request = NewOrgRequest {
        slug: a.slug,
        name: a.name,
        group_name: a.group,
        state: a.state,
        municipality: a.municipality,
        trade: a.trade,
        founded_on: a.founded,
        currency: a.currency,
        director_login: a.director_login,
        director_name: a.director_name,
    };
    let done = app
        .create_org(&request, "cli", "cli", Utc::now())
        .await
        .map_err(access)?;
    if done.created {
        println!("ODF creada: {} (número {})", done.slug, done.org_id);
    } else {
        println!(
            "la ODF {} ya existía con estos datos; nada cambió",
            done.slug
        );
    }
    if let Some(code) = done.director {
        println!(
            "Director General: {} · código de activación {} (vence {})",
            escape_controls(&code.login),
            code.code,
            code.expires_at
                .with_timezone(&chrono::FixedOffset::west_opt(6 * 3600).expect("UTC-6"))
                .format("%Y-%m-%d %H:%M")
        );
    }
    Ok(())
}
