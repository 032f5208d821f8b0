//! The SSRF guard (DESIGN.md §4): deliveries go only to public addresses,
//! judged on the resolved IP right before connecting, unless the operator's
//! allow-list (`HERALD_ALLOWED_NETWORKS`) says otherwise.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Networks the operator lets deliveries reach even though they are not public.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList(Vec<IpNet>);

impl AllowList {
    /// Comma-separated CIDRs or bare addresses; blank entries are ignored.
    pub fn parse(spec: &str) -> Result<Self, String> {
        spec.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("`{entry}` is not a network like 10.0.0.0/8 or an address like 127.0.0.1")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }

    pub fn networks(&self) -> &[IpNet] {
        &self.0
    }

    /// IPv4-mapped IPv6 addresses match IPv4 entries, since they reach the same host.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.0
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&canonical))
    }
}

/// Why a delivery was not sent; recorded on the attempt so the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refused to connect to {ip} ({reason}) for host {host}; allow it with HERALD_ALLOWED_NETWORKS"
)]
pub struct BlockedAddress {
    pub host: String,
    pub ip: IpAddr,
    pub reason: &'static str,
}

/// Why an address is not a public destination, or None if it is.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    let reason = match (a, b, c, d) {
        (0, 0, 0, 0) => "unspecified",
        (0, ..) => "this network",
        (10, ..) => "private",
        (100, 64..=127, ..) => "shared address space (CGNAT)",
        (127, ..) => "loopback",
        (169, 254, 169, 254) => "link-local (cloud metadata)",
        (169, 254, ..) => "link-local",
        (172, 16..=31, ..) => "private",
        (192, 0, 0, _) => "IETF protocol assignments",
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => "documentation",
        (192, 88, 99, _) => "deprecated 6to4 relay anycast",
        (192, 168, ..) => "private",
        (198, 18..=19, ..) => "benchmarking",
        (224..=239, ..) => "multicast",
        (255, 255, 255, 255) => "broadcast",
        (240..=255, ..) => "reserved",
        _ => return None,
    };
    Some(reason)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| {
        let ([a, b], [c, d]) = (hi.to_be_bytes(), lo.to_be_bytes());
        Ipv4Addr::new(a, b, c, d)
    };
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // The kernel routes these to the embedded IPv4 host, so that host is what gets judged.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    if s[..6] == [0; 6] {
        return v4_reason(v4(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_reason(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return v4_reason(v4(s[1], s[2]));
    }
    let reason = match s {
        [0x64, 0xff9b, 1, ..] => "NAT64 local-use",
        [0x100, 0, 0, 0, ..] => "discard-only",
        [0x2001, 0, ..] => "Teredo",
        [0x2001, 2, 0, ..] => "benchmarking",
        [0x2001, 0xdb8, ..] => "documentation",
        [0x2001, 0x10..=0x2f, ..] => "reserved (ORCHID)",
        [0x3fff, 0..=0x0fff, ..] => "documentation",
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] => "unique-local (cloud metadata)",
        [0xfc00..=0xfdff, ..] => "unique-local",
        [0xfe80..=0xfebf, ..] => "link-local",
        [0xfec0..=0xfeff, ..] => "site-local",
        [0xff00..=0xffff, ..] => "multicast",
        // Everything public today is global unicast, 2000::/3.
        [first, ..] if first & 0xe000 != 0x2000 => "reserved",
        _ => return None,
    };
    Some(reason)
}

/// Refuses `ip` (resolved for `host`) unless it is public or allow-listed.
pub fn check(host: &str, ip: IpAddr, allow: &AllowList) -> Result<(), BlockedAddress> {
    if allow.allows(ip) {
        return Ok(());
    }
    match forbidden_reason(ip) {
        None => Ok(()),
        Some(reason) => Err(BlockedAddress {
            host: host.to_string(),
            ip,
            reason,
        }),
    }
}

/// For URLs whose host is an IP literal (reqwest does not call the resolver for those).
pub fn check_url(url: &url::Url, allow: &AllowList) -> Result<(), BlockedAddress> {
    let host = url.host_str().unwrap_or_default();
    match url.host() {
        Some(url::Host::Ipv4(v4)) => check(host, IpAddr::V4(v4), allow),
        Some(url::Host::Ipv6(v6)) => check(host, IpAddr::V6(v6), allow),
        Some(url::Host::Domain(_)) | None => Ok(()),
    }
}

/// reqwest DNS resolver: resolves with `tokio::net::lookup_host`, drops forbidden addresses;
/// if none remain, fails with the [`BlockedAddress`] of the first one (so the attempt records
/// why). Checking at resolution time means reqwest connects only to vetted addresses: no
/// DNS-rebinding window. Build the client with `no_proxy()`, or a proxy would resolve instead.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl GuardedResolver {
    pub fn new(allow: Arc<AllowList>) -> Self {
        GuardedResolver { allow }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = Arc::clone(&self.allow);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut vetted: Vec<SocketAddr> = Vec::new();
            let mut first_blocked = None;
            for addr in resolved {
                match check(&host, addr.ip(), &allow) {
                    Ok(()) if !vetted.contains(&addr) => vetted.push(addr),
                    Ok(()) => {}
                    Err(blocked) => {
                        first_blocked.get_or_insert(blocked);
                    }
                }
            }
            if vetted.is_empty() {
                return Err(match first_blocked {
                    Some(blocked) => blocked.into(),
                    None => format!("{host} resolved to no addresses").into(),
                });
            }
            let addrs: Addrs = Box::new(vetted.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn reasons_table() {
        let table: &[(&str, Option<&str>)] = &[
            ("0.0.0.0", Some("unspecified")),
            ("::", Some("unspecified")),
            ("0.1.2.3", Some("this network")),
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("::1", Some("loopback")),
            ("10.0.0.1", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.1.1", Some("link-local")),
            ("169.254.169.254", Some("link-local (cloud metadata)")),
            ("fe80::1", Some("link-local")),
            ("febf::1", Some("link-local")),
            ("fec0::1", Some("site-local")),
            ("fc00::1", Some("unique-local")),
            ("fd12:3456::1", Some("unique-local")),
            ("fd00:ec2::254", Some("unique-local (cloud metadata)")),
            ("100.64.0.1", Some("shared address space (CGNAT)")),
            ("100.127.255.255", Some("shared address space (CGNAT)")),
            ("224.0.0.1", Some("multicast")),
            ("239.255.255.250", Some("multicast")),
            ("ff02::1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("198.18.0.1", Some("benchmarking")),
            ("198.19.255.1", Some("benchmarking")),
            ("2001:2::1", Some("benchmarking")),
            ("192.0.0.192", Some("IETF protocol assignments")),
            ("192.0.2.1", Some("documentation")),
            ("198.51.100.7", Some("documentation")),
            ("203.0.113.9", Some("documentation")),
            ("2001:db8::1", Some("documentation")),
            ("3fff::1", Some("documentation")),
            ("192.88.99.1", Some("deprecated 6to4 relay anycast")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            (
                "::ffff:169.254.169.254",
                Some("link-local (cloud metadata)"),
            ),
            ("::127.0.0.1", Some("loopback")),
            ("::192.168.0.1", Some("private")),
            ("64:ff9b::127.0.0.1", Some("loopback")),
            ("64:ff9b::a9fe:a9fe", Some("link-local (cloud metadata)")),
            ("64:ff9b:1::1", Some("NAT64 local-use")),
            ("2002:7f00:1::", Some("loopback")),
            ("2002:c0a8:101::1", Some("private")),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some("Teredo")),
            ("2001:10::1", Some("reserved (ORCHID)")),
            ("100::1", Some("discard-only")),
            ("4000::1", Some("reserved")),
            ("93.184.216.34", None),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("100.63.255.255", None),
            ("100.128.0.0", None),
            ("172.15.255.255", None),
            ("172.32.0.0", None),
            ("192.0.1.1", None),
            ("198.17.255.255", None),
            ("198.20.0.0", None),
            ("223.255.255.255", None),
            ("2606:4700::1111", None),
            ("2a00:1450:4001::200e", None),
            ("::ffff:93.184.216.34", None),
            ("64:ff9b::5db8:d822", None),
            ("2002:5db8:d822::1", None),
        ];
        for (addr, expected) in table {
            assert_eq!(forbidden_reason(ip(addr)), *expected, "{addr}");
        }
    }

    #[test]
    fn allow_list_parsing() {
        assert_eq!(AllowList::parse(""), Ok(AllowList::default()));
        assert_eq!(AllowList::parse(" , "), Ok(AllowList::default()));
        let list = AllowList::parse("127.0.0.0/8, ::1 ,10.1.2.3,fd00::/8,").expect("valid");
        assert_eq!(list.networks().len(), 4);
        assert!(list.allows(ip("127.9.9.9")));
        assert!(list.allows(ip("::1")));
        assert!(list.allows(ip("10.1.2.3")));
        assert!(!list.allows(ip("10.1.2.4")));
        assert!(list.allows(ip("fd12::1")));
        assert!(list.allows(ip("::ffff:127.0.0.1")));
        let host_bits = AllowList::parse("192.168.1.77/24").expect("valid");
        assert!(host_bits.allows(ip("192.168.1.1")));
        for (spec, bad) in [
            ("127.0.0.0/8,localhost", "`localhost`"),
            ("10.0.0.0/33", "`10.0.0.0/33`"),
            ("1.2.3", "`1.2.3`"),
            ("::1/200", "`::1/200`"),
        ] {
            let err = AllowList::parse(spec).expect_err(spec);
            assert!(err.contains(bad), "{spec}: {err}");
        }
    }

    #[test]
    fn allow_list_overrides_reasons() {
        let allow = AllowList::parse("127.0.0.0/8").expect("valid");
        assert_eq!(check("localhost", ip("127.0.0.1"), &allow), Ok(()));
        let err = check("internal", ip("10.0.0.1"), &allow).expect_err("private");
        assert_eq!(err.reason, "private");
        assert_eq!(check("example.com", ip("93.184.216.34"), &allow), Ok(()));
        let err = check("localhost", ip("127.0.0.1"), &AllowList::default()).expect_err("loopback");
        assert_eq!(
            err.to_string(),
            "refused to connect to 127.0.0.1 (loopback) for host localhost; allow it with HERALD_ALLOWED_NETWORKS"
        );
    }

    #[test]
    fn ip_literal_urls() {
        let none = AllowList::default();
        let url = |s: &str| url::Url::parse(s).expect("test url");
        let err = check_url(&url("http://[::ffff:7f00:1]/"), &none).expect_err("mapped loopback");
        assert_eq!(err.reason, "loopback");
        assert_eq!(err.host, "[::ffff:7f00:1]");
        let err = check_url(&url("http://169.254.169.254/latest/meta-data/"), &none)
            .expect_err("metadata");
        assert_eq!(err.reason, "link-local (cloud metadata)");
        // The URL parser normalizes odd IPv4 spellings, so they cannot slip through as names.
        let err = check_url(&url("http://0x7f.1/"), &none).expect_err("hex loopback");
        assert_eq!(err.ip, ip("127.0.0.1"));
        let err = check_url(&url("http://2130706433:8080/"), &none).expect_err("decimal loopback");
        assert_eq!(err.reason, "loopback");
        assert_eq!(check_url(&url("https://93.184.216.34/hook"), &none), Ok(()));
        assert_eq!(check_url(&url("https://example.com/hook"), &none), Ok(()));
        let loopback = AllowList::parse("127.0.0.0/8").expect("valid");
        assert_eq!(check_url(&url("http://127.0.0.1:9/"), &loopback), Ok(()));
    }

    fn name(s: &str) -> Name {
        s.parse().expect("dns name")
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_without_allow_list() {
        let resolver = GuardedResolver::new(Arc::new(AllowList::default()));
        let err = match resolver.resolve(name("localhost")).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        let blocked = err
            .downcast_ref::<BlockedAddress>()
            .expect("a BlockedAddress");
        assert_eq!(blocked.host, "localhost");
        assert_eq!(blocked.reason, "loopback");
    }

    #[tokio::test]
    async fn resolver_allows_localhost_with_allow_list() {
        let allow = AllowList::parse("127.0.0.0/8").expect("valid");
        let resolver = GuardedResolver::new(Arc::new(allow));
        let addrs: Vec<SocketAddr> = resolver
            .resolve(name("localhost"))
            .await
            .expect("resolves")
            .collect();
        assert!(!addrs.is_empty());
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.is_ipv4()),
            "{addrs:?}"
        );
    }

    /// One-shot HTTP server answering 204, to drive a real reqwest client through the resolver.
    async fn tiny_server() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
            }
        });
        port
    }

    fn client(allow: AllowList) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::new(allow))))
            .build()
            .expect("client")
    }

    #[tokio::test]
    async fn reqwest_goes_through_the_guard() {
        let port = tiny_server().await;
        let url = format!("http://localhost:{port}/hook");
        let err = client(AllowList::default())
            .post(&url)
            .send()
            .await
            .expect_err("blocked");
        let mut source = err.source();
        let mut found = None;
        while let Some(e) = source {
            if let Some(b) = e.downcast_ref::<BlockedAddress>() {
                found = Some(b.clone());
            }
            source = e.source();
        }
        let blocked = found.expect("BlockedAddress in the error chain");
        assert_eq!(blocked.reason, "loopback");

        let allow = AllowList::parse("127.0.0.0/8").expect("valid");
        let res = client(allow).post(&url).send().await.expect("allowed");
        assert_eq!(res.status().as_u16(), 204);
    }
}
