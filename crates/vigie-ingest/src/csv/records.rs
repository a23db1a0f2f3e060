//! CSV records with a byte limit each, read with `csv-core` so that one over-long record is skipped, not the rest
//! of the file: its bytes are parsed and dropped until the record ends, and reading goes on at the next one. Only
//! an unterminated quote (which makes the rest of the file one field) ends the file early.

use csv_core::{ReadRecordResult, Reader};
use std::io::Read;

/// One record, or why there is none.
pub(crate) enum Row {
    /// A record's fields, and the line it starts on (1-based).
    Fields { line: u64, fields: csv::ByteRecord },
    /// A record longer than the limit, skipped whole; the line it starts on.
    TooLong { line: u64 },
}

/// Reads records from `inner`, each at most `max` bytes as written.
pub(crate) struct Records<R> {
    inner: R,
    core: Reader,
    max: usize,
    buf: Vec<u8>,
    /// The unread part of `buf`.
    at: usize,
    filled: usize,
    eof: bool,
    /// The line the next byte of input is on.
    line: u64,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(inner: R, max: usize) -> Records<R> {
        Records {
            inner,
            core: Reader::new(),
            max,
            buf: vec![0; 64 * 1024],
            at: 0,
            filled: 0,
            eof: false,
            line: 1,
            output: vec![0; 4096],
            ends: vec![0; 64],
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        if self.at < self.filled || self.eof {
            return Ok(());
        }
        self.at = 0;
        self.filled = self.inner.read(&mut self.buf)?;
        self.eof = self.filled == 0;
        Ok(())
    }

    /// The next record, or `None` at the end of the input.
    ///
    /// # Errors
    /// When reading fails.
    pub(crate) fn next_row(&mut self) -> std::io::Result<Option<Row>> {
        // Blank lines between records are skipped, so that a record's line is the line of its first byte.
        loop {
            self.fill()?;
            match self.buf[self.at..self.filled].first() {
                Some(b'\n') => {
                    self.line += 1;
                    self.at += 1;
                }
                Some(b'\r') => self.at += 1,
                _ => break,
            }
        }
        let line = self.line;
        let (mut nout, mut nend, mut read) = (0usize, 0usize, 0usize);
        let mut skipping = false;
        loop {
            self.fill()?;
            let input = &self.buf[self.at..self.filled];
            let (result, nin, out, end) =
                self.core
                    .read_record(input, &mut self.output[nout..], &mut self.ends[nend..]);
            self.line += input[..nin].iter().filter(|&&b| b == b'\n').count() as u64;
            self.at += nin;
            read += nin;
            if skipping {
                // The fields of a skipped record are dropped as they come.
                (nout, nend) = (0, 0);
            } else {
                nout += out;
                nend += end;
                if read > self.max {
                    skipping = true;
                    (nout, nend) = (0, 0);
                }
            }
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if !skipping {
                        let grown = self.output.len() * 2;
                        self.output.resize(grown, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if !skipping {
                        let grown = self.ends.len() * 2;
                        self.ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record => {
                    if skipping {
                        return Ok(Some(Row::TooLong { line }));
                    }
                    let mut fields = csv::ByteRecord::with_capacity(nout, nend);
                    let mut start = 0;
                    for &end in &self.ends[..nend] {
                        fields.push_field(&self.output[start..end]);
                        start = end;
                    }
                    return Ok(Some(Row::Fields { line, fields }));
                }
                ReadRecordResult::End => {
                    return Ok(skipping.then_some(Row::TooLong { line }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(body: &str, max: usize) -> Vec<String> {
        let mut records = Records::new(body.as_bytes(), max);
        let mut out = Vec::new();
        while let Some(row) = records.next_row().unwrap_or(None) {
            out.push(match row {
                Row::Fields { line, fields } => format!(
                    "{line}:{}",
                    fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect::<Vec<_>>()
                        .join("|")
                ),
                Row::TooLong { line } => format!("{line}:too long"),
            });
        }
        out
    }

    #[test]
    fn records_carry_the_line_they_start_on_and_quoted_line_breaks_count() {
        assert_eq!(
            rows("id,text\n1,\"a\nb\"\n\n2,c\r\n3,\"d\"\"e\"", 1000),
            ["1:id|text", "2:1|a\nb", "5:2|c", "6:3|d\"e"]
        );
    }

    #[test]
    fn an_over_long_record_is_skipped_and_reading_goes_on() {
        let long = "x".repeat(10_000);
        let body =
            format!("id,text\n1,ok\n2,\"{long}\nstill in the quote\"\n3,after\n4,{long}\n5,end\n");
        assert_eq!(
            rows(&body, 1000),
            [
                "1:id|text",
                "2:1|ok",
                "3:too long",
                "5:3|after",
                "6:too long",
                "7:5|end"
            ]
        );
        // An unterminated quote makes the rest of the file one record.
        let body = format!("id,text\n1,ok\n2,\"{long}\n3,never\n");
        assert_eq!(rows(&body, 1000), ["1:id|text", "2:1|ok", "3:too long"]);
    }
}
