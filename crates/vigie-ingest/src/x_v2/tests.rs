//! Tests for the x_v2 adapter.
