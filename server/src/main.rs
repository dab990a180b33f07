//! The `qihang` command: serves the web app and API, and runs administrative tasks.

mod cli;
mod http;
mod jobs;

use std::io::Read;
use std::process::ExitCode;

use clap::Parser;
use qihang_core::config::Config;
use qihang_core::services::accounts::{self, NewAdmin};
use qihang_core::Core;

use cli::{AdminCommand, Cli, Command, CoursesCommand};

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
        Command::Courses {
            command: CoursesCommand::Import { dir, .. },
        } => Err(format!(
            "importing course packs is not supported yet (issue #3); nothing was read from {}",
            dir.display()
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
