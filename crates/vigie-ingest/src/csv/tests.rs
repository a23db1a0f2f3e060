//! Tests for the csv adapter.
