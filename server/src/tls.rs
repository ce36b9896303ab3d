//! Built-in TLS for `--tls-cert` / `--tls-key` (PEM): rustls with the `ring` provider, TLS 1.3 and
//! 1.2 only, HTTP/2 and HTTP/1.1 offered by ALPN.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::ConfigError;

/// Where the certificate chain and its private key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Reads the PEM files and builds the server's TLS settings. Errors name the file and the kind of
/// problem, never any of its content.
pub fn server_config(files: &TlsFiles) -> Result<rustls::ServerConfig, ConfigError> {
    let unreadable = |what: &str, path: &Path, e: rustls::pki_types::pem::Error| {
        ConfigError(format!("{what} {}: {}", path.display(), describe(&e)))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| unreadable("--tls-cert", &files.cert, e))?;
    if certs.is_empty() {
        return Err(ConfigError(format!("--tls-cert {}: holds no CERTIFICATE block", files.cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| unreadable("--tls-key", &files.key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ConfigError(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ConfigError(format!("--tls-cert / --tls-key do not make a usable pair: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn describe(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::Io(io) => io.to_string(),
        E::NoItemsFound => "holds no PEM block of the expected kind".into(),
        _ => "is not valid PEM".into(),
    }
}
