//! Store connections for async handlers. The store is synchronous; each call takes a free connection and
//! runs on tokio's blocking threads, so a slow query never stalls the threads that serve other requests.

use crate::AppError;
use std::sync::Mutex;
use tokio::sync::Semaphore;
use vigie_store::{Store, StoreError};

type Opener = std::sync::Arc<dyn Fn() -> Result<Box<dyn Store>, StoreError> + Send + Sync>;

/// A fixed set of open stores.
pub struct Pool {
    free: Mutex<Vec<Box<dyn Store>>>,
    permits: Semaphore,
    open: Opener,
}

impl Pool {
    /// Opens `size` connections with `open` (at least one), each prepared for serving reads
    /// ([`Store::serve_reads`]).
    pub fn new(
        size: usize,
        open: impl Fn() -> Result<Box<dyn Store>, StoreError> + Send + Sync + 'static,
    ) -> Result<Pool, StoreError> {
        let size = size.max(1);
        let open = move || {
            let mut store = open()?;
            store.serve_reads()?;
            Ok(store)
        };
        let mut free = Vec::with_capacity(size);
        for _ in 0..size {
            free.push(open()?);
        }
        Ok(Pool {
            free: Mutex::new(free),
            permits: Semaphore::new(size),
            open: std::sync::Arc::new(open),
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
        let opener = self.open.clone();
        let joined = tokio::task::spawn_blocking(move || {
            // A connection lost to a panic is replaced, here on a blocking thread: opening a PostgreSQL
            // connection blocks.
            let mut store = match store {
                Some(s) => s,
                None => match opener() {
                    Ok(s) => s,
                    Err(e) => return (None, Err(e)),
                },
            };
            let r = f(store.as_mut());
            (Some(store), r)
        })
        .await;
        match joined {
            Ok((store, r)) => {
                if let (Some(store), Ok(mut free)) = (store, self.free.lock()) {
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

impl Drop for Pool {
    /// Closes the connections on a plain thread: the PostgreSQL client blocks on its runtime when it closes,
    /// which is refused on the server's async threads (where the last handle to the pool is often dropped).
    fn drop(&mut self) {
        let stores = self.free.get_mut().map(std::mem::take).unwrap_or_default();
        if stores.is_empty() {
            return;
        }
        let _ = std::thread::spawn(move || drop(stores)).join();
    }
}
