//! "Authorized apps": the clients a person allowed, and withdrawing that permission, which also
//! revokes every refresh family the client holds for them.

use super::OAuth;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::Millis;
use crate::store::oauth_grants as rows;
use crate::{Error, Result};

pub const WITHDRAWN: &str = "access withdrawn by the user";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedApp {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<String>,
    pub granted_at: Millis,
    pub last_used_at: Option<Millis>,
}

impl OAuth {
    pub async fn authorized_apps(&self, user_id: &str) -> Result<Vec<AuthorizedApp>> {
        let mut conn = self.store().pool().acquire().await?;
        Ok(rows::authorized_apps(&mut conn, user_id)
            .await?
            .into_iter()
            .map(|r| AuthorizedApp {
                client_id: r.client_id,
                client_name: r.client_name,
                scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
                granted_at: r.granted_at,
                last_used_at: r.last_used_at,
            })
            .collect())
    }

    /// Forgets the consent and revokes the client's families for this person, in one transaction.
    pub async fn withdraw(&self, user_id: &str, client_id: &str, meta: &RequestMeta, now: Millis) -> Result<()> {
        let mut tx = self.store().begin().await?;
        if !rows::delete_consent(&mut tx, user_id, client_id).await? {
            return Err(Error::NotFound);
        }
        rows::revoke_families_of(&mut tx, user_id, client_id, WITHDRAWN, now).await?;
        audit::record(&mut tx, meta, Event { target: Some(client_id), ..Event::success(EventType::ConsentWithdrawn, Some(user_id)) }).await?;
        tx.commit().await?;
        self.forget_verified();
        Ok(())
    }
}
