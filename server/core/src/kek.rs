//! The key-encryption key (KEK): what seals the certificate signing keys' secret halves in the
//! database, so that a dump or a backup alone cannot sign a credential.
//!
//! The KEK comes from configuration, never the database: `certificates.key_encryption_key`
//! (64 hex digits, e.g. from `QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY`) or the file named by
//! `certificates.key_encryption_key_file` (default `DATA_DIR/signing.kek`). Secrets are sealed
//! with XChaCha20-Poly1305 under a random 24-byte nonce, the signing key's id as associated
//! data (a sealed secret moved to another row does not open). Each sealed row records the
//! KEK's fingerprint, so a wrong KEK is named as such instead of failing as "corrupt".

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::Digest;

const NONCE_LEN: usize = 24;

/// A 32-byte key-encryption key.
#[derive(Clone)]
pub struct Kek([u8; 32]);

/// Why a KEK could not be read or a secret not opened.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    #[error("{0}: not a key-encryption key (want 64 hexadecimal digits)")]
    Malformed(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("the secret of signing key {0} does not open with this key-encryption key")]
    DoesNotOpen(String),
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.fingerprint())
    }
}

impl Kek {
    /// A fresh random key.
    pub fn generate() -> Kek {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        Kek(bytes)
    }

    /// From 64 hex digits (surrounding white space ignored); `source` names where they came
    /// from in the error.
    pub fn parse(text: &str, source: &str) -> Result<Kek, KekError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KekError::Malformed(source.into()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KekError::Malformed(source.into()))?;
        Ok(Kek(bytes))
    }

    /// Reads the key from `path`.
    pub fn read(path: &Path) -> Result<Kek, KekError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KekError::Io(name.clone(), e))?;
        Kek::parse(&text, &name)
    }

    /// Writes a fresh key to `path` (which must not exist), readable by its owner only.
    pub fn create_file(path: &Path) -> Result<Kek, KekError> {
        let name = path.display().to_string();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| KekError::Io(name.clone(), e))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let kek = Kek::generate();
        let mut file = options
            .open(path)
            .map_err(|e| KekError::Io(name.clone(), e))?;
        writeln!(file, "{}", hex::encode(kek.0))
            .and_then(|()| file.sync_all())
            .map_err(|e| KekError::Io(name, e))?;
        Ok(kek)
    }

    /// A short public name of this key (16 hex digits of a SHA-256 over it), stored beside
    /// each secret it seals.
    pub fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::new()
            .chain_update(b"qihang-kek-fingerprint")
            .chain_update(self.0)
            .finalize();
        hex::encode(&digest[..8])
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// Seals `secret` for the signing key `key_id`: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, key_id: &str, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: key_id.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 sealing does not fail for small inputs");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`Kek::seal`] sealed for `key_id`.
    pub fn open(&self, key_id: &str, sealed: &[u8]) -> Result<Vec<u8>, KekError> {
        if sealed.len() < NONCE_LEN {
            return Err(KekError::DoesNotOpen(key_id.into()));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: key_id.as_bytes(),
                },
            )
            .map_err(|_| KekError::DoesNotOpen(key_id.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_id() {
        let kek = Kek::generate();
        let sealed = kek.seal("20261128-abcd", b"thirty-two bytes of secret seed!");
        assert_eq!(sealed.len(), 24 + 32 + 16);
        assert!(!sealed
            .windows(8)
            .any(|w| w == b"thirty-t" || w == b"secret s"));
        assert_eq!(
            kek.open("20261128-abcd", &sealed).unwrap(),
            b"thirty-two bytes of secret seed!"
        );
        assert!(kek.open("20261128-ffff", &sealed).is_err());
        assert!(Kek::generate().open("20261128-abcd", &sealed).is_err());
        assert_ne!(kek.fingerprint(), Kek::generate().fingerprint());
    }

    #[test]
    fn keys_parse_from_hex_and_files_are_private() {
        assert!(Kek::parse("00", "env").is_err());
        assert!(Kek::parse(&"zz".repeat(32), "env").is_err());
        let parsed = Kek::parse(&format!(" {}\n", "ab".repeat(32)), "env").unwrap();
        assert_eq!(parsed.0, [0xab; 32]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/signing.kek");
        let made = Kek::create_file(&path).unwrap();
        assert_eq!(Kek::read(&path).unwrap().fingerprint(), made.fingerprint());
        assert!(Kek::create_file(&path).is_err(), "never overwrites a key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
