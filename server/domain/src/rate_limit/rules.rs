//! What is limited: route groups, the subjects counted in each, quotas, and the table of rules
//! an operator can change with `--rate-limit group.subject=N/period` (or `=off`).

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// Routes that share one set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Password and passkey sign-in, step-up with a password.
    SignIn,
    /// Second-factor codes and recovery codes.
    Totp,
    /// The OAuth token and revocation endpoints.
    OAuthToken,
    /// Token introspection (resource servers).
    Introspection,
    /// Authorization, discovery and JWKS.
    OAuth,
    /// The REST API under `/api/v1`.
    Api,
    /// Leak reports from secret scanners (no credential).
    LeakReports,
}

impl Group {
    pub const ALL: [Group; 7] =
        [Group::SignIn, Group::Totp, Group::OAuthToken, Group::Introspection, Group::OAuth, Group::Api, Group::LeakReports];

    pub fn name(self) -> &'static str {
        match self {
            Group::SignIn => "sign_in",
            Group::Totp => "totp",
            Group::OAuthToken => "oauth_token",
            Group::Introspection => "introspection",
            Group::OAuth => "oauth",
            Group::Api => "api",
            Group::LeakReports => "leak_reports",
        }
    }

    /// The subjects counted in this group, with the default quota of each. Addresses get more room
    /// than one credential: offices and NATs put many people behind one.
    fn defaults(self) -> &'static [(SubjectKind, u32)] {
        use SubjectKind::*;
        match self {
            Group::SignIn => &[(Ip, 60), (User, 10)],
            Group::Totp => &[(Ip, 60), (User, 10)],
            Group::OAuthToken => &[(Ip, 600), (Client, 300)],
            Group::Introspection => &[(Ip, 6000), (Client, 6000)],
            Group::OAuth => &[(Ip, 600)],
            Group::Api => &[(Ip, 6000), (Token, 1200), (Client, 2400), (User, 2400)],
            Group::LeakReports => &[(Ip, 10)],
        }
    }
}

/// The kinds of subject a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Token,
    Client,
    User,
    Ip,
}

impl SubjectKind {
    pub fn name(self) -> &'static str {
        match self {
            SubjectKind::Token => "token",
            SubjectKind::Client => "client",
            SubjectKind::User => "user",
            SubjectKind::Ip => "ip",
        }
    }
}

/// `limit` requests per `period`, refilled evenly (GCRA), with bursts up to `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: NonZeroU32,
    pub period: Duration,
}

impl Quota {
    pub fn per_minute(limit: NonZeroU32) -> Quota {
        Quota { limit, period: Duration::from_secs(60) }
    }

    /// How long one request's worth of quota takes to come back.
    pub fn interval(&self) -> Duration {
        self.period / self.limit.get()
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.limit, self.period.as_secs())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("a rate limit reads group.subject=N/period (period s, m or h) or group.subject=off, e.g. api.token=1200/m")]
    Shape,
    #[error("unknown rate-limit group {0:?}; groups: sign_in, totp, oauth_token, introspection, oauth, api, leak_reports")]
    Group(String),
    #[error("the {group} group counts {kinds}, not {subject:?}")]
    Subject { group: &'static str, kinds: String, subject: String },
}

/// One operator setting: a quota for one subject of one group, or none (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub group: Group,
    pub kind: SubjectKind,
    pub quota: Option<Quota>,
}

impl FromStr for Rule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Rule, RuleError> {
        let (target, value) = s.trim().split_once('=').ok_or(RuleError::Shape)?;
        let (group_name, kind_name) = target.split_once('.').ok_or(RuleError::Shape)?;
        let group = Group::ALL.into_iter().find(|g| g.name() == group_name).ok_or_else(|| RuleError::Group(group_name.to_owned()))?;
        let kind = group.defaults().iter().map(|(k, _)| *k).find(|k| k.name() == kind_name).ok_or_else(|| RuleError::Subject {
            group: group.name(),
            kinds: group.defaults().iter().map(|(k, _)| k.name()).collect::<Vec<_>>().join(", "),
            subject: kind_name.to_owned(),
        })?;
        if value == "off" {
            return Ok(Rule { group, kind, quota: None });
        }
        let (n, unit) = value.split_once('/').ok_or(RuleError::Shape)?;
        let limit = n.parse::<NonZeroU32>().map_err(|_| RuleError::Shape)?;
        let period = match unit {
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return Err(RuleError::Shape),
        };
        Ok(Rule { group, kind, quota: Some(Quota { limit, period }) })
    }
}

/// The quota of every (group, subject kind): the defaults with the operator's rules on top.
#[derive(Debug, Clone)]
pub struct LimitTable(HashMap<(Group, SubjectKind), Quota>);

impl LimitTable {
    pub fn new(rules: &[Rule]) -> LimitTable {
        let mut table = HashMap::new();
        for group in Group::ALL {
            for (kind, per_minute) in group.defaults() {
                if let Some(n) = NonZeroU32::new(*per_minute) {
                    table.insert((group, *kind), Quota::per_minute(n));
                }
            }
        }
        for rule in rules {
            match rule.quota {
                Some(q) => table.insert((rule.group, rule.kind), q),
                None => table.remove(&(rule.group, rule.kind)),
            };
        }
        LimitTable(table)
    }

    pub fn quota(&self, group: Group, kind: SubjectKind) -> Option<Quota> {
        self.0.get(&(group, kind)).copied()
    }

    pub fn entries(&self) -> impl Iterator<Item = (Group, SubjectKind, Quota)> + '_ {
        self.0.iter().map(|((g, k), q)| (*g, *k, *q))
    }
}

impl Default for LimitTable {
    fn default() -> Self {
        LimitTable::new(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_override_the_defaults() {
        let rule: Rule = "api.token=5/s".parse().unwrap();
        assert_eq!(rule.quota, Some(Quota { limit: NonZeroU32::new(5).unwrap(), period: Duration::from_secs(1) }));
        let off: Rule = "introspection.client=off".parse().unwrap();
        let table = LimitTable::new(&[rule, off]);
        assert_eq!(table.quota(Group::Api, SubjectKind::Token).unwrap().limit.get(), 5);
        assert_eq!(table.quota(Group::Introspection, SubjectKind::Client), None);
        assert_eq!(table.quota(Group::Api, SubjectKind::User).unwrap().limit.get(), 2400);
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert_eq!("api.token".parse::<Rule>(), Err(RuleError::Shape));
        assert_eq!("api.token=0/m".parse::<Rule>(), Err(RuleError::Shape));
        assert_eq!("api.token=5/d".parse::<Rule>(), Err(RuleError::Shape));
        assert_eq!("web.ip=5/m".parse::<Rule>(), Err(RuleError::Group("web".into())));
        let err = "leak_reports.token=5/m".parse::<Rule>().unwrap_err();
        assert_eq!(err.to_string(), "the leak_reports group counts ip, not \"token\"");
    }
}
