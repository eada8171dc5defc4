//! An HTTPS front for DynamoDB Local, so that a function reaches it as it reaches DynamoDB in
//! AWS: through a TLS handshake (TLS 1.3, the client's preferred key exchange) checked against
//! a CA bundle the size of the system's. DynamoDB Local itself only speaks plain HTTP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Where the system keeps its CA bundle: Debian/Ubuntu, then Amazon Linux (Lambda's OS).
const SYSTEM_BUNDLES: [&str; 2] = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"];

pub struct TlsFront {
    /// `https://127.0.0.1:<port>`
    pub url: String,
    /// The system's CA certificates plus the one that signed this front's certificate: give it
    /// to clients as `SSL_CERT_FILE` (rustls-native-certs, OpenSSL) or `AWS_CA_BUNDLE` (boto3).
    pub ca_bundle: PathBuf,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// Listens on 127.0.0.1 and a random port and forwards each connection to `upstream`.
    pub async fn start(upstream: SocketAddr, dir: &Path) -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "contacts benchmark CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
        let key = KeyPair::generate().expect("server key");
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server certificate parameters")
            .signed_by(&key, &ca)
            .expect("server certificate");

        let system = SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        let ca_bundle = dir.join("ca-bundle.pem");
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        std::fs::write(&ca_bundle, format!("{system}\n{}", ca.pem()))
            .unwrap_or_else(|e| panic!("write {}: {e}", ca_bundle.display()));

        let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .expect("server TLS configuration");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the TLS front");
        let url = format!("https://{}", listener.local_addr().expect("TLS front address"));
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                // Forward each write at once, as the endpoint it stands for would send it.
                let _ = stream.set_nodelay(true);
                connections.spawn(async move {
                    let (Ok(mut tls), Ok(mut plain)) =
                        (acceptor.accept(stream).await, TcpStream::connect(upstream).await)
                    else {
                        return;
                    };
                    let _ = plain.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Self { url, ca_bundle, task }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}
