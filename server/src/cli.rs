//! Command-line interface: subcommands and flags (`qihang --help` documents them all).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// 起航 Qihang: digital-skills training for women workers.
#[derive(Debug, Parser)]
#[command(name = "qihang", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./qihang.toml when it exists.
    #[arg(long, global = true, env = "QIHANG_CONFIG")]
    pub config: Option<PathBuf>,

    /// Database: sqlite://path/to/file.db or postgres://user@host/database
    /// [default: sqlite://data/qihang.db]
    #[arg(long, global = true, env = "QIHANG_DATABASE_URL")]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the REST API (the default).
    Serve {
        /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
        #[arg(long, env = "QIHANG_BIND")]
        bind: Option<String>,
    },
    /// Apply database migrations and seed the organisation tree, then exit.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check and import course packs.
    Courses {
        #[command(subcommand)]
        command: CoursesCommand,
    },
    /// Synthetic data for demonstrations and benchmarks.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// The drive's counters: check them against the raw records, or rebuild them.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// Skill records: grant the levels of completions that have none (after an upgrade or a
    /// bulk load), or check them against the completions.
    Skills {
        #[command(subcommand)]
        command: SkillsCommand,
    },
    /// Certificate signing keys and offline credential checks.
    Certificates {
        #[command(subcommand)]
        command: CertificatesCommand,
    },
    /// Copy the SQLite database to FILE while Qihang serves (a consistent snapshot), then
    /// check the copy. For PostgreSQL use pg_dump (README, "Backup and restore").
    Backup {
        /// The new file (never overwritten)
        file: PathBuf,
    },
    /// Check a backup and make it the SQLite database (stop every server first; a database
    /// already there is kept, renamed `….before-restore-<time>`). With `--check`, only check.
    Restore {
        file: PathBuf,
        /// Only check the file; change nothing
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Fill a fresh database with a synthetic drive: enterprise unions under the 13 cities,
    /// learners (90% women) with completions of the bundled courses since 2024-08-05, online
    /// and in person; then rebuild the dashboard counters.
    Generate {
        /// How many learners
        #[arg(long, default_value_t = 10_000)]
        learners: usize,
        /// Random seed (the same seed gives the same drive)
        #[arg(long, default_value_t = 2024)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SkillsCommand {
    /// Check every completion's skill records (and withdrawals of revoked certificates) and
    /// report each one missing or wrong. Exits 1 if any is.
    Verify,
    /// Grant every completion's missing levels and withdraw those of revoked certificates.
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every dashboard counter from the completion records and report each one
    /// that differs. Exits 1 if any does.
    Verify,
    /// Replace every dashboard counter with its recomputation (after a bulk load or a repair).
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// Retire the current signing key and start signing with a new one (old credentials keep
    /// verifying: retired keys stay published). With `--new-kek-file`, also re-seal every
    /// signing key under a new key-encryption key (stop the servers first; start them again
    /// configured with the new key).
    RotateKey {
        /// The new key-encryption key's file (64 hex digits); made, mode 0600, if absent.
        #[arg(long, value_name = "FILE")]
        new_kek_file: Option<PathBuf>,
    },
    /// Check a downloaded credential offline, against a saved copy of the published keys
    /// (`GET /api/v1/certificate-keys`). Needs no database. Exits 1 if it does not verify.
    Verify {
        /// The credential JSON file
        credential: PathBuf,
        /// The published keys JSON file
        #[arg(long)]
        keys: PathBuf,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve { bind: None }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator of an organisation and print a one-time link to set the password.
    Create {
        /// Mainland mobile number, e.g. 13812341234
        #[arg(long)]
        phone: String,
        /// Full name
        #[arg(long)]
        name: String,
        /// Organisation code the role is granted on, e.g. js (the whole province) or js-nj
        #[arg(long)]
        org: String,
        /// Email address (for password resets)
        #[arg(long)]
        email: Option<String>,
        /// female or male
        #[arg(long, default_value = "female")]
        gender: String,
        /// Read the password from standard input instead of printing a set-up link
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoursesCommand {
    /// Check a course pack, or a folder of packs, and report every problem.
    Check {
        /// The pack or folder of packs
        dir: PathBuf,
    },
    /// Import course packs into the database.
    Import {
        /// The pack or folder of packs
        dir: PathBuf,
        /// Publish only to this organisation's subtree [default: js, the whole province]
        #[arg(long)]
        org: Option<String>,
    },
}
