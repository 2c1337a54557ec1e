//! Does a server certificate name the host pgtune connected to? libpq's rule
//! (fe-secure-openssl.c), which is not webpki's: the subjectAltName entries of the host's kind (DNS
//! names for a host name, IP addresses for an address) decide; when there are none, the subject's
//! Common Name does, which matters because the certificate PostgreSQL's documentation shows how to
//! make (`openssl req -x509 -subj /CN=host`) carries only a CN. DNS names compare without regard to
//! case, and a leading `*.` stands for exactly one label.

use std::net::IpAddr;

use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

/// The names a certificate is for.
#[derive(Debug, Default)]
pub struct CertNames {
    dns: Vec<String>,
    ips: Vec<IpAddr>,
    common_names: Vec<String>,
}

const COMMON_NAME: &str = "2.5.4.3";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";

impl CertNames {
    pub fn of(cert: &x509_cert::Certificate) -> CertNames {
        let mut names = CertNames::default();
        let tbs = &cert.tbs_certificate;
        for ext in tbs.extensions.iter().flatten() {
            if ext.extn_id.to_string() != SUBJECT_ALT_NAME {
                continue;
            }
            let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
                continue;
            };
            for name in san.0 {
                match name {
                    GeneralName::DnsName(dns) => names.dns.push(dns.to_string()),
                    GeneralName::IpAddress(ip) => match ip.as_bytes().len() {
                        4 => {
                            let b: [u8; 4] = ip.as_bytes().try_into().unwrap_or_default();
                            names.ips.push(IpAddr::from(b));
                        }
                        16 => {
                            let b: [u8; 16] = ip.as_bytes().try_into().unwrap_or_default();
                            names.ips.push(IpAddr::from(b));
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        for rdn in &tbs.subject.0 {
            for atv in rdn.0.iter() {
                if atv.oid.to_string() == COMMON_NAME {
                    // PrintableString, UTF8String and IA5String all hold the text as is.
                    if let Ok(der) = atv.value.to_der() {
                        if let Ok(any) = x509_cert::der::Any::from_der(&der) {
                            names
                                .common_names
                                .push(String::from_utf8_lossy(any.value()).into_owned());
                        }
                    }
                }
            }
        }
        names
    }

    /// libpq's verify-full check of `host` against these names.
    pub fn matches(&self, host: &str) -> bool {
        let host_ip: Option<IpAddr> = host.trim_matches(['[', ']']).parse().ok();
        // DNS entries are compared to the host text even when it is an address, as libpq does.
        if self.dns.iter().any(|name| dns_matches(name, host)) {
            return true;
        }
        if let Some(ip) = host_ip {
            if self.ips.contains(&ip) {
                return true;
            }
        }
        let san_of_host_kind = match host_ip {
            Some(_) => !self.ips.is_empty(),
            None => !self.dns.is_empty(),
        };
        !san_of_host_kind && self.common_names.iter().any(|cn| dns_matches(cn, host))
    }

    /// The names, for a refusal: "localhost, 10.0.0.1".
    pub fn describe(&self) -> String {
        let mut all: Vec<String> = self.dns.clone();
        all.extend(self.ips.iter().map(|ip| ip.to_string()));
        if all.is_empty() {
            all = self.common_names.clone();
        }
        if all.is_empty() {
            return "no host name".into();
        }
        all.iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One certificate name against the host: case-insensitive, `*.` matching one whole leftmost label.
fn dns_matches(name: &str, host: &str) -> bool {
    if name.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = name.strip_prefix('*') else {
        return false;
    };
    if !suffix.starts_with('.') || host.len() <= suffix.len() {
        return false;
    }
    let (label, rest) = host.split_at(host.len() - suffix.len());
    rest.eq_ignore_ascii_case(suffix) && !label.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dns: &[&str], ips: &[&str], cns: &[&str]) -> CertNames {
        CertNames {
            dns: dns.iter().map(|s| s.to_string()).collect(),
            ips: ips.iter().map(|s| s.parse().unwrap()).collect(),
            common_names: cns.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn common_name_counts_only_without_a_san_of_the_host_kind() {
        let cn_only = names(&[], &[], &["db.example.com"]);
        assert!(cn_only.matches("db.example.com"));
        assert!(cn_only.matches("DB.Example.COM"));
        assert!(!cn_only.matches("other.example.com"));
        let with_dns = names(&["localhost"], &[], &["db.example.com"]);
        assert!(
            !with_dns.matches("db.example.com"),
            "a DNS SAN hides the CN"
        );
        assert!(with_dns.matches("localhost"));
        // An IP host: only IP SANs hide the CN.
        let cn_ip = names(&["localhost"], &[], &["127.0.0.1"]);
        assert!(cn_ip.matches("127.0.0.1"));
        let ip_san = names(&[], &["127.0.0.1"], &["10.0.0.1"]);
        assert!(ip_san.matches("127.0.0.1"));
        assert!(!ip_san.matches("10.0.0.1"));
        assert!(names(&[], &["::1"], &[]).matches("::1"));
    }

    #[test]
    fn wildcards_match_one_leftmost_label() {
        let wild = names(&["*.example.com"], &[], &[]);
        assert!(wild.matches("db.example.com"));
        assert!(wild.matches("DB.EXAMPLE.com"));
        assert!(!wild.matches("a.b.example.com"));
        assert!(!wild.matches("example.com"));
        assert!(!wild.matches(".example.com"));
        assert!(!names(&["*example.com"], &[], &[]).matches("db.example.com"));
    }
}
