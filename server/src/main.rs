//! The `qihang` command: serves the web app and API, and runs administrative tasks.

mod cli;
mod http;
mod jobs;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use qihang_core::config::Config;
use qihang_core::services::accounts::{self, NewAdmin};
use qihang_core::services::{catalog, certificates, demo, stats};
use qihang_core::Core;

use cli::{
    AdminCommand, CertificatesCommand, Cli, Command, CoursesCommand, DemoCommand, StatsCommand,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string()),
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
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("qihang: error: {message}");
    ExitCode::from(1)
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QIHANG_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn start_core(config: Config) -> Result<Core, String> {
    tokio::task::spawn_blocking(move || Core::start(config))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

async fn run(command: Command, mut config: Config) -> Result<(), String> {
    match command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            let core = start_core(config).await?;
            import_bundled_courses(&core).await;
            if core.config.jobs_enabled {
                jobs::start(&core).map_err(|e| e.to_string())?;
            }
            http::serve(core)
                .await
                .map_err(|e| format!("HTTP server: {e}"))
        }
        Command::Migrate => {
            let core = start_core(config).await?;
            println!("database is migrated ({:?})", core.backend);
            Ok(())
        }
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
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_to_string(&mut line)
                    .map_err(|e| format!("reading the password: {e}"))?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let core = start_core(config).await?;
            let input = NewAdmin {
                phone,
                name,
                org,
                email,
                gender,
                password,
            };
            let created =
                accounts::create_admin(&core, input)
                    .await
                    .map_err(|e| match e.field() {
                        Some(field) => format!("--{field}: {e}"),
                        None => e.to_string(),
                    })?;
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
        Command::Courses {
            command: CoursesCommand::Check { dir },
        } => check_courses(&dir),
        Command::Demo {
            command: DemoCommand::Generate { learners, seed },
        } => {
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
            .await
            .map_err(|e| e.to_string())?;
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
            Ok(())
        }
        Command::Stats {
            command: StatsCommand::Verify,
        } => {
            let core = start_core(config).await?;
            let started = std::time::Instant::now();
            let (checked, differences) = stats::verify(&core).await.map_err(|e| e.to_string())?;
            for d in &differences {
                println!(
                    "{} {}={:?}: stored women_trained={} learners_trained={} women_completions={} completions={} hours={:.1}; \
                     recomputed women_trained={} learners_trained={} women_completions={} completions={} hours={:.1}",
                    d.org_code, d.dimension, d.bucket,
                    d.stored.women_trained, d.stored.learners_trained, d.stored.women_completions, d.stored.completions, d.stored.hours,
                    d.recomputed.women_trained, d.recomputed.learners_trained, d.recomputed.women_completions, d.recomputed.completions, d.recomputed.hours,
                );
            }
            println!(
                "checked {checked} counters against the completion records in {:.2} s: {} differ",
                started.elapsed().as_secs_f64(),
                differences.len()
            );
            if differences.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} counters differ from the records",
                    differences.len()
                ))
            }
        }
        Command::Stats {
            command: StatsCommand::Rebuild,
        } => {
            let core = start_core(config).await?;
            let written = core
                .run(|conn, _| stats::rebuild(conn))
                .await
                .map_err(|e| e.to_string())?;
            println!("rebuilt {written} counters from the completion records");
            Ok(())
        }
        Command::Certificates {
            command: CertificatesCommand::RotateKey,
        } => {
            let core = start_core(config).await?;
            let key_id = certificates::rotate_key(&core)
                .await
                .map_err(|e| e.to_string())?;
            println!("new signing key {key_id}; earlier keys stay published as retired");
            Ok(())
        }
        Command::Certificates {
            command: CertificatesCommand::Verify { credential, keys },
        } => verify_credential_offline(&credential, &keys),
        Command::Courses {
            command: CoursesCommand::Import { dir, org },
        } => {
            let core = start_core(config).await?;
            import_courses(&core, &dir, org.as_deref().unwrap_or("js")).await
        }
    }
}

/// `qihang certificates verify FILE --keys KEYS`: the signature check anyone can run offline.
fn verify_credential_offline(credential: &Path, keys: &Path) -> Result<(), String> {
    let read = |path: &Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
    };
    let document = read(credential)?;
    let published = read(keys)?;
    let keys: Vec<_> = published["keys"]
        .as_array()
        .ok_or_else(|| format!("{}: no \"keys\" array", keys.display()))?
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
        Err(problem) => Err(format!(
            "{}: does not verify: {problem}",
            credential.display()
        )),
    }
}

/// `qihang courses check DIR`: every problem as `path:line: message`; fails unless clean.
fn check_courses(dir: &std::path::Path) -> Result<(), String> {
    let checked = qihang_core::packs::check_folder(dir);
    for problem in &checked.problems {
        println!("{problem}");
    }
    let packs = checked.packs.len();
    if checked.problems.is_empty() {
        println!(
            "{packs} course pack(s) checked in {}: no problems",
            dir.display()
        );
        Ok(())
    } else {
        Err(format!(
            "{} problem(s) in {}",
            checked.problems.len(),
            dir.display()
        ))
    }
}

/// `qihang courses import DIR`: one transaction per pack, a progress bar on a terminal.
async fn import_courses(core: &Core, dir: &std::path::Path, org: &str) -> Result<(), String> {
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
    let report = report.map_err(|e| e.to_string())?;
    for (course, version, outcome) in &report.imported {
        println!("{course} {version}: {}", outcome.as_str());
    }
    for course in &report.archived {
        println!("{course}: archived (no longer in {})", dir.display());
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
        Ok(report) => tracing::info!(
            packs = report.imported.len(),
            archived = report.archived.len(),
            ms = started.elapsed().as_millis() as u64,
            "bundled course packs loaded from {}",
            dir.display()
        ),
        Err(e) => {
            tracing::error!(error = %e, "bundled course packs in {} were not loaded", dir.display())
        }
    }
}
