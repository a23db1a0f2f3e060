//! Nodes, typed edges, and the undirected weighted adjacency that ranking and communities walk.

use foldhash::HashMap;
use std::sync::Arc;

/// A node: an index into the graph's accounts, in the order they were first named.
pub type NodeId = u32;

/// What tied two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `from` mentioned `to`.
    Mention,
    /// `from` replied to a post of `to`.
    Reply,
    /// `from` quoted a post of `to`.
    Quote,
    /// `from` reposted a post of `to`.
    Repost,
    /// `from` forwarded a post of `to` (Telegram).
    Forward,
    /// Both posted the same medium (the same SHA-256, or PDQ hashes within the matching distance).
    SharedMedium,
    /// Both posted the same canonical link.
    SharedLink,
    /// Both used a hashtag few accounts use.
    SharedHashtag,
    /// `from` announced `to`'s handle ("new account: @...").
    Announced,
}

impl EdgeKind {
    /// Every kind, in the order of their discriminants.
    pub const ALL: [EdgeKind; 9] = [
        EdgeKind::Mention,
        EdgeKind::Reply,
        EdgeKind::Quote,
        EdgeKind::Repost,
        EdgeKind::Forward,
        EdgeKind::SharedMedium,
        EdgeKind::SharedLink,
        EdgeKind::SharedHashtag,
        EdgeKind::Announced,
    ];

    /// The kind's name in exports and evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Mention => "mention",
            EdgeKind::Reply => "reply",
            EdgeKind::Quote => "quote",
            EdgeKind::Repost => "repost",
            EdgeKind::Forward => "forward",
            EdgeKind::SharedMedium => "shared_medium",
            EdgeKind::SharedLink => "shared_link",
            EdgeKind::SharedHashtag => "shared_hashtag",
            EdgeKind::Announced => "announced",
        }
    }

    /// The kind named `name` ([`EdgeKind::as_str`]).
    pub fn parse(name: &str) -> Option<EdgeKind> {
        // Called once per stored tie: a match, not a search through the names.
        Some(match name {
            "mention" => EdgeKind::Mention,
            "reply" => EdgeKind::Reply,
            "quote" => EdgeKind::Quote,
            "repost" => EdgeKind::Repost,
            "forward" => EdgeKind::Forward,
            "shared_medium" => EdgeKind::SharedMedium,
            "shared_link" => EdgeKind::SharedLink,
            "shared_hashtag" => EdgeKind::SharedHashtag,
            "announced" => EdgeKind::Announced,
            _ => return None,
        })
    }

    /// Whether the edge has no direction (both accounts did the same thing); its `from` is then the smaller node.
    pub fn is_shared(self) -> bool {
        matches!(
            self,
            EdgeKind::SharedMedium | EdgeKind::SharedLink | EdgeKind::SharedHashtag
        )
    }

    /// How much one such tie counts in ranking and communities. Spreading someone's content (reposts, forwards,
    /// their very media) says more than talking about them (mentions, replies, quotes: what journalists and
    /// researchers do all day); an announced handle is the strongest tie; a shared rare hashtag the weakest.
    pub fn weight(self) -> f64 {
        match self {
            EdgeKind::Mention | EdgeKind::Reply | EdgeKind::Quote => 0.5,
            EdgeKind::SharedLink => 1.0,
            EdgeKind::Repost | EdgeKind::Forward | EdgeKind::SharedMedium => 2.0,
            EdgeKind::SharedHashtag => 0.25,
            EdgeKind::Announced => 4.0,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One tie: every event of one kind from one account to another, counted, with its first and last time (Unix
/// seconds) where the events had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Who did it (the smaller node of a shared kind).
    pub from: NodeId,
    /// To whom.
    pub to: NodeId,
    /// What.
    pub kind: EdgeKind,
    /// How many times.
    pub count: u32,
    /// The earliest event's time.
    pub first: Option<i64>,
    /// The latest event's time.
    pub last: Option<i64>,
}

impl Edge {
    /// What the edge weighs in the undirected adjacency: its kind's weight, growing with the logarithm of its
    /// count (a hundred mentions are not a hundred times one).
    pub fn weight(&self) -> f64 {
        self.kind.weight() * (1.0 + f64::from(self.count.max(1)).ln())
    }
}

/// One event, or several of one edge already gathered (and then the graph's own record of that edge): `key` is
/// `from << 32 | to`; `i64::MAX`/`i64::MIN`: no time.
#[derive(Debug, Clone, Copy)]
struct Event {
    key: u64,
    first: i64,
    last: i64,
    count: u32,
    kind: u8,
}

impl Event {
    fn edge(&self) -> Edge {
        Edge {
            from: (self.key >> 32) as NodeId,
            to: (self.key & 0xffff_ffff) as NodeId,
            kind: EdgeKind::ALL[self.kind as usize],
            count: self.count,
            first: (self.first != i64::MAX).then_some(self.first),
            last: (self.last != i64::MIN).then_some(self.last),
        }
    }
}

/// Events kept before they are sorted and gathered in place, so that memory follows the edges, not the events.
const GATHER_EVERY: usize = 1 << 24;

/// Sorts `events` by edge and merges each edge's events into one.
fn gather(events: &mut Vec<Event>) {
    if events.is_sorted_by_key(|e| e.key) {
        // Already in edge order (a store gives its ties so): only each edge's kinds need ordering.
        for run in events.chunk_by_mut(|a, b| a.key == b.key) {
            if run.len() > 1 {
                run.sort_unstable_by_key(|e| e.kind);
            }
        }
    } else {
        events.sort_unstable_by_key(|e| (e.key, e.kind));
    }
    let mut out = 0usize;
    for i in 0..events.len() {
        let e = events[i];
        if out > 0 && events[out - 1].key == e.key && events[out - 1].kind == e.kind {
            let g = &mut events[out - 1];
            g.count = g.count.saturating_add(e.count);
            g.first = g.first.min(e.first);
            g.last = g.last.max(e.last);
        } else {
            events[out] = e;
            out += 1;
        }
    }
    events.truncate(out);
}

/// Gathers nodes and events; [`GraphBuilder::build`] makes the [`Graph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    ids: HashMap<Arc<str>, NodeId>,
    keys: Vec<Arc<str>>,
    events: Vec<Event>,
    /// Events already gathered (sorted and merged) at the front of `events`.
    gathered: usize,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// An empty builder with room for `nodes` accounts and `events` events.
    pub fn with_capacity(nodes: usize, events: usize) -> GraphBuilder {
        let mut ids = HashMap::default();
        ids.reserve(nodes);
        GraphBuilder {
            ids,
            keys: Vec::with_capacity(nodes),
            events: Vec::with_capacity(events.min(GATHER_EVERY)),
            gathered: 0,
        }
    }

    /// The node of `key` (an account's identity, e.g. `x:12345`), made when new.
    pub fn node(&mut self, key: &str) -> NodeId {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = NodeId::try_from(self.keys.len()).unwrap_or(NodeId::MAX);
        let shared: Arc<str> = Arc::from(key);
        self.ids.insert(Arc::clone(&shared), id);
        self.keys.push(shared);
        id
    }

    /// Makes room for `nodes` more nodes.
    pub fn reserve_nodes(&mut self, nodes: usize) {
        self.ids.reserve(nodes);
        self.keys.reserve(nodes);
    }

    /// Makes room for `events` more events (at most what is gathered at once).
    pub fn reserve_events(&mut self, events: usize) {
        self.events.reserve(events.min(GATHER_EVERY));
    }

    /// The node of `key`, if named.
    pub fn find(&self, key: &str) -> Option<NodeId> {
        self.ids.get(key).copied()
    }

    /// Nodes named so far.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no node was named.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Records one event of `kind` from `from` to `to`, at `at` when known. An account's tie to itself is not
    /// recorded. The two ends of a shared kind are put in order.
    pub fn add(&mut self, from: NodeId, to: NodeId, kind: EdgeKind, at: Option<i64>) {
        self.add_events(from, to, kind, 1, at, at);
    }

    /// Records `count` events of `kind` from `from` to `to`, the earliest at `first` and the latest at `last`.
    pub fn add_events(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: EdgeKind,
        count: u32,
        first: Option<i64>,
        last: Option<i64>,
    ) {
        if from == to || count == 0 {
            return;
        }
        let (from, to) = if kind.is_shared() && to < from {
            (to, from)
        } else {
            (from, to)
        };
        self.events.push(Event {
            key: u64::from(from) << 32 | u64::from(to),
            first: first.unwrap_or(i64::MAX),
            last: last.unwrap_or(i64::MIN),
            count,
            kind: kind.index() as u8,
        });
        if self.events.len() - self.gathered >= GATHER_EVERY.max(self.gathered) {
            gather(&mut self.events);
            self.gathered = self.events.len();
        }
    }

    /// The graph: its edges sorted by (from, to, kind), and its undirected adjacency.
    pub fn build(self) -> Graph {
        let GraphBuilder {
            ids,
            keys,
            mut events,
            ..
        } = self;
        gather(&mut events);
        Graph::from_parts(ids, keys, events)
    }
}

/// Accounts and their ties. The adjacency is undirected: each neighbour once, with the summed
/// [`Edge::weight`] of every edge between the two, whatever its kind and direction.
#[derive(Debug, Clone)]
pub struct Graph {
    ids: HashMap<Arc<str>, NodeId>,
    keys: Vec<Arc<str>>,
    /// The edges, gathered and sorted by (from, to, kind).
    edges: Vec<Event>,
    offsets: Vec<usize>,
    neighbours: Vec<NodeId>,
    weights: Vec<f64>,
    degree: Vec<f64>,
    /// For each node, the indexes in `edges` of the edges it is an end of.
    incident_offsets: Vec<usize>,
    incident: Vec<u32>,
}

impl Graph {
    fn from_parts(ids: HashMap<Arc<str>, NodeId>, keys: Vec<Arc<str>>, edges: Vec<Event>) -> Graph {
        let n = keys.len();
        let ends = |e: &Event| ((e.key >> 32) as usize, (e.key & 0xffff_ffff) as usize);
        // Each edge's index under both its ends (a counting sort): each node's list is in edge order.
        let mut counts = vec![0usize; n + 1];
        for e in &edges {
            let (a, b) = ends(e);
            counts[a + 1] += 1;
            counts[b + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let incident_offsets = counts;
        let mut logs = [0.0f64; 256];
        for (c, l) in logs.iter_mut().enumerate() {
            *l = 1.0 + (c.max(1) as f64).ln();
        }
        let kind_weights = EdgeKind::ALL.map(EdgeKind::weight);
        let weight = |e: &Event| {
            let grows = match logs.get(e.count as usize) {
                Some(&l) => l,
                None => 1.0 + f64::from(e.count).ln(),
            };
            kind_weights[e.kind as usize] * grows
        };
        // One pass over the edges in order puts each edge under both its ends (a counting sort): its index in
        // `incident`, and the other end with the edge's weight in `halves`, so that the adjacency is then made
        // reading each node's list in place, never the edges again. Since the edges are sorted by (from, to), a
        // node's list is the edges it ends that start before it, then the edges it starts (by where they end),
        // then the edges it ends that start after it: two runs sorted by neighbour, the second in the middle of
        // the first; `own` is where the middle run lies.
        // A half edge: the other end, and the edge's kind and count (`kind << 24 | count`; `u32::MAX`: a count
        // too large for that, read from the edge itself).
        #[derive(Clone, Copy)]
        struct Half {
            other: NodeId,
            code: u32,
        }
        let code = |e: &Event| {
            if e.count < 1 << 24 {
                u32::from(e.kind) << 24 | e.count
            } else {
                u32::MAX
            }
        };
        let mut fill = incident_offsets.clone();
        let mut incident: Vec<u32> = vec![0; 2 * edges.len()];
        let mut halves = vec![Half { other: 0, code: 0 }; 2 * edges.len()];
        let mut own: Vec<(usize, usize)> = vec![(0, 0); n];
        let mut last_from = usize::MAX;
        for (i, e) in edges.iter().enumerate() {
            let (a, b) = ends(e);
            let c = code(e);
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if a != last_from {
                own[a].0 = fill[a];
                last_from = a;
            }
            incident[fill[a]] = i;
            halves[fill[a]] = Half {
                other: b as NodeId,
                code: c,
            };
            fill[a] += 1;
            own[a].1 = fill[a];
            incident[fill[b]] = i;
            halves[fill[b]] = Half {
                other: a as NodeId,
                code: c,
            };
            fill[b] += 1;
        }
        drop(fill);
        let mut offsets = Vec::with_capacity(n + 1);
        let mut neighbours: Vec<NodeId> = Vec::with_capacity(incident.len());
        let mut weights: Vec<f64> = Vec::with_capacity(incident.len());
        let mut degree = vec![0.0; n];
        offsets.push(0);
        for v in 0..n {
            let (start, end) = (incident_offsets[v], incident_offsets[v + 1]);
            let (lo, hi) = if own[v].1 > own[v].0 {
                own[v]
            } else {
                (start, start)
            };
            let half_weight = |k: usize| {
                let c = halves[k].code;
                if c == u32::MAX {
                    weight(&edges[incident[k] as usize])
                } else {
                    let count = (c & 0xff_ffff) as usize;
                    let grows = match logs.get(count) {
                        Some(&l) => l,
                        None => 1.0 + (count as f64).ln(),
                    };
                    kind_weights[(c >> 24) as usize] * grows
                }
            };
            let mut started = (lo..hi).map(|k| (halves[k].other, k)).peekable();
            let mut ended = (start..lo)
                .chain(hi..end)
                .map(|k| (halves[k].other, k))
                .peekable();
            let first = neighbours.len();
            let mut sum = 0.0;
            loop {
                let next = match (started.peek(), ended.peek()) {
                    (Some(a), Some(b)) if a.0 <= b.0 => started.next(),
                    (Some(_), Some(_)) | (None, Some(_)) => ended.next(),
                    (Some(_), None) => started.next(),
                    (None, None) => break,
                };
                let Some((other, k)) = next else { break };
                let weight = half_weight(k);
                if neighbours.len() > first && neighbours.last() == Some(&other) {
                    if let Some(last) = weights.last_mut() {
                        *last += weight;
                    }
                } else {
                    neighbours.push(other);
                    weights.push(weight);
                }
                sum += weight;
            }
            degree[v] = sum;
            offsets.push(neighbours.len());
        }
        drop(halves);
        Graph {
            ids,
            keys,
            edges,
            offsets,
            neighbours,
            weights,
            degree,
            incident_offsets,
            incident,
        }
    }

    /// Accounts.
    pub fn node_count(&self) -> usize {
        self.keys.len()
    }

    /// Edges (one per (from, to, kind)).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The key a node was named with.
    pub fn key(&self, node: NodeId) -> &str {
        self.keys.get(node as usize).map_or("", |k| k)
    }

    /// Every node's key, by node.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.keys.iter().map(|k| &**k)
    }

    /// The node named `key`.
    pub fn find(&self, key: &str) -> Option<NodeId> {
        self.ids.get(key).copied()
    }

    /// Every edge, sorted by (from, to, kind).
    pub fn edges(&self) -> impl ExactSizeIterator<Item = Edge> + '_ {
        self.edges.iter().map(Event::edge)
    }

    /// The edges `node` is an end of, in the order of [`Graph::edges`].
    pub fn incident(&self, node: NodeId) -> impl Iterator<Item = Edge> + '_ {
        let v = node as usize;
        let range = match (
            self.incident_offsets.get(v),
            self.incident_offsets.get(v + 1),
        ) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        self.incident[range]
            .iter()
            .filter_map(|&i| self.edges.get(i as usize).map(Event::edge))
    }

    /// `node`'s neighbours in the undirected adjacency, each once, with the summed weight of their edges.
    pub fn neighbours(&self, node: NodeId) -> impl Iterator<Item = (NodeId, f64)> + '_ {
        let v = node as usize;
        let range = match (self.offsets.get(v), self.offsets.get(v + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        self.neighbours[range.clone()]
            .iter()
            .copied()
            .zip(self.weights[range].iter().copied())
    }

    /// The summed weight of `node`'s edges.
    pub fn weighted_degree(&self, node: NodeId) -> f64 {
        self.degree.get(node as usize).copied().unwrap_or(0.0)
    }

    pub(crate) fn adjacency(&self) -> (&[usize], &[NodeId], &[f64]) {
        (&self.offsets, &self.neighbours, &self.weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adjacency_is_every_edge_both_ways_each_neighbour_once_with_the_summed_weight() {
        // A small random multigraph with every kind, ties both ways and repeated events.
        let mut b = GraphBuilder::new();
        let nodes: Vec<NodeId> = (0..40).map(|i| b.node(&format!("x:{i}"))).collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..2_000 {
            let (a, c) = (nodes[next(40) as usize], nodes[next(40) as usize]);
            let kind = EdgeKind::ALL[next(9) as usize];
            b.add(a, c, kind, Some(next(1000) as i64));
        }
        let g = b.build();
        let mut expected: std::collections::BTreeMap<(NodeId, NodeId), f64> = Default::default();
        for e in g.edges() {
            *expected.entry((e.from, e.to)).or_default() += e.weight();
            *expected.entry((e.to, e.from)).or_default() += e.weight();
        }
        let mut seen = 0;
        for v in 0..g.node_count() as NodeId {
            let mine: Vec<(NodeId, f64)> = g.neighbours(v).collect();
            let theirs: Vec<(NodeId, f64)> = expected
                .range((v, 0)..=(v, NodeId::MAX))
                .map(|(&(_, u), &w)| (u, w))
                .collect();
            assert_eq!(mine.len(), theirs.len(), "node {v}");
            for ((u, w), (x, y)) in mine.iter().zip(&theirs) {
                assert_eq!(u, x, "node {v}");
                assert!((w - y).abs() < 1e-9, "node {v}: {w} vs {y}");
            }
            let degree: f64 = theirs.iter().map(|(_, w)| w).sum();
            assert!((g.weighted_degree(v) - degree).abs() < 1e-9);
            assert_eq!(
                g.incident(v).count(),
                g.edges().filter(|e| e.from == v || e.to == v).count()
            );
            seen += mine.len();
        }
        assert_eq!(seen, expected.len());
    }

    #[test]
    fn events_already_in_edge_order_gather_as_unordered_ones_do() {
        // A store gives its ties sorted by their ends but not by the graph's order of kinds.
        let kinds = [
            EdgeKind::Repost,
            EdgeKind::Mention,
            EdgeKind::Reply,
            EdgeKind::Mention,
        ];
        let build = |sorted: bool| {
            let mut b = GraphBuilder::new();
            let n: Vec<NodeId> = (0..5).map(|i| b.node(&format!("x:{i}"))).collect();
            let mut events = Vec::new();
            for a in 0..5 {
                for c in 0..5 {
                    for (i, &k) in kinds.iter().enumerate() {
                        events.push((n[a], n[c], k, i as i64));
                    }
                }
            }
            if !sorted {
                events.reverse();
            }
            for (a, c, k, at) in events {
                b.add(a, c, k, Some(at));
            }
            b.build()
        };
        let (sorted, unsorted) = (build(true), build(false));
        let all = |g: &Graph| g.edges().collect::<Vec<_>>();
        assert_eq!(all(&sorted), all(&unsorted));
        assert_eq!(sorted.edge_count(), 5 * 4 * 3);
        let mentions = all(&sorted)
            .into_iter()
            .find(|e| e.kind == EdgeKind::Mention)
            .expect("a mention edge");
        assert_eq!(
            (mentions.count, mentions.first, mentions.last),
            (2, Some(1), Some(3))
        );
        assert!(
            all(&sorted)
                .windows(2)
                .all(|w| (w[0].from, w[0].to, w[0].kind.index())
                    < (w[1].from, w[1].to, w[1].kind.index()))
        );
    }

    #[test]
    fn an_edge_counted_past_sixteen_million_weighs_what_its_count_says() {
        // The adjacency reads kinds and counts packed beside each neighbour, except for counts too large to pack.
        let mut b = GraphBuilder::new();
        let (x, y, z) = (b.node("x:x"), b.node("x:y"), b.node("x:z"));
        b.add_events(x, y, EdgeKind::Repost, 40_000_000, Some(1), Some(2));
        b.add_events(z, x, EdgeKind::Mention, 3, None, None);
        b.add_events(x, y, EdgeKind::Mention, 1 << 24, None, None);
        let g = b.build();
        let weight = |kind: EdgeKind, count: u32| kind.weight() * (1.0 + f64::from(count).ln());
        let xy = weight(EdgeKind::Repost, 40_000_000) + weight(EdgeKind::Mention, 1 << 24);
        let of = |v: NodeId| g.neighbours(v).collect::<Vec<_>>();
        assert_eq!(of(x).len(), 2);
        assert_eq!(of(x)[0].0, y);
        assert!((of(x)[0].1 - xy).abs() < 1e-9, "{:?}", of(x));
        assert!((of(y)[0].1 - xy).abs() < 1e-9, "{:?}", of(y));
        assert!((of(x)[1].1 - weight(EdgeKind::Mention, 3)).abs() < 1e-9);
        assert!((g.weighted_degree(x) - xy - weight(EdgeKind::Mention, 3)).abs() < 1e-9);
    }

    #[test]
    fn events_gather_into_one_edge_per_pair_and_kind_and_shared_kinds_lose_their_direction() {
        let mut b = GraphBuilder::new();
        let (a, c) = (b.node("x:a"), b.node("x:c"));
        assert_eq!(b.node("x:a"), a);
        b.add(a, c, EdgeKind::Mention, Some(30));
        b.add(a, c, EdgeKind::Mention, Some(10));
        b.add(a, c, EdgeKind::Mention, None);
        b.add(c, a, EdgeKind::Mention, Some(5));
        b.add(c, a, EdgeKind::SharedMedium, Some(7));
        b.add(a, c, EdgeKind::SharedMedium, Some(9));
        b.add(a, a, EdgeKind::Reply, Some(1));
        let g = b.build();
        assert_eq!(g.node_count(), 2);
        type Row<'a> = (NodeId, NodeId, &'a str, u32, Option<i64>, Option<i64>);
        let got: Vec<Row<'_>> = g
            .edges()
            .map(|e| (e.from, e.to, e.kind.as_str(), e.count, e.first, e.last))
            .collect();
        assert_eq!(
            got,
            [
                (a, c, "mention", 3, Some(10), Some(30)),
                (a, c, "shared_medium", 2, Some(7), Some(9)),
                (c, a, "mention", 1, Some(5), Some(5)),
            ]
        );
        // One neighbour each way, weighing the three edges together.
        let n: Vec<(NodeId, f64)> = g.neighbours(a).collect();
        assert_eq!(n.len(), 1);
        let total: f64 = g.edges().map(|e| e.weight()).sum();
        assert!((n[0].1 - total).abs() < 1e-12);
        assert!((g.weighted_degree(c) - total).abs() < 1e-12);
        assert_eq!(g.incident(c).count(), 3);
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for k in EdgeKind::ALL {
            assert_eq!(EdgeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EdgeKind::parse("follows"), None);
    }
}
