//! Random secrets (session tokens, reset links, public ids) and how they are stored (SHA-256).

use rand::distr::{Alphanumeric, SampleString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh 256-bit secret, hex-encoded: given to the user, never stored.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An opaque public identifier for rows shown outside (22 alphanumerics, ~131 bits).
pub fn new_public_id() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 22)
}
