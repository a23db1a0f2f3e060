//! Options and limits shared by the adapters.

use std::collections::BTreeMap;

/// Limits and choices for reading inputs. Every field has a safe default.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The largest single record: one JSONL line, one CSV row, one Telegram message, one X response
    /// file. Larger records are quarantined unread. Default 16 MiB.
    pub max_record_bytes: usize,
    /// Column names for CSV fields, for CSVs whose header does not use Vigie's names.
    pub csv_columns: ColumnMap,
    /// The platform of generic JSONL and CSV records that do not name one. Default `generic`.
    pub default_platform: Option<String>,
    /// Public names (`t.me/<name>`) of Telegram channels by chat id, for exports that do not carry them
    /// (Telegram Desktop's): their posts then get public permalinks. An id may be written with the Bot API's
    /// `-100` prefix or without.
    pub telegram_channels: BTreeMap<String, String>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_record_bytes: 16 * 1024 * 1024,
            csv_columns: ColumnMap::default(),
            default_platform: None,
            telegram_channels: BTreeMap::new(),
        }
    }
}

/// A mapping from Vigie's CSV field names (`id`, `text`, ...) to the column names a file uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap(pub BTreeMap<String, String>);

impl ColumnMap {
    /// Parses `FIELD=COLUMN` pairs.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<ColumnMap, String> {
        let mut map = BTreeMap::new();
        for pair in pairs {
            let (field, column) = pair
                .split_once('=')
                .ok_or_else(|| format!("column mapping {pair:?} is not FIELD=COLUMN"))?;
            let field = field.trim();
            if !crate::csv::FIELDS.contains(&field) {
                return Err(format!(
                    "column mapping {pair:?}: unknown field {field:?}; fields are {}",
                    crate::csv::FIELDS.join(", ")
                ));
            }
            map.insert(field.to_owned(), column.trim().to_owned());
        }
        Ok(ColumnMap(map))
    }
}
