//! Password hashing: the Argon2id parameters, and the few threads that do the hashing.
//!
//! A hash is 19 MiB of memory and ~45 ms of one core, on purpose. Two things follow on a
//! campaign evening, when thousands of women sign in while others read lessons:
//!
//! - **The CPU.** Hashes run on [`HashPool`]'s own threads, one fewer than the cores (at least
//!   one), at the lowest scheduling priority (nice 19 on Linux): a login burst uses the CPU the
//!   pages leave, and a page request that arrives mid-hash gets the core at once. Logins queue
//!   in order; past [`QUEUE_LIMIT`] waiting, a login is refused with "busy, try again" rather
//!   than waiting longer than any client would.
//! - **The memory.** Each hashing thread keeps one Argon2 block ([`Scratch`]) for its whole
//!   life, so a burst costs `threads × 19 MiB` once, never a fresh 19 MiB mapping (and its
//!   page faults) per login.
//!
//! Rare hashes made while a database connection is held (a password change, a reset) use
//! [`hash_password`] and [`verify_password`], which allocate their block per call.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::domain::Password;
use crate::ServiceError;

/// Argon2id with OWASP's current minimum (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
/// p = 1), stated here so a crate upgrade cannot change it silently. About 45 ms of one core
/// here. Stored hashes carry their own parameters, so raising these later still verifies
/// the old ones.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// A new hash of `password` (PHC string), its memory allocated for this call.
pub(crate) fn hash_password(password: &Password) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::internal(format!("argon2: {e}")))
}

/// Whether `password` matches the stored PHC string, its memory allocated for this call.
pub(crate) fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// One hashing thread's Argon2 memory, reused by every hash it makes.
pub struct Scratch {
    blocks: Vec<Block>,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            blocks: vec![Block::default(); params().block_count()],
        }
    }

    /// Runs `f` on `count` blocks: this thread's own, or for a stored hash made with more
    /// memory than ours, a block of its size for this call only (the thread keeps 19 MiB).
    fn with_blocks<R>(&mut self, count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        match self.blocks.get_mut(..count) {
            Some(ours) => f(ours),
            None => f(&mut vec![Block::default(); count]),
        }
    }

    /// A new hash of `password` (PHC string), as [`hash_password`] makes, in this memory.
    pub fn hash(&mut self, password: &Password) -> Result<String, ServiceError> {
        let fault = |e: &dyn std::fmt::Display| ServiceError::internal(format!("argon2: {e}"));
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt
            .as_salt()
            .decode_b64(&mut salt_bytes)
            .map_err(|e| fault(&e))?;
        let params = params();
        let hasher = argon2();
        let output = self
            .with_blocks(params.block_count(), |blocks| {
                Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
                    hasher
                        .hash_password_into_with_memory(
                            password.expose().as_bytes(),
                            salt_bytes,
                            out,
                            blocks,
                        )
                        .map_err(Into::into)
                })
            })
            .map_err(|e| fault(&e))?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&params).try_into().map_err(|e| fault(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    /// Whether `password` matches the stored PHC string (any Argon2 variant, version and
    /// parameters it names), as [`verify_password`] decides, in this memory. The comparison
    /// of the outputs is in constant time ([`Output`]'s equality).
    pub fn verify(&mut self, password: &str, stored: &str) -> bool {
        self.check(password, stored).unwrap_or(false)
    }

    fn check(&mut self, password: &str, stored: &str) -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt_bytes = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt_bytes).ok()?;
        let hasher = Argon2::new(algorithm, version, params.clone());
        let computed = self
            .with_blocks(params.block_count(), |blocks| {
                Output::init_with(expected.len(), |out| {
                    hasher
                        .hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)
                        .map_err(Into::into)
                })
            })
            .ok()?;
        Some(computed == expected)
    }
}

/// Hashes waiting for a thread, beyond which a login is refused as busy: at ~45 ms a hash,
/// about six seconds of hashing in all, longer while pages take the CPU.
pub const QUEUE_LIMIT: usize = 128;

type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// The hashing threads and their queue. Cheap to clone; the threads end when the last clone
/// is dropped.
#[derive(Clone)]
pub struct HashPool {
    jobs: mpsc::SyncSender<Job>,
}

impl HashPool {
    /// Starts `threads` hashing threads at the lowest priority.
    pub fn start(threads: usize) -> HashPool {
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE_LIMIT);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("qihang-hash-{n}"))
                .spawn(move || {
                    lowest_priority();
                    let mut scratch = Scratch::new();
                    loop {
                        let job = match receiver.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        // A job that panics fails its own request (its reply is dropped),
                        // never the thread: the pool keeps its size.
                        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            job(&mut scratch)
                        }));
                        if ran.is_err() {
                            scratch = Scratch::new();
                        }
                    }
                })
                .expect("spawn a hashing thread");
        }
        HashPool { jobs: sender }
    }

    /// Runs `work` on a hashing thread with its memory; [`ServiceError::Busy`] when
    /// [`QUEUE_LIMIT`] hashes already wait.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut Scratch) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |scratch| {
            // Nobody waits for it any more (the client went away): no hash for nobody.
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(work(scratch));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(_)) => return Err(ServiceError::Busy),
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(ServiceError::internal("hashing threads gone"))
            }
        }
        rx.await
            .map_err(|_| ServiceError::internal("a hashing thread failed"))
    }
}

/// Makes the calling thread yield the CPU to any other work (Linux: nice 19 for this thread
/// alone; elsewhere nothing).
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's own id changes only its nice value.
    unsafe {
        let tid = libc::gettid();
        if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) != 0 {
            tracing::warn!("could not lower the hashing thread's priority");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_both_ways_with_and_without_reused_memory() {
        let password = Password::parse("correct horse").unwrap();
        let mut scratch = Scratch::new();
        let pooled = scratch.hash(&password).unwrap();
        let plain = hash_password(&password).unwrap();
        assert!(pooled.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        for hash in [&pooled, &plain] {
            assert!(verify_password("correct horse", hash));
            assert!(scratch.verify("correct horse", hash));
            assert!(!verify_password("wrong horse", hash));
            assert!(!scratch.verify("wrong horse", hash));
        }
        assert_ne!(
            pooled,
            scratch.hash(&password).unwrap(),
            "a fresh salt each time"
        );
    }

    #[test]
    fn stored_hashes_with_other_parameters_verify_and_garbage_does_not() {
        let weaker = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(64, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let stored = weaker.hash_password(b"old one", &salt).unwrap().to_string();
        let mut scratch = Scratch::new();
        assert!(scratch.verify("old one", &stored));
        assert!(!scratch.verify("old two", &stored));
        // More memory than the scratch holds: a block of that size for that check only.
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(20 * 1024, 1, 1, None).unwrap(),
        );
        let stored = bigger.hash_password(b"big one", &salt).unwrap().to_string();
        assert!(scratch.verify("big one", &stored));
        assert_eq!(
            scratch.blocks.len(),
            params().block_count(),
            "kept at 19 MiB"
        );
        for garbage in [
            "",
            "$argon2id$",
            "plain text",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
        ] {
            assert!(!scratch.verify("x", garbage), "{garbage:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_the_lowest_priority_and_others_do_not() {
        // SAFETY: getpriority reads the nice value of a thread by its id.
        let nice = || unsafe {
            *libc::__errno_location() = 0;
            libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t)
        };
        // Run under `nice` the whole test starts lowered; the pool must not lower this thread
        // further, and cannot be checked against a lower priority than 19.
        let before = nice();
        let pool = HashPool::start(1);
        assert_eq!(pool.run(move |_| nice()).await.unwrap(), 19);
        assert_eq!(nice(), before, "only the hashing threads are lowered");
    }

    #[tokio::test]
    async fn a_job_that_panics_fails_alone_and_the_thread_goes_on() {
        let pool = HashPool::start(1);
        let failed = pool.run(|_| -> u8 { panic!("a faulty job") }).await;
        assert!(matches!(failed, Err(ServiceError::Internal(_))));
        assert_eq!(pool.run(|_| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn the_pool_hashes_and_refuses_past_its_queue() {
        let pool = HashPool::start(1);
        let password = Password::parse("correct horse").unwrap();
        let hash = pool.run(move |s| s.hash(&password)).await.unwrap().unwrap();
        assert!(pool
            .run(move |s| s.verify("correct horse", &hash))
            .await
            .unwrap());
        // Hold the one thread, then fill the queue: the next is refused, not queued.
        let (hold, release) = std::sync::mpsc::channel::<()>();
        let p = pool.clone();
        let held = tokio::spawn(async move { p.run(move |_| release.recv().ok()).await });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let mut waiting = Vec::new();
        for _ in 0..QUEUE_LIMIT {
            let p = pool.clone();
            waiting.push(tokio::spawn(async move { p.run(|_| 1).await }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(matches!(pool.run(|_| 1).await, Err(ServiceError::Busy)));
        hold.send(()).unwrap();
        held.await.unwrap().unwrap();
        for w in waiting {
            assert_eq!(w.await.unwrap().unwrap(), 1);
        }
    }
}
