//! Store connections for async handlers. The store is synchronous; each call takes a free connection and
//! runs on tokio's blocking threads, so a slow query never stalls the threads that serve other requests.

use crate::AppError;
use std::sync::Mutex;
use tokio::sync::Semaphore;
use vigie_store::{Store, StoreError};

type Opener = Box<dyn Fn() -> Result<Box<dyn Store>, StoreError> + Send + Sync>;

/// A fixed set of open stores.
pub struct Pool {
    free: Mutex<Vec<Box<dyn Store>>>,
    permits: Semaphore,
    open: Opener,
}

impl Pool {
    /// Opens `size` connections with `open` (at least one).
    pub fn new(
        size: usize,
        open: impl Fn() -> Result<Box<dyn Store>, StoreError> + Send + Sync + 'static,
    ) -> Result<Pool, StoreError> {
        let size = size.max(1);
        let mut free = Vec::with_capacity(size);
        for _ in 0..size {
            free.push(open()?);
        }
        Ok(Pool {
            free: Mutex::new(free),
            permits: Semaphore::new(size),
            open: Box::new(open),
        })
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| {
            AppError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "shutting down")
        })?;
        let store = self.free.lock().ok().and_then(|mut f| f.pop());
        let mut store = match store {
            Some(s) => s,
            // A connection lost to a panic is replaced.
            None => (self.open)()?,
        };
        let joined = tokio::task::spawn_blocking(move || {
            let r = f(store.as_mut());
            (store, r)
        })
        .await;
        match joined {
            Ok((store, r)) => {
                if let Ok(mut free) = self.free.lock() {
                    free.push(store);
                }
                Ok(r?)
            }
            Err(e) => {
                tracing::error!("store call panicked: {e}");
                Err(AppError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error (logged)",
                ))
            }
        }
    }
}
