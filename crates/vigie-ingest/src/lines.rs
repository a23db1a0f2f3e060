//! Line reading with a cap on line length, for JSONL inputs.

use std::io::{BufRead, BufReader, Read};

/// One line of input.
pub(crate) enum Line<'a> {
    /// A line within the cap, without its line terminator.
    Text(&'a [u8]),
    /// A line longer than the cap; its first bytes (up to the cap) are kept for the quarantine.
    TooLong(&'a [u8]),
}

/// Reads lines of at most `cap` bytes; a longer line is skipped to its end without being held in memory.
pub(crate) struct CappedLines<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    cap: usize,
    /// The 1-based number of the line last returned.
    pub(crate) line_no: u64,
}

impl<R: Read> CappedLines<R> {
    pub(crate) fn new(inner: R, cap: usize) -> Self {
        CappedLines {
            reader: BufReader::with_capacity(256 * 1024, inner),
            buf: Vec::new(),
            cap,
            line_no: 0,
        }
    }

    /// The next line with its 1-based number, or `None` at the end of input.
    pub(crate) fn next_line(&mut self) -> std::io::Result<Option<(u64, Line<'_>)>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match memchr_newline(chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                let room = self.cap.saturating_sub(self.buf.len());
                let data = &chunk[..take];
                let data = if done { &data[..data.len() - 1] } else { data };
                if data.len() > room {
                    self.buf.extend_from_slice(&data[..room]);
                    too_long = true;
                } else {
                    self.buf.extend_from_slice(data);
                }
            }
            self.reader.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some((
            self.line_no,
            if too_long {
                Line::TooLong(&self.buf)
            } else {
                Line::Text(&self.buf)
            },
        )))
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_long_lines_and_counts() {
        let input = b"short\r\nthis line is too long\nlast";
        let mut lines = CappedLines::new(&input[..], 8);
        let mut seen = Vec::new();
        while let Ok(Some((_, line))) = lines.next_line() {
            seen.push(match line {
                Line::Text(t) => format!("ok:{}", String::from_utf8_lossy(t)),
                Line::TooLong(t) => format!("long:{}", String::from_utf8_lossy(t)),
            });
        }
        assert_eq!(seen, ["ok:short", "long:this lin", "ok:last"]);
        assert_eq!(lines.line_no, 3);
    }
}
