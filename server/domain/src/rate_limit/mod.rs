//! Request rate limits, per route group and per subject (token, OAuth client, user, address).
//! Counting happens in this process (`InProcess`, GCRA from `governor`, no future and no
//! allocation on the request path); on PostgreSQL the groups replicas must share go to a `Counter`
//! in the database (`InDatabase`).

mod decision;
mod in_database;
mod in_process;
mod rules;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

pub use decision::Decision;
pub use in_database::InDatabase;
pub use in_process::InProcess;
pub use rules::{Group, LimitTable, Quota, Rule, RuleError, SubjectKind};

/// Who a request is counted against. Ids are opaque strings (never secrets).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Token(String),
    Client(String),
    User(String),
    Ip(IpAddr),
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Token(_) => SubjectKind::Token,
            Subject::Client(_) => SubjectKind::Client,
            Subject::User(_) => SubjectKind::User,
            Subject::Ip(_) => SubjectKind::Ip,
        }
    }
}

/// Counts requests. Every subject of a call is counted, and the tightest outcome is returned.
pub trait Counter: Send + Sync + 'static {
    fn hit<'a>(
        &'a self,
        group: Group,
        subjects: &'a [(Subject, Quota)],
    ) -> Pin<Box<dyn Future<Output = crate::Result<Decision>> + Send + 'a>>;

    /// Forgets subjects whose quota is full again, so memory follows the active set.
    fn prune(&self);
}

impl Group {
    /// Whether replicas share this group's counts (on PostgreSQL).
    pub fn shared(self) -> bool {
        matches!(self, Group::SignIn | Group::Totp | Group::OAuthToken | Group::LeakReports)
    }
}

/// The limits of this process: the operator's table, the counts kept in this process, and, on
/// PostgreSQL, the counts replicas share.
#[derive(Clone)]
pub struct RateLimits {
    table: Arc<LimitTable>,
    local: Arc<InProcess>,
    shared: Option<Arc<dyn Counter>>,
}

impl RateLimits {
    /// The default: counted in this process.
    pub fn in_process(table: LimitTable) -> RateLimits {
        let local = Arc::new(InProcess::new(&table));
        RateLimits { table: Arc::new(table), local, shared: None }
    }

    /// Counted in this process on SQLite (one process). On PostgreSQL the groups that guard
    /// against guessing and abuse (sign-in, second factors, the token endpoint, leak reports) are
    /// counted in the database, so replicas share them; the high-volume groups (the REST API,
    /// introspection, discovery) stay in the process, keeping the token hot path free of database
    /// writes (DESIGN.md §4) — their quotas are per replica.
    pub fn for_store(table: LimitTable, store: &crate::store::Store) -> RateLimits {
        let limits = RateLimits::in_process(table);
        match store.backend() {
            crate::store::Backend::Sqlite => limits,
            crate::store::Backend::Postgres => RateLimits { shared: Some(Arc::new(InDatabase::new(store.clone()))), ..limits },
        }
    }

    /// Counts at once, without a future, when `group` is counted in this process: `Some` with the
    /// outcome (`None` inside when no subject has a quota there). `None` when replicas share the
    /// group's counts and the database must be asked (`check`). The request path of the REST API
    /// uses this: a bad request must cost no more than a bare route.
    pub fn check_now(&self, group: Group, subjects: &[Subject]) -> Option<Option<Decision>> {
        if group.shared() && self.shared.is_some() {
            return None;
        }
        Some(self.local.count_now(group, subjects))
    }

    /// Counts one request of `group` against each subject that has a quota there; `None` when
    /// none has one (nothing to report).
    pub async fn check(&self, group: Group, subjects: impl IntoIterator<Item = Subject>) -> crate::Result<Option<Decision>> {
        let subjects: Vec<Subject> = subjects.into_iter().collect();
        let shared = match self.check_now(group, &subjects) {
            Some(outcome) => return Ok(outcome),
            None => self.shared.as_ref().ok_or_else(|| crate::Error::internal_msg("a shared rate-limit group without a shared counter"))?,
        };
        let with_quota: Vec<(Subject, Quota)> =
            subjects.into_iter().filter_map(|s| self.table.quota(group, s.kind()).map(|q| (s, q))).collect();
        if with_quota.is_empty() {
            return Ok(None);
        }
        shared.hit(group, &with_quota).await.map(Some)
    }

    pub fn prune(&self) {
        self.local.prune();
        if let Some(shared) = &self.shared {
            shared.prune();
        }
    }
}
