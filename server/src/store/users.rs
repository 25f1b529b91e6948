//! Users, their roles per namespace and their API tokens. The store keeps
//! what `auth` decides with: password hashes (argon2id, made by
//! `auth::password`) and token digests (SHA-256, `auth::token`) — never a
//! password or a token itself.

use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

/// A user as stored: name and password hash.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub name: String,
    pub password_hash: String,
    pub created_at: Time,
}

/// A role a user holds in a namespace (`*`: every namespace). The role is
/// kept as text; `auth::Role` gives it meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub namespace: String,
    pub role: String,
}

/// An API token as stored (its digest, not the token).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub user_name: String,
    pub name: String,
    pub created_at: Time,
    pub expires_at: Option<Time>,
    pub revoked_at: Option<Time>,
}

impl Store {
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// Create a user with these bindings; `AlreadyExists` if the name is
    /// taken.
    pub async fn create_user(
        &self,
        name: &str,
        password_hash: &str,
        bindings: &[Binding],
        now: Time,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(password_hash)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::UserExists(name.to_string()));
        }
        insert_bindings(&mut tx, name, bindings).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query("SELECT name, password_hash, created_at FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| user_row(&r)).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = sqlx::query("SELECT name, password_hash, created_at FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_row).collect()
    }

    /// Replace a user's password hash; whether the user exists.
    pub async fn set_password(&self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
            .bind(password_hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Delete a user, with their bindings and tokens; whether they existed.
    pub async fn delete_user(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Explicit, not only ON DELETE CASCADE: SQLite connections opened
        // elsewhere may not enforce foreign keys.
        for table in ["role_bindings", "api_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_name = $1"))
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        let done =
            sqlx::query("DELETE FROM users WHERE name = $1").bind(name).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn bindings(&self, user: &str) -> Result<Vec<Binding>, StoreError> {
        let rows = sqlx::query(
            "SELECT namespace, role FROM role_bindings WHERE user_name = $1 ORDER BY namespace",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(Binding { namespace: r.try_get("namespace")?, role: r.try_get("role")? }))
            .collect()
    }

    /// Replace all of a user's bindings.
    pub async fn set_bindings(&self, user: &str, bindings: &[Binding]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM role_bindings WHERE user_name = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        insert_bindings(&mut tx, user, bindings).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_token(&self, t: &TokenRow, digest: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_name, name, hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.id)
        .bind(&t.user_name)
        .bind(&t.name)
        .bind(digest)
        .bind(t.created_at.0)
        .bind(t.expires_at.map(|e| e.0))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The token with this digest, revoked or not.
    pub async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1"))
            .bind(digest)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| token_row(&r)).transpose()
    }

    pub async fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| token_row(&r)).transpose()
    }

    /// A user's tokens (every user's when `None`), newest first.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
        let rows = match user {
            Some(u) => {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_name = $1 \
                     ORDER BY created_at DESC, id"
                ))
                .bind(u)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(token_row).collect()
    }

    /// Revoke a token (kept, marked, so listings show it); whether it was
    /// live.
    pub async fn revoke_token(&self, id: &str, now: Time) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

const TOKEN_COLUMNS: &str = "id, user_name, name, created_at, expires_at, revoked_at";

async fn insert_bindings(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &str,
    bindings: &[Binding],
) -> Result<(), StoreError> {
    for b in bindings {
        sqlx::query("INSERT INTO role_bindings (user_name, namespace, role) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(&b.namespace)
            .bind(&b.role)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn user_row(r: &sqlx::any::AnyRow) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        created_at: Time(r.try_get("created_at")?),
    })
}

fn token_row(r: &sqlx::any::AnyRow) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        user_name: r.try_get("user_name")?,
        name: r.try_get("name")?,
        created_at: Time(r.try_get("created_at")?),
        expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(Time),
        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Time),
    })
}
