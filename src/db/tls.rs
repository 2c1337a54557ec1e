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

use super::certname::CertNames;
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
            let (roots, roots_der) = root_store(&ssl.rootcert)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| format!("could not use the root certificates: {e}"))?;
            Arc::new(LibpqVerifier {
                webpki,
                roots: roots_der,
                roots_named: roots_named(&ssl.rootcert),
                check_name: check == Check::ChainAndName,
            })
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

/// How a refusal names the trusted roots.
fn roots_named(root: &RootCert) -> String {
    match root {
        RootCert::File { path, .. } => {
            format!("a certificate in sslrootcert \"{}\"", path.display())
        }
        RootCert::System => {
            "any of the system's trusted root certificates (sslrootcert=system)".into()
        }
        RootCert::None => "a trusted root certificate".into(),
    }
}

/// The trust store, and the root certificates as given (a server certificate among them is trusted as is).
fn root_store(root: &RootCert) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), String> {
    let mut store = RootCertStore::empty();
    let mut given = Vec::new();
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
                given.push(cert.clone());
                store
                    .add(cert)
                    .map_err(|e| format!("could not use root certificate file \"{}\": {e}", path.display()))?;
            }
        }
        RootCert::None => {
            return Err("no root certificate file: set sslrootcert (the default ~/.postgresql/root.crt needs a home directory)".into())
        }
    }
    Ok((store, given))
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

/// sslmode verify-ca and verify-full, as libpq (OpenSSL) checks them:
/// - the chain must lead to a certificate in sslrootcert; a server certificate that is itself in
///   sslrootcert is trusted as it stands, which is how the self-signed certificate `openssl req -x509`
///   makes (a CA certificate, which webpki refuses as a server's) is used by most small installations;
/// - verify-full also checks the host name against the certificate's names;
/// - every refusal becomes one plain sentence naming the root file and the host.
#[derive(Debug)]
struct LibpqVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    roots: Vec<CertificateDer<'static>>,
    roots_named: String,
    check_name: bool,
}

impl LibpqVerifier {
    /// The server's own certificate is one of the roots: it must be valid now, and for this name.
    fn trust_root_itself(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, CertificateError> {
        let cert = parse(end_entity)?;
        let validity = &cert.tbs_certificate.validity;
        let now = now.as_secs();
        if now < validity.not_before.to_unix_duration().as_secs() {
            return Err(CertificateError::NotValidYet);
        }
        if now > validity.not_after.to_unix_duration().as_secs() {
            return Err(CertificateError::Expired);
        }
        self.check_host_name(&cert, server_name)
    }

    /// verify-full: libpq's name rule (see `certname`), which also accepts a Common Name.
    fn check_host_name(
        &self,
        cert: &x509_cert::Certificate,
        server_name: &ServerName<'_>,
    ) -> Result<ServerCertVerified, CertificateError> {
        if !self.check_name {
            return Ok(ServerCertVerified::assertion());
        }
        let names = CertNames::of(cert);
        if names.matches(&server_name.to_str()) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(CertificateError::Other(rustls::OtherError(Arc::new(
            PlainReason(format!(
                "the server's certificate is for {}, which does not match host name \"{}\" (sslmode=verify-full)",
                names.describe(),
                server_name.to_str()
            )),
        ))))
    }

    fn plain(&self, err: CertificateError, server_name: &ServerName<'_>) -> rustls::Error {
        let host = server_name.to_str();
        let sentence = match err {
            // A CA certificate as the server's own, not itself in sslrootcert (webpki's name for it).
            CertificateError::Other(ref other) if other.to_string() == "CaUsedAsEndEntity" => {
                format!(
                    "the server's certificate is not signed by {}",
                    self.roots_named
                )
            }
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::UnhandledCriticalExtension => {
                format!(
                    "the server's certificate is not signed by {}",
                    self.roots_named
                )
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the server's certificate does not match host name \"{host}\" (sslmode=verify-full)")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet".into()
            }
            CertificateError::Revoked => "the server's certificate has been revoked".into(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not meant for a TLS server (its extended key usage)"
                    .into()
            }
            CertificateError::BadEncoding => "the server's certificate cannot be parsed".into(),
            other => return rustls::Error::InvalidCertificate(other),
        };
        rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
            PlainReason(sentence),
        ))))
    }
}

fn parse(der: &CertificateDer<'_>) -> Result<x509_cert::Certificate, CertificateError> {
    use x509_cert::der::Decode;
    x509_cert::Certificate::from_der(der.as_ref()).map_err(|_| CertificateError::BadEncoding)
}

/// A certificate refusal already worded for the user; `db::error` prints it as it is.
#[derive(Debug)]
pub struct PlainReason(pub String);

impl std::fmt::Display for PlainReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlainReason {}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let err = match result {
            Ok(verified) => return Ok(verified),
            Err(rustls::Error::InvalidCertificate(err)) => err,
            Err(other) => return Err(other),
        };
        // OpenSSL trusts a certificate found in the trust store as it stands; so does libpq.
        if self.roots.iter().any(|r| r.as_ref() == end_entity.as_ref()) {
            return self
                .trust_root_itself(end_entity, server_name, now)
                .map_err(|e| self.plain(e, server_name));
        }
        let outcome = match err {
            // webpki checked the chain before the name.
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                parse(end_entity).and_then(|cert| self.check_host_name(&cert, server_name))
            }
            other => Err(other),
        };
        outcome.map_err(|e| self.plain(e, server_name))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
