//! The account interaction graph, and what is computed on it.
//!
//! A [`GraphBuilder`] gathers typed, time-stamped interactions between accounts (mentions, replies, quotes,
//! reposts, forwards, shared media, links and rare hashtags, handles announced in posts): each distinct
//! (from, to, kind) is one [`Edge`] that counts its events and keeps its first and last time. [`Graph`] is the
//! built form, with a compressed undirected adjacency over which [`personalized_pagerank`] ranks the accounts
//! most tied to a set of seeds and [`louvain`] finds communities. [`write_gexf`], [`write_graphml`] and
//! [`write_csv`] export it for Gephi, NetworkX and spreadsheets.
//!
//! This crate is pure: accounts are opaque keys, and every writer takes a caller's [`std::io::Write`].
//!
//! ```
//! use vigie_graph::{EdgeKind, GraphBuilder, RankOptions, personalized_pagerank};
//!
//! let mut b = GraphBuilder::new();
//! let (seed, friend, stranger) = (b.node("x:1"), b.node("x:2"), b.node("x:3"));
//! b.add(friend, seed, EdgeKind::Repost, Some(10));
//! b.add(friend, seed, EdgeKind::Repost, Some(20));
//! b.add(stranger, friend, EdgeKind::Mention, None);
//! let graph = b.build();
//! let edge = graph.edges().next().unwrap_or_else(|| unreachable!());
//! assert_eq!((edge.count, edge.first, edge.last), (2, Some(10), Some(20)));
//! let rank = personalized_pagerank(&graph, &[seed], &RankOptions::default());
//! assert!(rank[friend as usize] > rank[stranger as usize]);
//! ```

mod community;
mod export;
mod graph;
mod rank;

pub use community::{Communities, louvain};
pub use export::{NodeAttrs, write_csv, write_gexf, write_graphml};
pub use graph::{Edge, EdgeKind, Graph, GraphBuilder, NodeId};
pub use rank::{RankOptions, personalized_pagerank};
