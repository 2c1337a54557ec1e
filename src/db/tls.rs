//! TLS with libpq's meaning of each sslmode, on rustls:
//! - `allow`, `prefer`, `require`: encrypt without checking the certificate, except when a root
//!   certificate file exists: then libpq checks the chain in all three (`require` behaves as
//!   `verify-ca`, as documented; `prefer` and `allow` load it the same way), and a failed check
//!   fails the TLS attempt (`prefer` then retries without TLS, as libpq does);
//! - `verify-ca`: the chain must lead to a trusted root, whatever name the certificate carries;
//! - `verify-full`: the chain and the host name.
//!
//! Client certificates come from sslcert/sslkey (default `~/.postgresql/postgresql.{crt,key}`) when
//! the certificate file exists.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::conninfo::{RootCert, SslMode, SslSettings};

/// How much of the server certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// The rustls client configuration for these settings, or a one-line reason it cannot be built.
pub fn client_config(ssl: &SslSettings) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(ring::default_provider());
    let check = match ssl.mode {
        SslMode::VerifyFull => Check::ChainAndName,
        SslMode::VerifyCa => Check::Chain,
        SslMode::Allow | SslMode::Prefer | SslMode::Require if root_file_exists(&ssl.rootcert) => {
            Check::Chain
        }
        _ => Check::Nothing,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(AcceptAnyCertificate(provider.clone())),
        Check::Chain | Check::ChainAndName => {
            let roots = root_store(&ssl.rootcert)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| format!("could not use the root certificates: {e}"))?;
            if check == Check::Chain {
                Arc::new(IgnoreHostName(webpki))
            } else {
                webpki
            }
        }
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match client_identity(ssl)? {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("could not use the client certificate: {e}")),
        None => Ok(builder.with_no_client_auth()),
    }
}

fn root_file_exists(root: &RootCert) -> bool {
    matches!(root, RootCert::File { path, .. } if path.exists())
}

fn root_store(root: &RootCert) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match root {
        RootCert::System => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err("sslrootcert=system, but no system root certificates were found".into());
            }
        }
        RootCert::File { path, .. } => {
            if !path.exists() {
                return Err(format!(
                    "root certificate file \"{}\" does not exist; either provide the file, use the system's \
                     trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification",
                    path.display()
                ));
            }
            for cert in read_certs(path)? {
                store
                    .add(cert)
                    .map_err(|e| format!("could not use root certificate file \"{}\": {e}", path.display()))?;
            }
        }
        RootCert::None => {
            return Err("no root certificate file: set sslrootcert (the default ~/.postgresql/root.crt needs a home directory)".into())
        }
    }
    Ok(store)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "could not read certificate file \"{}\": {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        return Err(format!(
            "certificate file \"{}\" holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate and key, when the certificate file exists (libpq skips a missing default).
fn client_identity(ssl: &SslSettings) -> Result<Option<Identity>, String> {
    let Some(cert_path) = ssl.cert.as_ref().filter(|p| p.exists()) else {
        return Ok(None);
    };
    let certs = read_certs(cert_path)?;
    let Some(key_path) = ssl.key.as_ref().filter(|p| p.exists()) else {
        return Err(format!(
            "certificate present, but not private key file \"{}\"",
            ssl.key
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
    };
    check_key_permissions(key_path)?;
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        format!(
            "could not read private key file \"{}\": {e}",
            key_path.display()
        )
    })?;
    Ok(Some((certs, key)))
}

/// libpq refuses a private key that others can read: 0600 for the user's own file, 0640 if root owns it.
fn check_key_permissions(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "could not read private key file \"{}\": {e}",
            path.display()
        )
    })?;
    let mode = meta.permissions().mode();
    let too_open = if meta.uid() == 0 {
        mode & 0o037 != 0
    } else {
        mode & 0o077 != 0
    };
    if too_open {
        return Err(format!(
            "private key file \"{}\" has group or world access; file must have permissions u=rw (0600) or less \
             if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            path.display()
        ));
    }
    Ok(())
}

/// sslmode allow/prefer/require: encryption without authentication of the server. Handshake
/// signatures are still checked, so the session key really belongs to whoever sent the certificate.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// sslmode verify-ca: the full chain check, minus the host name.
#[derive(Debug)]
struct IgnoreHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
