//! HTTPS: the rustls server configuration from a certificate and key given as PEM files
//! (`--tls-cert`, `--tls-key`), or from a certificate the emulator makes for itself
//! (`--tls-self-signed`).
//!
//! A generated certificate comes with its own certificate authority, as mkcert does it: the CA
//! (`<data>/tls/ca.pem`) is what clients are told to trust, and it signs a server certificate
//! for `localhost`, `*.localhost`, `127.0.0.1`, `::1`, `oss-<region>.aliyuncs.com` and
//! `*.oss-<region>.aliyuncs.com` (every served region) and every `--host-name`. A CA rather than
//! one self-signed leaf because verifiers differ on leaves used as trust anchors (webpki rejects
//! a CA certificate as the server's, OpenSSL's strict mode wants the CA extensions), while
//! "trust this CA" works the same in rustls, OpenSSL, Python's ssl and Node. The files stay in
//! the data directory and are reused as long as they cover the same names, so a client told to
//! trust the CA keeps working across restarts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Where the TLS material comes from (`[tls]` in the config file).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, the server's certificate first.
    pub cert: Option<PathBuf>,
    /// PEM private key of that certificate (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// Generate a CA and a certificate for the local names into `<data>/tls/`.
    pub self_signed: bool,
}

impl TlsConfig {
    pub fn enabled(&self) -> bool {
        self.self_signed || self.cert.is_some() || self.key.is_some()
    }

    pub fn validate(&self) -> Result<(), String> {
        match (&self.cert, &self.key, self.self_signed) {
            (Some(_), Some(_), false) | (None, None, _) => Ok(()),
            (Some(_), Some(_), true) => Err("give either --tls-cert/--tls-key or --tls-self-signed, not both".into()),
            (Some(_), None, _) => Err("--tls-cert needs --tls-key".into()),
            (None, Some(_), _) => Err("--tls-key needs --tls-cert".into()),
        }
    }
}

/// The server side of TLS, ready for the listeners.
pub struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The CA file clients should trust, when the emulator generated its certificate.
    pub generated_ca: Option<PathBuf>,
}

/// Loads (or generates) the certificate and builds the acceptor. Errors name the file at fault.
pub fn setup(config: &TlsConfig, data_dir: &Path, names: &[String]) -> Result<Tls, String> {
    let (chain, key, generated_ca) = match (&config.cert, &config.key) {
        (Some(cert), Some(key)) => (read_chain(cert)?, read_key(key)?, None),
        _ => {
            let dir = data_dir.join("tls");
            let files = generate(&dir, names)?;
            (read_chain(&files.cert)?, read_key(&files.key)?, Some(files.ca))
        }
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS certificate and key do not fit together: {e}"))?;
    // The emulator speaks HTTP/1.1 only.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(server)), generated_ca })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("TLS certificate {}: {e}", path.display()))?;
    if chain.is_empty() {
        return Err(format!("TLS certificate {}: no CERTIFICATE block in it", path.display()));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("TLS key {}: {e}", path.display()))
}

/// The names a generated certificate covers.
pub fn local_names(regions: &[String], host_names: &[String]) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "*.localhost", "127.0.0.1", "::1"].map(str::to_owned).to_vec();
    for region in regions {
        names.push(format!("oss-{region}.aliyuncs.com"));
        names.push(format!("*.oss-{region}.aliyuncs.com"));
    }
    for host in host_names {
        names.push(host.clone());
        names.push(format!("*.{host}"));
    }
    names.sort();
    names.dedup();
    names
}

struct Generated {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// Writes `ca.pem`, `cert.pem` (the server certificate, then the CA) and `key.pem` into `dir`,
/// unless they are there already for the same names (`names.txt`).
fn generate(dir: &Path, names: &[String]) -> Result<Generated, String> {
    let files = Generated { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    let names_file = dir.join("names.txt");
    let wanted = names.join("\n");
    let complete = [&files.ca, &files.cert, &files.key].iter().all(|p| p.is_file());
    if complete && std::fs::read_to_string(&names_file).is_ok_and(|n| n == wanted) {
        return Ok(files);
    }
    let err = |what: &str, e: rcgen::Error| format!("generating the TLS {what}: {e}");
    let ca_key = rcgen::KeyPair::generate().map_err(|e| err("CA key", e))?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA", e))?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "oss-emulator local CA");
    ca_params.distinguished_name.push(rcgen::DnType::OrganizationName, "oss-emulator");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(|e| err("CA", e))?;

    let key = rcgen::KeyPair::generate().map_err(|e| err("key", e))?;
    // `new` turns "127.0.0.1" and "::1" into IP address entries and the rest into DNS names.
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(|e| err("certificate", e))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "oss-emulator");
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &ca).map_err(|e| err("certificate", e))?;

    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| format!("writing the TLS file {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    write(&files.ca, &ca.pem())?;
    write(&files.cert, &format!("{}{}", cert.pem(), ca.pem()))?;
    write(&files.key, &key.serialize_pem())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o600));
    }
    write(&names_file, &wanted)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_every_region_and_host_name() {
        let names = local_names(&["cn-hangzhou".into(), "cn-shanghai".into()], &["minio.test".into()]);
        for want in ["localhost", "*.localhost", "127.0.0.1", "*.oss-cn-shanghai.aliyuncs.com", "*.minio.test"] {
            assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
        }
    }

    #[test]
    fn generated_files_are_reused_for_the_same_names() {
        let dir = tempfile::tempdir().unwrap();
        let names = local_names(&["cn-hangzhou".into()], &[]);
        let first = generate(dir.path(), &names).unwrap();
        let ca = std::fs::read_to_string(&first.ca).unwrap();
        generate(dir.path(), &names).unwrap();
        assert_eq!(std::fs::read_to_string(&first.ca).unwrap(), ca, "same names: same CA");
        let more = local_names(&["cn-hangzhou".into(), "cn-beijing".into()], &[]);
        generate(dir.path(), &more).unwrap();
        assert_ne!(std::fs::read_to_string(&first.ca).unwrap(), ca, "other names: a new certificate");
        assert!(setup(&TlsConfig { self_signed: true, ..Default::default() }, dir.path(), &more).is_ok());
    }
}
