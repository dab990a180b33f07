//! Background jobs of a server process. Each is safe to run in several processes at once.

use qihang_core::services::outbox::{self, MailError, Mailer};
use qihang_core::sms::{self, SmsConfigError};
use qihang_core::Core;

/// Why the background jobs could not start (a configuration mistake).
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Sms(#[from] SmsConfigError),
}

/// Starts the outbox workers on the current runtime: mail always, SMS when it is on.
pub fn start(core: &Core) -> Result<(), JobsError> {
    let mailer = Mailer::from_config(&core.config)?;
    let worker = format!(
        "{}-{}",
        std::process::id(),
        qihang_core::services::tokens::new_public_id()
    );
    sms::start_worker(core, format!("{worker}-sms"))?;
    tokio::spawn(outbox::run_worker(core.clone(), mailer, worker));
    Ok(())
}
