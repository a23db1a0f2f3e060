//! A byte budget per record for streaming parsers that buffer a whole record before handing it over (the CSV
//! reader, serde's raw values): one endless record, such as an unterminated quote, must not take unbounded
//! memory.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

/// Parsers read ahead in chunks; this much beyond the record limit is tolerated before refusing.
pub(crate) const BUFFER_SLACK: usize = 64 * 1024;

/// The message of the budget error, so it is told apart from real I/O errors.
pub(crate) const OVER_BUDGET: &str = "vigie: record over its byte budget";

/// A reader that fails once more than `cap` bytes were read since the caller last reset the shared count
/// (at each record boundary it observes).
pub(crate) struct RecordBudget<R> {
    inner: R,
    read: Rc<Cell<usize>>,
    cap: usize,
}

impl<R> RecordBudget<R> {
    /// Wraps `inner` with a budget of `max_record_bytes` (plus read-ahead slack); returns the reader and the
    /// shared count to reset with `set(0)` after each record.
    pub(crate) fn new(inner: R, max_record_bytes: usize) -> (Self, Rc<Cell<usize>>) {
        let read = Rc::new(Cell::new(0));
        (
            RecordBudget {
                inner,
                read: Rc::clone(&read),
                cap: max_record_bytes + BUFFER_SLACK,
            },
            read,
        )
    }
}

impl<R: Read> Read for RecordBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.get() > self.cap {
            return Err(std::io::Error::other(OVER_BUDGET));
        }
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_past_the_budget_until_reset() {
        let data = vec![b'a'; 200_000];
        let (mut reader, count) = RecordBudget::new(&data[..], 10);
        let mut buf = vec![0u8; 100_000];
        assert!(reader.read(&mut buf).is_ok());
        let err = reader.read(&mut buf).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(OVER_BUDGET));
        count.set(0);
        assert!(reader.read(&mut buf).is_ok());
    }
}
