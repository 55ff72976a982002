//! The TLS settings of `wss://` connections: which roots are trusted ([`Trust`]), on the
//! *ring* provider named explicitly, so that an application whose other dependencies also
//! enable aws-lc-rs does not make rustls panic for want of a default provider.
//!
//! Each setting's rustls configuration is built once and shared by every connection
//! with that setting: loading the system's roots costs milliseconds, and a shared
//! configuration lets rustls resume TLS sessions across connections (as when
//! reconnecting).

use std::sync::{Arc, Mutex, PoisonError};

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_tungstenite::Connector;

use crate::{BoxError, Config, Error, Trust};

/// How many distinct settings keep their configuration; past that the oldest is rebuilt
/// when next used.
const KEPT: usize = 8;

/// A setting and its configuration.
type Kept = (Trust, Vec<Vec<u8>>, Arc<ClientConfig>);

/// The rustls connector for a `wss://` URL (`secure`); `None` for `ws://`.
pub(super) fn connector(
    url: &str,
    secure: bool,
    config: &Config,
) -> Result<Option<Connector>, Error> {
    if !secure {
        return Ok(None);
    }
    static KEPT_CONFIGS: Mutex<Vec<Kept>> = Mutex::new(Vec::new());
    let key = (config.trust, &config.root_certificates_pem);
    let mut kept = KEPT_CONFIGS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, tls)) = kept.iter().find(|(trust, roots, _)| (*trust, roots) == key) {
        return Ok(Some(Connector::Rustls(Arc::clone(tls))));
    }
    let tls = build(url, config)?;
    if kept.len() == KEPT {
        kept.remove(0);
    }
    kept.push((
        config.trust,
        config.root_certificates_pem.clone(),
        Arc::clone(&tls),
    ));
    Ok(Some(Connector::Rustls(tls)))
}

/// A new configuration for `config`'s trust setting and extra roots.
fn build(url: &str, config: &Config) -> Result<Arc<ClientConfig>, Error> {
    let tls_error =
        |problem: &str, source: BoxError| Error::connect_failed(url, problem).with_source(source);
    let set_up_failed =
        |error: rustls::Error| tls_error("TLS could not be set up", Box::new(error));
    let extra = extra_roots(&config.root_certificates_pem)
        .map_err(|(problem, source)| tls_error(problem, source))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(set_up_failed)?;
    let with_roots = |roots: rustls::RootCertStore| {
        Arc::new(
            builder
                .clone()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    };
    // Checked here for every setting, so that a bad one is reported as such.
    let mut roots = rustls::RootCertStore::empty();
    for certificate in &extra {
        roots
            .add(certificate.clone())
            .map_err(|error| tls_error("a root certificate was rejected", Box::new(error)))?;
    }
    match config.trust {
        Trust::System => {
            let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
                extra, provider,
            )
            .map_err(|error| {
                tls_error(
                    "the system's trusted certificates could not be loaded (none \
                             found? `Trust::WebPki` uses the built-in Mozilla roots instead)",
                    Box::new(error),
                )
            })?;
            Ok(Arc::new(
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth(),
            ))
        }
        Trust::WebPki => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Ok(with_roots(roots))
        }
        Trust::Given if roots.is_empty() => Err(Error::InvalidConfig {
            setting: "Config::trust",
            problem: "Trust::Given trusts only Config::root_certificate_pem, and none is \
                      given: no wss:// server could be trusted",
        }),
        Trust::Given => Ok(with_roots(roots)),
    }
}

/// The certificates of every PEM given.
fn extra_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, (&'static str, BoxError)> {
    let mut certificates = Vec::new();
    for pem in pems {
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| {
                (
                    "a root certificate is not valid PEM",
                    Box::new(error) as BoxError,
                )
            })?;
            certificates.push(certificate);
        }
    }
    Ok(certificates)
}
