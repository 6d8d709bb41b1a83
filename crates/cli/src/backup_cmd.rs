//! `tequio backup --to FILE` and `tequio restore --from FILE` (issue 16, operations): an
//! operator's tasks, so a command and no page or API route (docs/DEPLOY.md).
//!
//! Backup makes a consistent copy of the configured database while the server runs and writes:
//! - SQLite: `VACUUM INTO` through an ordinary connection. It reads one snapshot (a read
//!   transaction, which in WAL mode never blocks the writer nor is blocked by it), so the copy
//!   holds every transaction committed before it began and none after; the copy is then
//!   checked (`PRAGMA quick_check`).
//! - PostgreSQL: `pg_dump --format=custom`, which reads one snapshot too (a repeatable-read
//!   transaction). `pg_dump` must be on the PATH (package `postgresql-client`); the password
//!   goes to it in `PGPASSWORD`, never on its command line.
//!
//! The copy is written under a temporary name beside the destination (`.NAME.tmp-PID-N`),
//! flushed to disk and only then renamed to the final name, so a backup killed part-way never
//! leaves a half file under that name. An existing file is refused unless `--force`.
//!
//! Restore puts a backup into the configured database, refusing a database that is not empty
//! unless `--force`, then runs the books' check (`tequio check`, `app::check`) and exits 1 when
//! the restored books do not reconcile:
//! - SQLite: the copy is verified, copied under a temporary name beside the database file and
//!   renamed into place. With `--force` the database it replaces is kept, renamed with its log
//!   files to `NAME.replaced-YYYYMMDDTHHMMSSZ` (nothing is deleted). The server must be stopped.
//! - PostgreSQL: `pg_restore` in one transaction (all or nothing) into an empty database;
//!   with `--force`, `--clean` drops the objects the backup recreates first.

use crate::backend::{self, Backend};
use crate::config::Settings;
use crate::input::BadInput;
use anyhow::Context;
use clap::Args;
use sqlx::{ConnectOptions, Connection};
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The file to write (refused if it exists, unless --force).
    #[arg(long)]
    pub to: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup to restore (written by `tequio backup`).
    #[arg(long)]
    pub from: PathBuf,
    /// Replace a database that is not empty (SQLite: the old file is kept beside it).
    #[arg(long)]
    pub force: bool,
}

/// A tool or database the command needs is not there (`pg_dump` missing, the database file
/// missing, the server refusing): `commands::exit_code` maps it to 69.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

/// The first bytes of a SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump` custom-format archive.
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

pub async fn backup(args: BackupArgs, settings: &Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    refuse_existing(&args.to, args.force)?;
    let tmp = TempFile::beside(&args.to)?;
    match backend::kind(&settings.database_url) {
        Backend::Sqlite => {
            sqlite_backup(&backend::sqlite_path(&settings.database_url), tmp.path()).await?
        }
        Backend::Postgres => {
            let (url, password) = libpq_url(&settings.database_url)?;
            let dump: Vec<OsString> = vec![
                "--format=custom".into(),
                "--file".into(),
                tmp.path().into(),
                "--dbname".into(),
                url.into(),
            ];
            run_tool("pg_dump", dump, password).await?;
        }
    }
    let bytes = tmp.persist(&args.to, args.force)?;
    println!(
        "backup: {} -> {} ({bytes} bytes, {:.1} s)",
        redacted(&settings.database_url),
        args.to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs, settings: &Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let kind = backup_kind(&args.from)?;
    match backend::kind(&settings.database_url) {
        Backend::Sqlite => {
            if kind != Backend::Sqlite {
                return Err(BadInput(format!(
                    "{}: es una copia de PostgreSQL (pg_dump); configure database_url = \
                     \"postgres://...\" para restaurarla / a PostgreSQL backup: configure a \
                     postgres:// database_url",
                    args.from.display()
                ))
                .into());
            }
            let db = backend::sqlite_path(&settings.database_url);
            sqlite_restore(&args.from, &db, args.force).await?;
        }
        Backend::Postgres => {
            if kind != Backend::Postgres {
                return Err(BadInput(format!(
                    "{}: es una copia de SQLite; configure database_url = \"sqlite://...\" \
                     para restaurarla / a SQLite backup: configure a sqlite:// database_url",
                    args.from.display()
                ))
                .into());
            }
            pg_restore(&settings.database_url, &args.from, args.force).await?;
        }
    }
    println!(
        "restore: {} -> {} ({:.1} s); comprobando los libros / checking the books",
        args.from.display(),
        redacted(&settings.database_url),
        started.elapsed().as_secs_f64()
    );
    crate::check_cmd::run(
        crate::check_cmd::CheckArgs {
            org: None,
            format: crate::check_cmd::CheckFormat::Table,
            concurrency: None,
        },
        settings,
    )
    .await
}

/// Refuses to replace `to` unless `force`; refuses a directory always.
fn refuse_existing(to: &Path, force: bool) -> Result<(), BadInput> {
    match std::fs::metadata(to) {
        Ok(meta) if meta.is_dir() => Err(BadInput(format!(
            "{}: es un directorio; indique un archivo / is a directory",
            to.display()
        ))),
        Ok(_) if !force => Err(BadInput(format!(
            "{} ya existe; use --force para reemplazarlo / already exists: --force replaces it",
            to.display()
        ))),
        _ => Ok(()),
    }
}

/// A file under a temporary name beside its destination, removed when dropped unless
/// persisted. A process killed while writing leaves it under the temporary name only.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl TempFile {
    /// Reserves `.NAME.tmp-PID-N` in the destination's directory (created empty, never an
    /// existing file).
    fn beside(dest: &Path) -> anyhow::Result<TempFile> {
        let name = dest
            .file_name()
            .with_context(|| format!("{}: no es un nombre de archivo", dest.display()))?
            .to_string_lossy()
            .into_owned();
        let dir = parent_dir(dest);
        for n in 0..100u32 {
            let path = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(TempFile { path, kept: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(BadInput(format!(
                        "no se puede escribir en {} / cannot write there: {e}",
                        dir.display()
                    ))
                    .into())
                }
            }
        }
        anyhow::bail!("{}: no free temporary name", dir.display())
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file to disk and renames it to `dest` (refused if `dest` appeared meanwhile
    /// and not `force`), then flushes the directory so the rename survives a power cut.
    /// Answers the file's size.
    fn persist(mut self, dest: &Path, force: bool) -> anyhow::Result<u64> {
        let file = File::open(&self.path)
            .with_context(|| format!("cannot reopen {}", self.path.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot flush {}", self.path.display()))?;
        let bytes = file.metadata()?.len();
        drop(file);
        refuse_existing(dest, force)?;
        std::fs::rename(&self.path, dest)
            .with_context(|| format!("cannot rename to {}", dest.display()))?;
        self.kept = true;
        sync_dir(&parent_dir(dest))?;
        Ok(bytes)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The directory a path is in (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush the directory {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// What a backup file holds, from its first bytes; anything else is bad input.
fn backup_kind(file: &Path) -> Result<Backend, BadInput> {
    let mut head = [0u8; 16];
    let read = File::open(file)
        .and_then(|mut f| {
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(|e| BadInput(format!("no se puede leer {}: {e}", file.display())))?;
    let head = &head[..read];
    if head.starts_with(SQLITE_MAGIC) {
        Ok(Backend::Sqlite)
    } else if head.starts_with(PG_DUMP_MAGIC) {
        Ok(Backend::Postgres)
    } else {
        Err(BadInput(format!(
            "{}: no es una copia de Tequio (ni SQLite ni pg_dump) / not a Tequio backup",
            file.display()
        )))
    }
}

/// A connection to an existing SQLite file (never creating one).
async fn sqlite_connect(path: &Path, read_only: bool) -> anyhow::Result<sqlx::SqliteConnection> {
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| Unavailable(format!("database: cannot open {}: {e}", path.display())).into())
}

/// Refuses a SQLite file that fails `quick_check` or has no Tequio schema.
async fn sqlite_verify(conn: &mut sqlx::SqliteConnection, path: &Path) -> anyhow::Result<()> {
    let bad = |why: String| BadInput(format!("{}: {why}", path.display()));
    let integrity: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| bad(format!("no es una base SQLite legible / unreadable: {e}")))?;
    if integrity != "ok" {
        return Err(bad(format!("base dañada / damaged: {integrity}")).into());
    }
    let schema: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if schema == 0 {
        return Err(bad("no es una base de Tequio / not a Tequio database".into()).into());
    }
    Ok(())
}

/// `VACUUM INTO` the (empty) file `into`, then checks the copy.
async fn sqlite_backup(db: &Path, into: &Path) -> anyhow::Result<()> {
    if !db.is_file() {
        return Err(Unavailable(format!("database: {} does not exist", db.display())).into());
    }
    let mut conn = sqlite_connect(db, false).await?;
    sqlite_verify(&mut conn, db).await?;
    let target = into
        .to_str()
        .with_context(|| format!("{}: the path is not UTF-8", into.display()))?;
    sqlx::query("VACUUM INTO ?1")
        .bind(target)
        .execute(&mut conn)
        .await
        .with_context(|| format!("VACUUM INTO {}", into.display()))?;
    conn.close().await?;
    let mut copy = sqlite_connect(into, true).await?;
    sqlite_verify(&mut copy, into).await?;
    copy.close().await?;
    Ok(())
}

/// The log files SQLite keeps beside a database file.
fn sqlite_companions(db: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Whether the database file (or a log beside it) holds anything.
fn sqlite_has_data(db: &Path) -> bool {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    size(db) > 0 || size(&sqlite_companions(db)[0]) > 0
}

async fn sqlite_restore(from: &Path, db: &Path, force: bool) -> anyhow::Result<()> {
    let mut source = sqlite_connect(from, true).await?;
    sqlite_verify(&mut source, from).await?;
    source.close().await?;
    if let (Ok(a), Ok(b)) = (from.canonicalize(), db.canonicalize()) {
        if a == b {
            return Err(BadInput(format!(
                "{}: la copia es la base configurada / the backup is the configured database",
                from.display()
            ))
            .into());
        }
    }
    if sqlite_has_data(db) && !force {
        return Err(BadInput(format!(
            "{} no está vacía; detenga el servidor y use --force para reemplazarla (la anterior \
             se conserva) / not empty: stop the server, --force replaces it and keeps the old one",
            db.display()
        ))
        .into());
    }
    let tmp = TempFile::beside(db)?;
    std::fs::copy(from, tmp.path())
        .with_context(|| format!("cannot copy {} to {}", from.display(), tmp.path().display()))?;
    if sqlite_has_data(db) {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = db.as_os_str().to_os_string();
        aside.push(format!(".replaced-{stamp}"));
        let aside = PathBuf::from(aside);
        for (from, to) in std::iter::once((db.to_path_buf(), aside.clone())).chain(
            sqlite_companions(db)
                .into_iter()
                .zip(sqlite_companions(&aside)),
        ) {
            if from.exists() {
                std::fs::rename(&from, &to)
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        eprintln!(
            "restore: la base anterior se conserva en {} / the old database is kept there",
            aside.display()
        );
    } else {
        // An empty file's logs hold nothing, and a stale log must not meet the new file.
        for log in sqlite_companions(db) {
            if log.exists() {
                std::fs::remove_file(&log)
                    .with_context(|| format!("cannot remove {}", log.display()))?;
            }
        }
    }
    tmp.persist(db, true)?;
    Ok(())
}

async fn pg_restore(url: &str, from: &Path, force: bool) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| Unavailable(format!("database: cannot connect to PostgreSQL: {e}")))?;
    let relations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    if relations > 0 && !force {
        return Err(BadInput(format!(
            "la base {} no está vacía ({relations} objetos); restaure en una base nueva o use \
             --force para reemplazar lo que la copia contiene / not empty: restore into a new \
             database, or --force",
            redacted(url)
        ))
        .into());
    }
    let (libpq, password) = libpq_url(url)?;
    let mut args: Vec<OsString> = vec![
        "--no-owner".into(),
        "--no-privileges".into(),
        "--exit-on-error".into(),
        "--single-transaction".into(),
    ];
    if force {
        args.extend(["--clean".into(), "--if-exists".into()]);
    }
    args.extend(["--dbname".into(), libpq.into(), from.into()]);
    run_tool("pg_restore", args, password).await
}

/// The URL for libpq without its password, and the password (percent-decoded) to pass in
/// `PGPASSWORD`, so it never shows in the process list.
fn libpq_url(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).map_err(|e| BadInput(format!("database_url: {e}")))?;
    let password = parsed
        .password()
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8()
                .map(|p| p.into_owned())
        })
        .transpose()
        .map_err(|e| BadInput(format!("database_url: password: {e}")))?;
    parsed
        .set_password(None)
        .map_err(|()| BadInput("database_url: no host".into()))?;
    Ok((parsed.into(), password))
}

/// The URL as it may be printed: without its password.
fn redacted(url: &str) -> String {
    match backend::kind(url) {
        Backend::Sqlite => url.to_string(),
        Backend::Postgres => libpq_url(url)
            .map(|(u, _)| u)
            .unwrap_or_else(|_| "postgres://...".into()),
    }
}

/// Runs a PostgreSQL client tool; its failure is [`Unavailable`] with what it printed.
async fn run_tool(
    tool: &'static str,
    args: Vec<OsString>,
    password: Option<String>,
) -> anyhow::Result<()> {
    let output = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(tool);
        command.args(&args).stdin(std::process::Stdio::null());
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        command.output()
    })
    .await?;
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Unavailable(format!(
                "{tool} no está instalado; instale el paquete postgresql-client (del mismo \
                 número de versión que el servidor, o mayor) / {tool} is not on the PATH"
            ))
            .into())
        }
        Err(e) => return Err(anyhow::anyhow!("cannot run {tool}: {e}")),
    };
    if !output.status.success() {
        return Err(Unavailable(format!(
            "{tool} falló / failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_copy_leaves_nothing_under_the_final_name_and_removes_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("copia.db");
        let tmp = TempFile::beside(&dest).unwrap();
        std::fs::write(tmp.path(), b"half a backup").unwrap();
        let temporary = tmp.path().to_path_buf();
        assert_ne!(temporary, dest);
        assert_eq!(temporary.parent(), dest.parent());
        drop(tmp); // the copy failed before `persist`
        assert!(!dest.exists());
        assert!(!temporary.exists());
    }

    #[test]
    fn persist_renames_and_refuses_a_file_that_appeared_meanwhile_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("copia.db");
        let tmp = TempFile::beside(&dest).unwrap();
        std::fs::write(tmp.path(), b"12345").unwrap();
        assert_eq!(tmp.persist(&dest, false).unwrap(), 5);
        assert_eq!(std::fs::read(&dest).unwrap(), b"12345");
        let tmp = TempFile::beside(&dest).unwrap();
        std::fs::write(tmp.path(), b"new").unwrap();
        let temporary = tmp.path().to_path_buf();
        let err = tmp.persist(&dest, false).unwrap_err();
        assert!(err.downcast_ref::<BadInput>().is_some(), "{err:#}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"12345");
        assert!(!temporary.exists());
        let tmp = TempFile::beside(&dest).unwrap();
        std::fs::write(tmp.path(), b"new").unwrap();
        tmp.persist(&dest, true).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        // Only the destination is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_password_leaves_the_url_and_is_decoded() {
        let (url, password) =
            libpq_url("postgres://tequio:p%40ss%3Aw@db.local:5433/libros?sslmode=require").unwrap();
        assert_eq!(
            url,
            "postgres://tequio@db.local:5433/libros?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("p@ss:w"));
        let (url, password) = libpq_url("postgresql://127.0.0.1/tequio").unwrap();
        assert_eq!(url, "postgresql://127.0.0.1/tequio");
        assert_eq!(password, None);
        assert_eq!(redacted("postgres://u:secret@h/d"), "postgres://u@h/d");
    }
}
