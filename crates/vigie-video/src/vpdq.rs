//! Frame hashes, their text layout, and the bag-of-frames comparison.

use std::fmt::Write as _;
use vigie_pdq::Hash256;

/// The PDQ hash of one sampled frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameHash {
    /// The frame's number in decoding order, from 0.
    pub frame: u64,
    /// PDQ's quality of the frame, 0..=100.
    pub quality: u8,
    /// The frame's PDQ hash.
    pub hash: Hash256,
    /// The frame's time in seconds: its number over the frame rate, computed in single precision as the
    /// reference computes it.
    pub seconds: f64,
}

/// The reference's text layout: one line per frame, `frame,quality,hash,seconds` with the seconds to three
/// decimals, each line ended by a newline.
#[must_use]
pub fn format_vpdq(frames: &[FrameHash]) -> String {
    let mut out = String::with_capacity(frames.len() * 80);
    for f in frames {
        let _ = writeln!(
            out,
            "{},{},{},{:.3}",
            f.frame,
            f.quality,
            f.hash.to_hex(),
            f.seconds
        );
    }
    out
}

/// A line of a vPDQ text that is not `frame,quality,hash,seconds`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseVpdqError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// Reads the reference's text layout ([`format_vpdq`]); blank lines are skipped.
///
/// # Errors
/// The first line that is not four fields (a frame number, a quality of 0..=100, a 64-digit hexadecimal hash, a
/// time of zero or more seconds), named by its number.
pub fn parse_vpdq(text: &str) -> Result<Vec<FrameHash>, ParseVpdqError> {
    let mut frames = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| ParseVpdqError {
            line: line_no,
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [frame, quality, hash, seconds] = fields.as_slice() else {
            return Err(bad(&format!(
                "{} fields where frame,quality,hash,seconds has 4",
                fields.len()
            )));
        };
        let frame = frame
            .parse::<u64>()
            .map_err(|_| bad(&format!("frame number {frame:?} is not a whole number")))?;
        let quality = quality
            .parse::<u8>()
            .ok()
            .filter(|q| *q <= 100)
            .ok_or_else(|| bad(&format!("quality {quality:?} is not 0..=100")))?;
        let hash = Hash256::from_hex(hash).map_err(|e| bad(&format!("hash {hash:?}: {e}")))?;
        let seconds = seconds
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| bad(&format!("time {seconds:?} is not zero or more seconds")))?;
        frames.push(FrameHash {
            frame,
            quality,
            hash,
            seconds,
        });
    }
    Ok(frames)
}

/// How two videos' frames are compared: as python-threatexchange's vPDQ signal compares them by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchSettings {
    /// Frames of lower quality are left out on both sides (default 50).
    pub quality: u8,
    /// Two frames match at this many differing bits or fewer (default 31).
    pub distance: u32,
    /// The share of the query's frames, in percent, that must match for the videos to match (default 80).
    pub query_percent: f64,
    /// The share of the other video's frames, in percent, that must match (default 0).
    pub target_percent: f64,
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings {
            quality: 50,
            distance: 31,
            query_percent: 80.0,
            target_percent: 0.0,
        }
    }
}

/// A frame of the query and the nearest frame of the other video within the distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameMatch {
    /// The query's frame.
    pub query: FrameHash,
    /// The other video's frame.
    pub target: FrameHash,
    /// Differing bits.
    pub distance: u32,
}

/// The comparison of two videos.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoMatch {
    /// The share of the query's distinct frames of enough quality that have a frame of the other within the
    /// distance, in percent (0 when it has none).
    pub query_percent: f64,
    /// The same, the other way round.
    pub target_percent: f64,
    /// Whether both shares reach their thresholds (and each side has a frame to compare).
    pub matched: bool,
    /// Each matched query frame with its nearest frame of the other video, in the query's order.
    pub pairs: Vec<FrameMatch>,
}

/// Compares the frames of `query` with those of `target` as python-threatexchange's vPDQ signal does: each side
/// keeps the first frame of each distinct hash, then those of quality at least `settings.quality`; a frame
/// matches when some frame of the other side is within `settings.distance` bits. The result gives both shares
/// and the matched pairs (for a reviewer to jump to).
#[must_use]
pub fn match_frames(
    query: &[FrameHash],
    target: &[FrameHash],
    settings: &MatchSettings,
) -> VideoMatch {
    let kept = |frames: &[FrameHash]| {
        let mut seen = std::collections::HashSet::new();
        frames
            .iter()
            .filter(|f| seen.insert(f.hash))
            .filter(|f| f.quality >= settings.quality)
            .copied()
            .collect::<Vec<_>>()
    };
    let (q, t) = (kept(query), kept(target));
    let nearest = |f: &FrameHash, others: &[FrameHash]| {
        others
            .iter()
            .map(|o| (o.hash.distance(&f.hash), o))
            .filter(|(d, _)| *d <= settings.distance)
            .min_by_key(|(d, _)| *d)
            .map(|(d, o)| (d, *o))
    };
    let mut pairs = Vec::new();
    for f in &q {
        if let Some((distance, target)) = nearest(f, &t) {
            pairs.push(FrameMatch {
                query: *f,
                target,
                distance,
            });
        }
    }
    let target_hits = t.iter().filter(|f| nearest(f, &q).is_some()).count();
    let share = |hits: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            hits as f64 * 100.0 / of as f64
        }
    };
    let query_percent = share(pairs.len(), q.len());
    let target_percent = share(target_hits, t.len());
    VideoMatch {
        query_percent,
        target_percent,
        matched: !q.is_empty()
            && !t.is_empty()
            && query_percent >= settings.query_percent
            && target_percent >= settings.target_percent,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u64, quality: u8, hex_byte: u8) -> FrameHash {
        let hex: String = std::iter::repeat_n(format!("{hex_byte:02x}"), 32).collect();
        FrameHash {
            frame: n,
            quality,
            hash: Hash256::from_hex(&hex).unwrap_or_else(|e| panic!("{e}")),
            seconds: n as f64 / 30.0,
        }
    }

    #[test]
    fn regression_20_the_text_layout_reads_back() {
        let frames = vec![
            frame(0, 100, 0xd3),
            frame(30, 49, 0x00),
            frame(60, 87, 0xff),
        ];
        let text = format_vpdq(&frames);
        assert_eq!(
            text.lines().next(),
            Some(format!("0,100,{},0.000", "d3".repeat(32)).as_str())
        );
        assert!(text.lines().nth(1).is_some_and(|l| l.ends_with(",1.000")));
        let back = parse_vpdq(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.len(), 3);
        assert_eq!(back[2].hash, frames[2].hash);
        assert_eq!((back[1].frame, back[1].quality), (30, 49));
        let e = parse_vpdq("0,100,abc,0.0\n").err();
        assert_eq!(e.map(|e| e.line), Some(1));
        let e = parse_vpdq(&format!("\n0,101,{},0.0\n", "00".repeat(32))).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.line == 2 && e.reason.contains("quality")),
            "{e:?}"
        );
        assert!(parse_vpdq("1,2,3\n").is_err());
    }

    #[test]
    fn regression_20_matching_counts_distinct_frames_of_enough_quality_both_ways() {
        // The query: two distinct good frames (one repeated) and a poor one; the target has one of them.
        let q = vec![
            frame(0, 100, 0x11),
            frame(1, 100, 0x11),
            frame(2, 90, 0x22),
            frame(3, 10, 0x33),
        ];
        let t = vec![frame(0, 100, 0x22), frame(1, 100, 0x44)];
        let m = match_frames(&q, &t, &MatchSettings::default());
        assert!((m.query_percent - 50.0).abs() < 1e-9, "{m:?}");
        assert!((m.target_percent - 50.0).abs() < 1e-9, "{m:?}");
        assert!(!m.matched, "50 % of the query is under 80 %");
        assert_eq!(m.pairs.len(), 1);
        assert_eq!((m.pairs[0].query.frame, m.pairs[0].target.frame), (2, 0));
        let loose = MatchSettings {
            query_percent: 50.0,
            ..MatchSettings::default()
        };
        assert!(match_frames(&q, &t, &loose).matched);
        // Within the distance is a match, one bit past it is not.
        let mut near = frame(0, 100, 0x22);
        let mut bytes = near.hash.to_hex().into_bytes();
        for b in bytes.iter_mut().take(8) {
            *b = b'd'; // 0x2 -> 0xd flips 4 bits per digit: 8 digits, 32 bits
        }
        near.hash = Hash256::from_hex(std::str::from_utf8(&bytes).unwrap_or(""))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(near.hash.distance(&t[0].hash), 32);
        assert!(
            match_frames(&[near], &t, &MatchSettings::default())
                .pairs
                .is_empty()
        );
        let thirty_one = MatchSettings {
            distance: 32,
            ..MatchSettings::default()
        };
        assert_eq!(match_frames(&[near], &t, &thirty_one).pairs.len(), 1);
        // Nothing to compare: no match, not a division by zero.
        let none = match_frames(&[frame(0, 10, 0x11)], &t, &MatchSettings::default());
        assert!(!none.matched && none.query_percent == 0.0);
    }
}
