//! The address a request came from, as the sign-in limiter and the audit log count it.
//!
//! Behind a reverse proxy (docs/DEPLOY.md) every connection comes from the proxy, so without
//! this every person would share one address's sign-in budget: one attacker would lock
//! everyone out. With `trusted_proxies` set, a connection from one of them is credited to the
//! address the proxy appended to `X-Forwarded-For`: walking the list from the right, past the
//! trusted proxies, to the first address that is not one. Anything left of it was written by
//! the client and is never believed. A connection from any other address is credited to that
//! address whatever headers it sends, so the header cannot be forged from outside.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// Most `X-Forwarded-For` hops read (a longer list is cut: only its right end is trusted).
pub const MAX_FORWARDED_HOPS: usize = 16;

/// The client's address (see the module documentation).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_FORWARDED_HOPS) {
        // A hop that is not an address ends the walk: what is left of it cannot be trusted.
        let Ok(addr) = hop.parse::<IpAddr>() else {
            break;
        };
        client = addr;
        if !trusted_proxies.contains(&addr) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = forwarded(&["203.0.113.7"]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }

    #[test]
    fn a_connection_from_elsewhere_cannot_forge_its_address() {
        let h = forwarded(&["203.0.113.7"]);
        let trusted = [ip("127.0.0.1")];
        assert_eq!(
            client_addr(ip("198.51.100.9"), &h, &trusted),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn behind_the_proxy_the_address_it_appended_counts() {
        let trusted = [ip("127.0.0.1")];
        // nginx's $proxy_add_x_forwarded_for: whatever the client sent, then its address.
        let h = forwarded(&["10.9.9.9, 203.0.113.7"]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &trusted),
            ip("203.0.113.7")
        );
        // The same as two header lines.
        let h = forwarded(&["10.9.9.9", "203.0.113.7"]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_past() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let h = forwarded(&["1.2.3.4, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_hop_that_is_not_an_address_stops_the_walk_at_the_last_trusted_one() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let h = forwarded(&["203.0.113.7, not-an-address, 10.0.0.2"]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &trusted), ip("10.0.0.2"));
        let h = forwarded(&[]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &trusted), ip("127.0.0.1"));
    }

    #[test]
    fn ipv6_addresses_are_read() {
        let trusted = [ip("::1")];
        let h = forwarded(&["2001:db8::7"]);
        assert_eq!(client_addr(ip("::1"), &h, &trusted), ip("2001:db8::7"));
    }
}
