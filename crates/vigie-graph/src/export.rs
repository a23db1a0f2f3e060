//! The graph out: GEXF 1.2 (Gephi), GraphML (NetworkX, igraph, yEd) and a pair of CSV files (nodes, edges).
//!
//! Nodes are written with their keys as ids, a label and the caller's columns; edges with their kind, count,
//! first and last time (Unix seconds) and weight. Two accounts tied in several ways have one edge per kind,
//! so readers that keep parallel edges (NetworkX reads them as a multigraph) see every tie.

use crate::graph::{Edge, Graph};
use std::io::{self, Write};

/// What is written about each node besides its key: a label, and named columns (one value per node, by node;
/// an empty value is left out where the format allows).
#[derive(Debug, Clone, Default)]
pub struct NodeAttrs {
    /// A label per node (a handle); the key when empty or missing.
    pub labels: Vec<String>,
    /// Named columns, each with one value per node.
    pub columns: Vec<(String, Vec<String>)>,
}

impl NodeAttrs {
    fn label<'a>(&'a self, graph: &'a Graph, v: usize) -> &'a str {
        match self.labels.get(v) {
            Some(l) if !l.is_empty() => l,
            _ => graph.key(v as crate::NodeId),
        }
    }

    fn value(&self, column: usize, v: usize) -> &str {
        self.columns
            .get(column)
            .and_then(|(_, values)| values.get(v))
            .map_or("", String::as_str)
    }
}

/// Text for XML content and attribute values: escaped, and without the characters XML 1.0 cannot carry.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn time(t: Option<i64>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

/// Writes `graph` as GEXF 1.2 (directed; shared kinds from the smaller node).
///
/// # Errors
/// When `out` fails.
pub fn write_gexf(graph: &Graph, attrs: &NodeAttrs, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">"#
    )?;
    writeln!(
        out,
        "  <meta><creator>Vigie</creator><description>account interaction graph</description></meta>"
    )?;
    writeln!(out, r#"  <graph mode="static" defaultedgetype="directed">"#)?;
    writeln!(out, r#"    <attributes class="node">"#)?;
    for (i, (name, _)) in attrs.columns.iter().enumerate() {
        writeln!(
            out,
            r#"      <attribute id="{i}" title="{}" type="string"/>"#,
            xml(name)
        )?;
    }
    writeln!(out, "    </attributes>")?;
    writeln!(out, r#"    <attributes class="edge">"#)?;
    writeln!(
        out,
        r#"      <attribute id="kind" title="kind" type="string"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="count" title="count" type="integer"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="first" title="first" type="long"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="last" title="last" type="long"/>"#
    )?;
    writeln!(out, "    </attributes>")?;
    writeln!(out, "    <nodes>")?;
    for (v, key) in graph.keys().enumerate() {
        write!(
            out,
            r#"      <node id="{}" label="{}">"#,
            xml(key),
            xml(attrs.label(graph, v))
        )?;
        let set: Vec<usize> = (0..attrs.columns.len())
            .filter(|&c| !attrs.value(c, v).is_empty())
            .collect();
        if !set.is_empty() {
            write!(out, "<attvalues>")?;
            for c in set {
                write!(
                    out,
                    r#"<attvalue for="{c}" value="{}"/>"#,
                    xml(attrs.value(c, v))
                )?;
            }
            write!(out, "</attvalues>")?;
        }
        writeln!(out, "</node>")?;
    }
    writeln!(out, "    </nodes>")?;
    writeln!(out, "    <edges>")?;
    for (i, e) in graph.edges().enumerate() {
        write!(
            out,
            r#"      <edge id="{i}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="kind" value="{}"/><attvalue for="count" value="{}"/>"#,
            xml(graph.key(e.from)),
            xml(graph.key(e.to)),
            e.weight(),
            e.kind.as_str(),
            e.count
        )?;
        for (name, t) in [("first", e.first), ("last", e.last)] {
            if let Some(t) = t {
                write!(out, r#"<attvalue for="{name}" value="{t}"/>"#)?;
            }
        }
        writeln!(out, "</attvalues></edge>")?;
    }
    writeln!(out, "    </edges>")?;
    writeln!(out, "  </graph>")?;
    writeln!(out, "</gexf>")?;
    Ok(())
}

/// Writes `graph` as GraphML (directed; parallel edges, one per kind).
///
/// # Errors
/// When `out` fails.
pub fn write_graphml(graph: &Graph, attrs: &NodeAttrs, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    writeln!(
        out,
        r#"  <key id="label" for="node" attr.name="label" attr.type="string"/>"#
    )?;
    for (i, (name, _)) in attrs.columns.iter().enumerate() {
        writeln!(
            out,
            r#"  <key id="n{i}" for="node" attr.name="{}" attr.type="string"/>"#,
            xml(name)
        )?;
    }
    for (id, kind) in [
        ("kind", "string"),
        ("count", "int"),
        ("first", "long"),
        ("last", "long"),
        ("weight", "double"),
    ] {
        writeln!(
            out,
            r#"  <key id="{id}" for="edge" attr.name="{id}" attr.type="{kind}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="vigie" edgedefault="directed">"#)?;
    for (v, key) in graph.keys().enumerate() {
        write!(
            out,
            r#"    <node id="{}"><data key="label">{}</data>"#,
            xml(key),
            xml(attrs.label(graph, v))
        )?;
        for c in 0..attrs.columns.len() {
            let value = attrs.value(c, v);
            if !value.is_empty() {
                write!(out, r#"<data key="n{c}">{}</data>"#, xml(value))?;
            }
        }
        writeln!(out, "</node>")?;
    }
    for (i, e) in graph.edges().enumerate() {
        write!(
            out,
            r#"    <edge id="e{i}" source="{}" target="{}"><data key="kind">{}</data><data key="count">{}</data>"#,
            xml(graph.key(e.from)),
            xml(graph.key(e.to)),
            e.kind.as_str(),
            e.count
        )?;
        for (name, t) in [("first", e.first), ("last", e.last)] {
            if let Some(t) = t {
                write!(out, r#"<data key="{name}">{t}</data>"#)?;
            }
        }
        writeln!(out, r#"<data key="weight">{}</data></edge>"#, e.weight())?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")?;
    Ok(())
}

/// Writes `graph` as two CSV files: `nodes` (`id,label,` then the columns) and `edges`
/// (`source,target,kind,count,first,last,weight`).
///
/// # Errors
/// When either writer fails.
pub fn write_csv(
    graph: &Graph,
    attrs: &NodeAttrs,
    nodes: &mut dyn Write,
    edges: &mut dyn Write,
) -> io::Result<()> {
    write!(nodes, "id,label")?;
    for (name, _) in &attrs.columns {
        write!(nodes, ",{}", csv_field(name))?;
    }
    writeln!(nodes)?;
    for (v, key) in graph.keys().enumerate() {
        write!(
            nodes,
            "{},{}",
            csv_field(key),
            csv_field(attrs.label(graph, v))
        )?;
        for c in 0..attrs.columns.len() {
            write!(nodes, ",{}", csv_field(attrs.value(c, v)))?;
        }
        writeln!(nodes)?;
    }
    writeln!(edges, "source,target,kind,count,first,last,weight")?;
    for e in graph.edges() {
        let Edge {
            from,
            to,
            kind,
            count,
            first,
            last,
        } = e;
        writeln!(
            edges,
            "{},{},{},{count},{},{},{}",
            csv_field(graph.key(from)),
            csv_field(graph.key(to)),
            kind.as_str(),
            time(first),
            time(last),
            e.weight()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EdgeKind, GraphBuilder};

    fn small() -> (Graph, NodeAttrs) {
        let mut g = GraphBuilder::new();
        let a = g.node("x:1");
        let b = g.node("telegram:chan<&>\"");
        g.add(a, b, EdgeKind::Mention, Some(100));
        g.add(a, b, EdgeKind::Repost, None);
        let attrs = NodeAttrs {
            labels: vec!["one, \"quoted\"".into(), String::new()],
            columns: vec![("community".into(), vec!["0".into(), String::new()])],
        };
        (g.build(), attrs)
    }

    fn text(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn xml_formats_escape_what_they_must_and_list_every_edge() {
        let (graph, attrs) = small();
        let gexf = text(|o| write_gexf(&graph, &attrs, o));
        assert!(gexf.contains(r#"<node id="telegram:chan&lt;&amp;&gt;&quot;" label="telegram:chan&lt;&amp;&gt;&quot;">"#), "{gexf}");
        assert_eq!(gexf.matches("<edge ").count(), 2);
        assert!(gexf.contains(r#"<attvalue for="first" value="100"/>"#));
        let graphml = text(|o| write_graphml(&graph, &attrs, o));
        assert_eq!(graphml.matches("<edge ").count(), 2);
        assert!(graphml.contains(r#"<data key="n0">0</data>"#));
        assert!(graphml.contains(r#"<data key="kind">repost</data>"#));
    }

    #[test]
    fn csv_quotes_fields_that_need_it() {
        let (graph, attrs) = small();
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        write_csv(&graph, &attrs, &mut nodes, &mut edges).unwrap_or_else(|e| panic!("{e}"));
        let nodes = String::from_utf8(nodes).unwrap_or_default();
        let edges = String::from_utf8(edges).unwrap_or_default();
        assert_eq!(
            nodes.lines().collect::<Vec<_>>(),
            [
                "id,label,community",
                "x:1,\"one, \"\"quoted\"\"\",0",
                "\"telegram:chan<&>\"\"\",\"telegram:chan<&>\"\"\","
            ]
        );
        assert_eq!(edges.lines().count(), 3);
        assert!(edges.contains(",mention,1,100,100,"), "{edges}");
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(xml("a\u{1}b\u{ffff}c\td"), "abc\td");
    }
}
