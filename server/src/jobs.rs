//! Background jobs of a server process. Each is safe to run in several processes at once.

use qihang_core::services::outbox::{self, Mailer};
use qihang_core::Core;

/// Starts the mail outbox worker on the current runtime.
pub fn start(core: &Core) -> Result<(), outbox::MailError> {
    let mailer = Mailer::from_config(&core.config)?;
    let worker = format!(
        "{}-{}",
        std::process::id(),
        qihang_core::services::tokens::new_public_id()
    );
    tokio::spawn(outbox::run_worker(core.clone(), mailer, worker));
    Ok(())
}
