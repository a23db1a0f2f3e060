//! Tests for the jsonl adapter.
