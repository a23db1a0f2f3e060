//! Integration tests of `vigie-index`, in one test binary: exactness against brute force (property tests and
//! the reference PDQ vectors), the segment file format, and the index's changes (insert, remove, seal, compact).

mod exactness;
mod format;
mod mutation;
mod reference;
mod util;
