//! Tests for the telegram adapter.
