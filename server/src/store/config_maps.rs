//! Config maps in local mode — for `configMapKeyRef` and artifact
//! repositories —: plain values, one row per key, and their annotations.

use std::collections::BTreeMap;

use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// Create or replace a config map: all its keys and annotations, in
    /// one transaction.
    pub async fn put_config_map(
        &self,
        namespace: &str,
        name: &str,
        data: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
        now: Time,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for table in ["config_maps", "config_map_annotations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE namespace = $1 AND name = $2"))
                .bind(namespace)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        for (k, v) in data {
            sqlx::query(
                "INSERT INTO config_maps (namespace, name, key, value, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(namespace)
            .bind(name)
            .bind(k)
            .bind(v)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
        }
        for (k, v) in annotations {
            sqlx::query(
                "INSERT INTO config_map_annotations (namespace, name, key, value) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(namespace)
            .bind(name)
            .bind(k)
            .bind(v)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The annotations of a namespace's config maps, by name.
    pub async fn config_map_annotations_in(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, key, value FROM config_map_annotations WHERE namespace = $1 \
             ORDER BY name, key",
        )
        .bind(namespace)
        .fetch_all(&self.pool)
        .await?;
        by_name(rows)
    }

    /// A config map's data; `None` if it does not exist.
    pub async fn config_map(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        let rows = sqlx::query(
            "SELECT key, value FROM config_maps WHERE namespace = $1 AND name = $2 ORDER BY key",
        )
        .bind(namespace)
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        rows.iter()
            .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
            .collect::<Result<_, StoreError>>()
            .map(Some)
    }

    /// Every config map of a namespace, by name (what a task may read).
    pub async fn config_maps_in(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, key, value FROM config_maps WHERE namespace = $1 ORDER BY name, key",
        )
        .bind(namespace)
        .fetch_all(&self.pool)
        .await?;
        by_name(rows)
    }

    /// Delete a config map; returns whether it existed.
    pub async fn delete_config_map(&self, namespace: &str, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM config_map_annotations WHERE namespace = $1 AND name = $2")
            .bind(namespace)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM config_maps WHERE namespace = $1 AND name = $2")
            .bind(namespace)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

/// `(name, key, value)` rows as name → key → value.
fn by_name(
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, StoreError> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.try_get("name")?).or_default().insert(r.try_get("key")?, r.try_get("value")?);
    }
    Ok(out)
}
