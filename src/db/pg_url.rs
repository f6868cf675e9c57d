//! PostgreSQL URL adjustments.

/// `url` with `sslmode=disable` added when it names a loopback host and says nothing
/// about TLS. libpq's default (`prefer`) negotiates TLS even over loopback, where it
/// protects nothing and costs CPU on every round trip; an explicit `sslmode` wins.
pub fn without_loopback_tls(url: &str) -> String {
    if url.contains("sslmode=") || !is_loopback(host(url)) {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable")
}

/// The host part of a `postgres://user:password@host:port/db?params` URL.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or("");
    }
    host_port.split(':').next().unwrap_or("")
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_skip_tls_unless_told_otherwise() {
        let cases = [
            (
                "postgres://root@127.0.0.1:5432/db",
                "postgres://root@127.0.0.1:5432/db?sslmode=disable",
            ),
            (
                "postgresql://u:p@localhost/db?x=1",
                "postgresql://u:p@localhost/db?x=1&sslmode=disable",
            ),
            (
                "postgres://[::1]:5432/db",
                "postgres://[::1]:5432/db?sslmode=disable",
            ),
            (
                "postgres://root@127.0.0.1/db?sslmode=require",
                "postgres://root@127.0.0.1/db?sslmode=require",
            ),
            (
                "postgres://root@db.example.com/db",
                "postgres://root@db.example.com/db",
            ),
            (
                "postgres://u:p@127.0.0.1@evil.example/db",
                "postgres://u:p@127.0.0.1@evil.example/db",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(without_loopback_tls(input), expected, "{input}");
        }
    }
}
