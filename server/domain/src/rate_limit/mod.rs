//! Request rate limits, per route group and per subject (token, OAuth client, user, address).
//! Counting sits behind `Counter`, one small interface, so replicas can later share their counts;
//! `InProcess` (GCRA from `governor`) is the default.

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

/// Shared counts for the groups that must hold across replicas, local counts for the rest.
struct ByGroup {
    local: InProcess,
    shared: InDatabase,
}

impl Group {
    /// Whether replicas share this group's counts (on PostgreSQL).
    pub fn shared(self) -> bool {
        matches!(self, Group::SignIn | Group::Totp | Group::OAuthToken | Group::LeakReports)
    }
}

impl Counter for ByGroup {
    fn hit<'a>(
        &'a self,
        group: Group,
        subjects: &'a [(Subject, Quota)],
    ) -> Pin<Box<dyn Future<Output = crate::Result<Decision>> + Send + 'a>> {
        if group.shared() { self.shared.hit(group, subjects) } else { self.local.hit(group, subjects) }
    }

    fn prune(&self) {
        self.local.prune();
        self.shared.prune();
    }
}

/// The limits of this process: the operator's table and the counter behind it.
#[derive(Clone)]
pub struct RateLimits {
    table: Arc<LimitTable>,
    counter: Arc<dyn Counter>,
}

impl RateLimits {
    pub fn new(table: LimitTable, counter: Arc<dyn Counter>) -> RateLimits {
        RateLimits { table: Arc::new(table), counter }
    }

    /// The default: counted in this process.
    pub fn in_process(table: LimitTable) -> RateLimits {
        let counter = Arc::new(InProcess::new(&table));
        RateLimits::new(table, counter)
    }

    /// Counted in this process on SQLite (one process). On PostgreSQL the groups that guard
    /// against guessing and abuse (sign-in, second factors, the token endpoint, leak reports) are
    /// counted in the database, so replicas share them; the high-volume groups (the REST API,
    /// introspection, discovery) stay in the process, keeping the token hot path free of database
    /// writes (DESIGN.md §4) — their quotas are per replica.
    pub fn for_store(table: LimitTable, store: &crate::store::Store) -> RateLimits {
        match store.backend() {
            crate::store::Backend::Sqlite => RateLimits::in_process(table),
            crate::store::Backend::Postgres => {
                let counter = ByGroup { local: InProcess::new(&table), shared: InDatabase::new(store.clone()) };
                RateLimits::new(table, Arc::new(counter))
            }
        }
    }

    /// Counts one request of `group` against each subject that has a quota there; `None` when
    /// none has one (nothing to report).
    pub async fn check(&self, group: Group, subjects: impl IntoIterator<Item = Subject>) -> crate::Result<Option<Decision>> {
        let with_quota: Vec<(Subject, Quota)> =
            subjects.into_iter().filter_map(|s| self.table.quota(group, s.kind()).map(|q| (s, q))).collect();
        if with_quota.is_empty() {
            return Ok(None);
        }
        self.counter.hit(group, &with_quota).await.map(Some)
    }

    pub fn prune(&self) {
        self.counter.prune();
    }
}
