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

/// A video's frames in python-threatexchange's layout for a vPDQ signal (what its banks, datasets and HMA hold):
/// a JSON list of `"hash,quality,seconds"` strings, the seconds written as Python writes `format(t, ".3")` (three
/// significant digits: `0.0`, `1.0`, `12.3`, `1.23e+02`).
#[must_use]
pub fn format_threatexchange(frames: &[FrameHash]) -> String {
    let items: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "\"{},{},{}\"",
                f.hash.to_hex(),
                f.quality,
                python_general(f.seconds, 3)
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Reads python-threatexchange's layout ([`format_threatexchange`]). The layout has no frame numbers: each frame
/// is numbered by its place in the list.
///
/// # Errors
/// When the text is not a JSON list of strings, or an item is not `hash,quality,seconds` (64 hexadecimal digits,
/// 0..=100, zero or more seconds); the item is named by its place, from 1.
pub fn parse_threatexchange(text: &str) -> Result<Vec<FrameHash>, ParseVpdqError> {
    let bad = |line: usize, reason: String| ParseVpdqError { line, reason };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<String> = serde_json::from_str(text)
        .map_err(|e| bad(1, format!("not a JSON list of strings: {e}")))?;
    let mut frames = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let fields: Vec<&str> = item.split(',').map(str::trim).collect();
        let [hash, quality, seconds] = fields.as_slice() else {
            return Err(bad(n, format!("{item:?} is not hash,quality,seconds")));
        };
        let hash = Hash256::from_hex(hash).map_err(|e| bad(n, format!("hash {hash:?}: {e}")))?;
        let quality = quality
            .parse::<u8>()
            .ok()
            .filter(|q| *q <= 100)
            .ok_or_else(|| bad(n, format!("quality {quality:?} is not 0..=100")))?;
        let seconds = seconds
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| bad(n, format!("time {seconds:?} is not zero or more seconds")))?;
        frames.push(FrameHash {
            frame: i as u64,
            quality,
            hash,
            seconds,
        });
    }
    Ok(frames)
}

/// `x` as Python's `format(x, ".P")` writes a float: `P` significant digits, fixed notation with at least one
/// digit after the point while the decimal exponent is from -4 to `P - 2`, scientific (`1.23e+02`) otherwise,
/// trailing zeros dropped.
fn python_general(x: f64, precision: usize) -> String {
    let p = precision.max(1);
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".to_owned()
        } else if x > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // The exponent of the number rounded to P significant digits.
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if -4 <= exp && exp < p as i32 - 1 {
        let decimals = usize::try_from(p as i32 - 1 - exp).unwrap_or(0);
        let fixed = format!("{x:.decimals$}");
        let trimmed = if fixed.contains('.') {
            fixed.trim_end_matches('0').trim_end_matches('.')
        } else {
            fixed.as_str()
        };
        if trimmed.contains('.') {
            trimmed.to_owned()
        } else {
            format!("{trimmed}.0")
        }
    } else {
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
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
    fn regression_20_python_general_format_matches_known_values() {
        for (x, want) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (0.033, "0.033"),
            (0.0333333, "0.0333"),
            (12.345, "12.3"),
            (99.96, "1e+02"),
            (123.0, "1.23e+02"),
            (1234.5678, "1.23e+03"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (2.5, "2.5"),
        ] {
            assert_eq!(python_general(x, 3), want, "{x}");
        }
    }

    #[test]
    fn regression_20_the_threatexchange_layout_reads_back() {
        let frames = vec![
            frame(0, 100, 0xd3),
            frame(30, 49, 0x00),
            frame(3690, 87, 0xff),
        ];
        let text = format_threatexchange(&frames);
        assert!(
            text.starts_with(&format!("[\"{},100,0.0\", ", "d3".repeat(32))),
            "{text}"
        );
        assert!(text.ends_with(",87,1.23e+02\"]"), "{text}");
        let back = parse_threatexchange(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.len(), 3);
        assert_eq!(
            (back[1].hash, back[1].quality, back[1].frame),
            (frames[1].hash, 49, 1)
        );
        assert!((back[2].seconds - 123.0).abs() < 1e-9);
        assert_eq!(parse_threatexchange("[]").map(|f| f.len()), Ok(0));
        assert!(parse_threatexchange("[\"ab,1,0\"]").is_err());
        assert!(parse_threatexchange("{}").is_err());
        let e = parse_threatexchange(&format!(
            "[\"{},100,0.0\", \"{},200,1.0\"]",
            "00".repeat(32),
            "00".repeat(32)
        ));
        assert_eq!(e.err().map(|e| e.line), Some(2));
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
