//! A token's optional IP allowlist: addresses or CIDR ranges; an empty list allows any address.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::{Error, Result};

pub const MAX_ENTRIES: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allowlist(Vec<IpNet>);

impl Allowlist {
    /// Parses addresses (`192.0.2.7`, `2001:db8::1`) and ranges (`10.0.0.0/8`), separated by spaces,
    /// commas or new lines.
    pub fn parse(text: &str) -> Result<Self> {
        let nets = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| Error::invalid(format!("{:?} is not an IP address or CIDR range", s.chars().take(45).collect::<String>())))
            })
            .collect::<Result<Vec<_>>>()?;
        if nets.len() > MAX_ENTRIES {
            return Err(Error::invalid(format!("an allowlist holds at most {MAX_ENTRIES} entries")));
        }
        Ok(Allowlist(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|n| n.contains(&ip))
    }

    /// Space-separated, as stored; `None` when empty.
    pub fn to_text(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges_are_allowed_and_others_refused() {
        let a = Allowlist::parse("192.0.2.7, 10.0.0.0/8\n2001:db8::/32").unwrap();
        assert!(a.allows("192.0.2.7".parse().unwrap()));
        assert!(a.allows("10.20.30.40".parse().unwrap()));
        assert!(a.allows("2001:db8::5".parse().unwrap()));
        assert!(!a.allows("192.0.2.8".parse().unwrap()));
        assert_eq!(a.to_text().unwrap(), "192.0.2.7/32 10.0.0.0/8 2001:db8::/32");
    }

    #[test]
    fn an_empty_list_allows_everyone() {
        let a = Allowlist::parse("  ").unwrap();
        assert!(a.is_empty() && a.allows("203.0.113.1".parse().unwrap()));
        assert_eq!(a.to_text(), None);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Allowlist::parse("10.0.0.0/33").is_err());
        assert!(Allowlist::parse("example.com").is_err());
    }
}
