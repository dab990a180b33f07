//! The `qihang` command: serves the web app and API, and runs administrative tasks.

mod cli;
mod http;
mod jobs;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use qihang_core::config::{Config, ConfigError, KekState};
use qihang_core::db::DbError;
use qihang_core::kek::Kek;
use qihang_core::services::accounts::{self, NewAdmin};
use qihang_core::services::{catalog, certificates, demo, skills, stats};
use qihang_core::{Core, ServiceError};

use cli::{
    AdminCommand, CertificatesCommand, Cli, Command, CoursesCommand, DemoCommand, SkillsCommand,
    StatsCommand,
};

/// Makes glibc's allocator map every block of 1 MiB or more on its own and unmap it when
/// freed. By default glibc raises that threshold to the size of the largest block freed (up
/// to 32 MiB), after which such blocks come from per-thread arenas that are seldom given
/// back: when each password hash allocated its own 19 MiB Argon2 block, ten seconds of logins
/// (about 500) left the server at 1.5 GB resident instead of 0.1 GB (docs/benchmarks.md).
/// Logins now reuse each hashing thread's block (`services::passwords`); the fixed threshold
/// still keeps the rarer large blocks (a password change's hash, a big upload's buffers) from
/// pinning memory once freed. Fewer arenas (M_ARENA_MAX 2) did not (850 MB and growing).
fn release_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread
    // exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    release_large_blocks();
    let cli = Cli::parse();
    init_tracing();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => return fail(&CliError::from(e)),
    };
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(cli.command.unwrap_or_default(), config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Every failure, including "differences found" and "problems found", exits with status 1.
fn fail(error: &CliError) -> ExitCode {
    eprintln!("qihang: error: {error}");
    ExitCode::from(1)
}

/// Why a command failed. The text is what `main` prints after `qihang: error: `; scripts and
/// operators read it, so each variant keeps the wording the command has always used.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DbError),
    /// The blocking start-up task panicked or was cancelled.
    #[error(transparent)]
    Startup(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Jobs(#[from] jobs::JobsError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A refusal about one command-line flag (`--phone`, `--org`, …).
    #[error("--{flag}: {source}")]
    Flag {
        flag: &'static str,
        source: ServiceError,
    },
    #[error(transparent)]
    Backup(#[from] qihang_core::db::backup::BackupError),
    #[error("certificate signing: {0}")]
    Signing(String),
    #[error("HTTP server: {0}")]
    Http(std::io::Error),
    #[error("reading the password: {0}")]
    Password(std::io::Error),
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not JSON: {source}", .path.display())]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: no \"keys\" array", .0.display())]
    NoKeys(PathBuf),
    #[error("{}: does not verify: {problem}", .path.display())]
    DoesNotVerify {
        path: PathBuf,
        problem: &'static str,
    },
    #[error("{count} problem(s) in {}", .dir.display())]
    CoursePackProblems { count: usize, dir: PathBuf },
    #[error("{0} counters differ from the records")]
    CountersDiffer(usize),
    #[error("{0} skill records are missing or wrong; run `qihang skills rebuild`")]
    SkillsDiffer(usize),
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QIHANG_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn start_core(config: Config) -> Result<Core, CliError> {
    let started = tokio::task::spawn_blocking(move || Core::start(config)).await?;
    started.map_err(CliError::Database)
}

/// Runs one subcommand; each has its own function below.
async fn run(command: Command, config: Config) -> Result<(), CliError> {
    match command {
        Command::Serve { bind } => serve_command(config, bind).await,
        Command::Migrate => migrate(config).await,
        Command::Admin {
            command:
                AdminCommand::Create {
                    phone,
                    name,
                    org,
                    email,
                    gender,
                    password_stdin,
                },
        } => {
            let input = NewAdmin {
                phone,
                name,
                org,
                email,
                gender,
                password: None,
            };
            admin_create(config, input, password_stdin).await
        }
        Command::Courses { command } => match command {
            CoursesCommand::Check { dir } => courses_check(&dir),
            CoursesCommand::Import { dir, org } => courses_import(config, &dir, org).await,
        },
        Command::Demo {
            command: DemoCommand::Generate { learners, seed },
        } => demo_generate(config, learners, seed).await,
        Command::Stats { command } => match command {
            StatsCommand::Verify => stats_verify(config).await,
            StatsCommand::Rebuild => stats_rebuild(config).await,
        },
        Command::Skills { command } => match command {
            SkillsCommand::Verify => skills_verify(config).await,
            SkillsCommand::Rebuild => skills_rebuild(config).await,
        },
        Command::Backup { file } => backup(config, &file).await,
        Command::Restore { file, check } => restore(config, &file, check).await,
        Command::Certificates { command } => match command {
            CertificatesCommand::RotateKey { new_kek_file } => {
                certificates_rotate_key(config, new_kek_file).await
            }
            CertificatesCommand::Verify { credential, keys } => {
                certificates_verify(&credential, &keys)
            }
        },
    }
}

/// `qihang serve`: loads the bundled courses, starts the background jobs, serves until stopped.
async fn serve_command(mut config: Config, bind: Option<String>) -> Result<(), CliError> {
    if let Some(bind) = bind {
        config.bind = bind;
    }
    let core = start_core(config).await?;
    // Certificates are issued in the transaction that completes a course: a server that
    // could not sign them would fail completions, so it does not start.
    require_signing(&core)?;
    warn_about_public_url(&core.config);
    import_bundled_courses(&core).await;
    if core.config.jobs_enabled {
        jobs::start(&core)?;
    }
    http::serve(core).await.map_err(CliError::Http)
}

/// Warns on standard error (standard output's first line is the address served) when the
/// server listens beyond this machine while `public_url` still names it: the QR codes on
/// certificates and the links in emails would open on no one else's phone.
fn warn_about_public_url(config: &Config) {
    if config.public_url_is_loopback_only() {
        eprintln!(
            "qihang: warning: listening on {} but public_url is {}: the QR codes on certificates \
             and the links in emails point at this machine and will not open on anyone else's \
             phone; set public_url (QIHANG_PUBLIC_URL) to the address people use to reach Qihang",
            config.bind, config.public_url
        );
    }
}

/// `qihang backup FILE`: an online copy of the SQLite database, checked.
async fn backup(config: Config, file: &Path) -> Result<(), CliError> {
    let (url, file) = (config.database_url.clone(), file.to_path_buf());
    let report =
        tokio::task::spawn_blocking(move || qihang_core::db::backup::backup(&url, &file)).await??;
    println!("backed up to {report}");
    Ok(())
}

/// `qihang restore FILE [--check]`: checks the backup, then makes it the database and
/// migrates it to this version.
async fn restore(config: Config, file: &Path, only_check: bool) -> Result<(), CliError> {
    use qihang_core::db::backup;
    let file = file.to_path_buf();
    if only_check {
        let report = tokio::task::spawn_blocking(move || backup::check(&file)).await??;
        println!("{report}");
        return Ok(());
    }
    let url = config.database_url.clone();
    let done = tokio::task::spawn_blocking(move || backup::restore(&file, &url)).await??;
    if let Some(aside) = &done.moved_aside {
        println!("the database that was there is kept as {}", aside.display());
    }
    let core = start_core(config).await?;
    println!(
        "restored {} and migrated it ({:?})",
        done.restored, core.backend
    );
    Ok(())
}

/// `qihang migrate`: starting the core migrates and seeds the database.
async fn migrate(config: Config) -> Result<(), CliError> {
    let core = start_core(config).await?;
    println!("database is migrated ({:?})", core.backend);
    Ok(())
}

/// `qihang admin create`: the password from standard input, or a one-time set-up link.
async fn admin_create(
    config: Config,
    mut input: NewAdmin,
    password_stdin: bool,
) -> Result<(), CliError> {
    if password_stdin {
        input.password = Some(read_password()?);
    }
    let core = start_core(config).await?;
    let created = accounts::create_admin(&core, input)
        .await
        .map_err(flag_error)?;
    let verb = if created.created {
        "created"
    } else {
        "granted admin to existing account"
    };
    println!(
        "{verb}: {} ({}), administrator of {}",
        created.user.name, created.user.phone, created.user.org.code
    );
    if let Some(link) = created.setup_link {
        println!(
            "one-time link to set the password (valid {} hours):",
            core.config.setup_token_hours
        );
        println!("{link}");
    }
    Ok(())
}

/// All of standard input, without the line break a shell pipe adds.
fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .read_to_string(&mut line)
        .map_err(CliError::Password)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A refused value names the flag it came from, when the service says which field it was.
fn flag_error(error: ServiceError) -> CliError {
    match error.field() {
        Some(flag) => CliError::Flag {
            flag,
            source: error,
        },
        None => CliError::Service(error),
    }
}

/// `qihang demo generate`: a synthetic drive, with a progress bar.
async fn demo_generate(config: Config, learners: usize, seed: u64) -> Result<(), CliError> {
    let core = start_core(config).await?;
    import_bundled_courses(&core).await;
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(learners as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} learners {elapsed_precise} (eta {eta})",
        )
        .expect("template"),
    );
    let shown = bar.clone();
    let report = demo::generate_async(&core, learners, seed, move |done, _| {
        shown.set_position(done as u64)
    })
    .await?;
    bar.finish();
    println!(
        "generated {} enterprise unions, {} learners, {} enrolments ({} completed) and {} counters in {:.1} s",
        report.enterprises,
        report.learners,
        report.enrollments,
        report.completions,
        report.counters,
        started.elapsed().as_secs_f64()
    );
    let added = skills::rebuild(&core).await?;
    println!("added {added} skill records from the completions");
    Ok(())
}

/// `qihang stats verify`: every counter that differs from its recomputation; fails if any.
async fn stats_verify(config: Config) -> Result<(), CliError> {
    let core = start_core(config).await?;
    let started = std::time::Instant::now();
    let (checked, differences) = stats::verify(&core).await?;
    for d in &differences {
        print_discrepancy(d);
    }
    println!(
        "checked {checked} counters against the completion records in {:.2} s: {} differ",
        started.elapsed().as_secs_f64(),
        differences.len()
    );
    if differences.is_empty() {
        Ok(())
    } else {
        Err(CliError::CountersDiffer(differences.len()))
    }
}

/// One differing counter: its key, then the stored and the recomputed figures.
fn print_discrepancy(d: &stats::Discrepancy) {
    println!(
        "{} {}={:?}: stored women_trained={} learners_trained={} women_completions={} completions={} hours={:.1}; \
         recomputed women_trained={} learners_trained={} women_completions={} completions={} hours={:.1}",
        d.org_code, d.dimension, d.bucket,
        d.stored.women_trained, d.stored.learners_trained, d.stored.women_completions, d.stored.completions, d.stored.hours,
        d.recomputed.women_trained, d.recomputed.learners_trained, d.recomputed.women_completions, d.recomputed.completions, d.recomputed.hours,
    );
}

/// `qihang stats rebuild`: every counter replaced by its recomputation.
async fn stats_rebuild(config: Config) -> Result<(), CliError> {
    let core = start_core(config).await?;
    let written = core.run(|conn, _| stats::rebuild(conn)).await?;
    println!("rebuilt {written} counters from the completion records");
    Ok(())
}

/// `qihang skills verify`: every completion's skill records against its course's mapping.
async fn skills_verify(config: Config) -> Result<(), CliError> {
    let core = start_core(config).await?;
    let (checked, problems) = skills::verify(&core).await?;
    for p in &problems {
        println!("{p}");
    }
    println!(
        "checked the skill records of {checked} completions: {} missing or wrong",
        problems.len()
    );
    let (counters, differ) = qihang_core::services::skill_stats::verify_counts(&core).await?;
    for d in &differ {
        println!("{d}");
    }
    println!(
        "checked {counters} counts of women per skill level: {} differ from the records",
        differ.len()
    );
    let wrong = problems.len() + differ.len();
    if wrong == 0 {
        Ok(())
    } else {
        Err(CliError::SkillsDiffer(wrong))
    }
}

/// `qihang skills rebuild`: grants missing levels, withdraws those of revoked certificates.
async fn skills_rebuild(config: Config) -> Result<(), CliError> {
    let core = start_core(config).await?;
    let added = skills::rebuild(&core).await?;
    println!("added {added} skill records from the completions");
    Ok(())
}

/// `qihang certificates rotate-key [--new-kek-file FILE]`: a new signing key (the old one
/// stays published, retired); with the flag, every key re-sealed under the new KEK.
async fn certificates_rotate_key(
    config: Config,
    new_kek_file: Option<PathBuf>,
) -> Result<(), CliError> {
    let core = start_core(config).await?;
    require_signing(&core)?;
    let key_id = certificates::rotate_key(&core).await?;
    println!("new signing key {key_id}; earlier keys stay published as retired");
    if let Some(path) = new_kek_file {
        let new = if path.exists() {
            Kek::read(&path)
        } else {
            Kek::create_file(&path)
        }
        .map_err(|e| CliError::Signing(e.to_string()))?;
        let fingerprint = new.fingerprint();
        let count = certificates::reseal_keys(&core, new).await?;
        println!(
            "re-sealed {count} signing key(s) under key-encryption key {fingerprint} ({}); \
             configure it on every server (certificates.key_encryption_key_file) before they \
             start again, and keep a copy apart from the database's backups",
            path.display()
        );
    }
    Ok(())
}

/// Refuses (with the operator's message) when this process cannot sign certificates.
fn require_signing(core: &Core) -> Result<(), CliError> {
    match &core.config.certificates.kek {
        KekState::Ready(_) => Ok(()),
        KekState::Unavailable(why) => Err(CliError::Signing(why.clone())),
        KekState::Unresolved => Err(CliError::Signing(
            "the key-encryption key was not resolved".into(),
        )),
    }
}

/// `qihang certificates verify FILE --keys KEYS`: the signature check anyone can run offline.
fn certificates_verify(credential: &Path, keys: &Path) -> Result<(), CliError> {
    let document = read_json(credential)?;
    let published = read_json(keys)?;
    let keys: Vec<_> = published["keys"]
        .as_array()
        .ok_or_else(|| CliError::NoKeys(keys.to_path_buf()))?
        .iter()
        .filter_map(|k| {
            let id = k["key_id"].as_str()?.to_string();
            Some((
                id,
                certificates::parse_multikey(k["publicKeyMultibase"].as_str()?)?,
            ))
        })
        .collect();
    match certificates::verify_document(&document, &keys) {
        Ok(()) => {
            println!(
                "valid signature: {} (revocation is shown at {})",
                document["name"].as_str().unwrap_or("credential"),
                document["id"].as_str().unwrap_or("its verification page")
            );
            Ok(())
        }
        Err(problem) => Err(CliError::DoesNotVerify {
            path: credential.to_path_buf(),
            problem,
        }),
    }
}

/// A JSON file given on the command line.
fn read_json(path: &Path) -> Result<serde_json::Value, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| CliError::NotJson {
        path: path.to_path_buf(),
        source,
    })
}

/// `qihang courses check DIR`: every problem and warning as `path:line: message`; fails
/// unless there is no problem (warnings alone still exit 0).
fn courses_check(dir: &Path) -> Result<(), CliError> {
    let checked = qihang_core::packs::check_folder(dir);
    for problem in checked.problems.iter().chain(&checked.warnings) {
        println!("{problem}");
    }
    let packs = checked.packs.len();
    if checked.problems.is_empty() {
        let warnings = match checked.warnings.len() {
            0 => "no warnings".to_string(),
            n => format!("{n} warning(s)"),
        };
        println!(
            "{packs} course pack(s) checked in {}: no problems, {warnings}",
            dir.display()
        );
        Ok(())
    } else {
        Err(CliError::CoursePackProblems {
            count: checked.problems.len(),
            dir: dir.to_path_buf(),
        })
    }
}

/// `qihang courses import DIR [--org CODE]`: publishes to the whole province unless told.
async fn courses_import(config: Config, dir: &Path, org: Option<String>) -> Result<(), CliError> {
    let core = start_core(config).await?;
    import_courses(&core, dir, org.as_deref().unwrap_or("js")).await
}

/// `qihang courses import DIR`: one transaction per pack, a progress bar on a terminal.
async fn import_courses(core: &Core, dir: &Path, org: &str) -> Result<(), CliError> {
    use std::io::IsTerminal;
    let bar = std::io::stdout().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .expect("template"),
        );
        bar
    });
    let shown = bar.clone();
    let report =
        catalog::import_folder(
            core,
            dir,
            org,
            move |done, total, course, outcome| match &shown {
                Some(bar) => {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    bar.set_message(format!("{course}: {}", outcome.as_str()));
                }
                None => println!("[{done}/{total}] {course}: {}", outcome.as_str()),
            },
        )
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    for (course, version, outcome) in &report.imported {
        println!("{course} {version}: {}", outcome.as_str());
    }
    for course in &report.archived {
        println!("{course}: archived (no longer in {})", dir.display());
    }
    for (course, why) in &report.refused {
        println!("{course}: refused: {why}");
    }
    println!(
        "{} course pack(s) imported from {}",
        report.imported.len(),
        dir.display()
    );
    Ok(())
}

/// On start, loads the bundled course packs (if the folder has any). Problems are logged and
/// the server starts anyway, with the catalogue it already had.
async fn import_bundled_courses(core: &Core) {
    let dir = core.config.courses_dir.clone();
    let has_packs = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().join("course.toml").exists())
        })
        .unwrap_or(false);
    if !has_packs {
        return;
    }
    let started = std::time::Instant::now();
    match catalog::import_folder(core, &dir, "js", |_, _, _, _| {}).await {
        Ok(report) => {
            for (course, why) in &report.refused {
                tracing::error!(course = %course, "bundled course pack not loaded: {why}");
            }
            tracing::info!(
                packs = report.imported.len(),
                archived = report.archived.len(),
                refused = report.refused.len(),
                ms = started.elapsed().as_millis() as u64,
                "bundled course packs loaded from {}",
                dir.display()
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "bundled course packs in {} were not loaded", dir.display())
        }
    }
}
