//! Blur and decimate a full-size luma image to 64x64, bit-for-bit as the reference does, only faster.
//!
//! The reference runs a Jarosz tent filter: a box filter along every row, then along every column, twice over,
//! each box filter a running sum in `f32` (add the entering value, subtract the leaving one, divide by the
//! window's count). Then it keeps one pixel in each 64th of each axis. Float addition is not associative, so the
//! running sums must add and subtract exactly the same values in exactly the same order. Within that rule we are
//! free to:
//!
//! - run many independent running sums side by side: along the rows, the four rows of a group in the lanes of
//!   one vector and four groups (a strip of sixteen rows) together; down the columns, four columns in the lanes
//!   of one vector, across the whole width. This is what lets the compiler use vector instructions without any
//!   `unsafe`;
//! - interleave independent chains, so that the adder does not wait on the latency of one running sum: the first
//!   row pass over a strip runs in the same loop as the second row pass over the strip before, and each vector of
//!   column sums takes four steps in a row;
//! - stream: each stage consumes rows as the previous one produces them, so the working set stays in cache
//!   instead of four full-size float buffers;
//! - skip work whose result is never read: the second row pass only has to divide and write the 64 columns that
//!   are sampled, and the second column pass only has to visit those 64 columns and write the 64 sampled rows;
//! - compute a value another way when the result is provably the same: see [`Divisor`] and [`luma_quad`].
//!
//! A row pass wants a group's rows in the lanes of a vector, a column pass four columns of one row; 4x4
//! transposes, which the compiler does with register shuffles, turn one into the other: row passes work on
//! strips of lane vectors, the first column pass on tiles of four rows by four columns. For RGB input the
//! transpose happens on 4-byte words, and shifts then separate the red, green and blue bytes.
//!
//! The compiler vectorizes these loops well only when each is simple and compiled on its own, so the kernels are
//! plain loops over fixed-size arrays, kept out of line; a comment says where a loop's shape matters. Buffers
//! that a loop reads side by side are padded so that they do not fall on the same cache sets.

use crate::dct::{Image64, SIDE};

/// Rows in one lane vector: one SSE register of `f32`.
const LANES: usize = 4;
/// Lane vectors processed side by side along the rows, so that their running sums overlap in time.
const GROUPS: usize = 4;
/// Rows in a strip.
const STRIP: usize = LANES * GROUPS;
/// Lane vectors of padding after each group of a strip and each row of tiles: 64 bytes, so that the groups or
/// rows that a loop reads side by side (up to a dozen) do not all fall on the same cache set, as they would if
/// they were a multiple of 4 KiB apart. Also room for the last chunk of four columns to run past the image.
const PAD_LANES: usize = 4;
// The row passes spell out their groups one by one.
const _: () = assert!(GROUPS == 4);
/// One value from each of the `LANES` rows of a group, at one column.
type Lanes = [f32; LANES];
/// One 4-byte word from each of the `LANES` rows of a group, at one offset.
type WordLanes = [u32; LANES];
/// One column of a strip: the lane vectors of its `GROUPS` groups. The first row pass reads and writes strips
/// column by column, so that a step reads one contiguous block.
type StripColumn = [Lanes; GROUPS];

/// The longest side accepted, in pixels (2^24). It bounds the box window so that the fast exact division stays
/// exact. It does not bound memory: the scratch space takes about 400 bytes per column, so callers that take
/// images from outside should cap the pixel count first (as `vigie-media`'s limits do).
pub const MAX_SIDE: usize = 1 << 24;

/// The reference's box window for reducing `old` pixels to 64: half of `old / 64`, rounded up, so that two
/// passes cover one output pixel's share of the input. At least 1 for any `old >= 1`.
pub(crate) fn window_size(old: usize) -> usize {
    old.div_ceil(2 * SIDE)
}

/// The input indices the reference keeps when decimating `dim` to 64: the pixel under each output's centre,
/// `floor((o + 0.5) * dim / 64)` in `f64`.
pub(crate) fn sample_positions(dim: usize) -> [usize; SIDE] {
    std::array::from_fn(|o| (((o as f64 + 0.5) * dim as f64) / SIDE as f64) as usize)
}

/// Division by a window count, rounded to `f32` exactly as the reference's `f32` division rounds it, mostly
/// without the slow division instruction.
///
/// A power of two is a multiplication by its exact reciprocal: the same exact value, rounded once. Any other
/// count `n` goes through `f64`: the product of the sum and `1 / n` (rounded to `f64`) is within a relative
/// `2^-52` of the true quotient, and a true quotient `x / n` of an `f32` by an integer `n < 2^24` is never
/// closer than a relative `2^-26 / n` to a point halfway between two `f32` values (nor ever exactly on one), so
/// rounding the product to `f32` lands where rounding the true quotient does. A test checks every `f32`
/// significand for a range of counts. (Results in the subnormal range, far below any luma value, are not covered
/// by the argument.) The division instruction itself ([`ByDivision`]) is as exact, but slow and alone of its kind,
/// so the loops that divide a lot hand it only part of their vectors.
#[derive(Clone, Copy, Debug)]
enum Divisor {
    /// Multiply by this power of two.
    Exact(f32),
    /// Multiply by this reciprocal in `f64`, then round.
    Rounded(f64),
}

impl Divisor {
    fn new(count: usize) -> Divisor {
        if count.is_power_of_two() {
            Divisor::Exact(1.0 / count as f32)
        } else {
            Divisor::Rounded(1.0 / count as f64)
        }
    }
}

/// A [`Divisor`] of one kind, known when compiling.
trait Divide: Copy {
    fn divide(self, sum: f32) -> f32;

    #[inline(always)]
    fn divide_lanes(self, sum: &Lanes) -> Lanes {
        std::array::from_fn(|l| self.divide(sum[l]))
    }
}

/// Division by a power of two.
#[derive(Clone, Copy)]
struct ByPowerOfTwo(f32);

impl Divide for ByPowerOfTwo {
    #[inline(always)]
    fn divide(self, sum: f32) -> f32 {
        sum * self.0
    }
}

/// Division through an `f64` reciprocal.
#[derive(Clone, Copy)]
struct ByReciprocal(f64);

impl Divide for ByReciprocal {
    #[inline(always)]
    fn divide(self, sum: f32) -> f32 {
        (f64::from(sum) * self.0) as f32
    }
}

/// Division by the window count itself, the reference's own operation. The divider works apart from the other
/// arithmetic units, so the loops that divide much give it part of their vectors and the `f64` route the rest.
#[derive(Clone, Copy)]
struct ByDivision(f32);

impl Divide for ByDivision {
    #[inline(always)]
    fn divide(self, sum: f32) -> f32 {
        sum / self.0
    }
}

impl Divide for Divisor {
    #[inline(always)]
    fn divide(self, sum: f32) -> f32 {
        match self {
            Divisor::Exact(m) => ByPowerOfTwo(m).divide(sum),
            Divisor::Rounded(r) => ByReciprocal(r).divide(sum),
        }
    }
}

#[inline(always)]
fn add_lanes(a: &Lanes, b: &Lanes) -> Lanes {
    std::array::from_fn(|l| a[l] + b[l])
}

#[inline(always)]
fn sub_lanes(a: &Lanes, b: &Lanes) -> Lanes {
    std::array::from_fn(|l| a[l] - b[l])
}

/// Where the full-size luma comes from: converted from RGB on the fly, or given.
#[derive(Clone, Copy)]
pub(crate) enum Pixels<'a> {
    /// Packed 8-bit RGB, `3 * width * height` bytes.
    Rgb(&'a [u8]),
    /// Luma, `width * height` values.
    Luma(&'a [f32]),
}

impl Pixels<'_> {
    /// Writes the luma of rows `first..first + STRIP` into `out`: `out[j][g]` is column `j` of group `g` (rows
    /// `first + 4g..first + 4g + 4`). Rows below the image repeat its last row; their lanes are computed and
    /// ignored. `words` is scratch space for `width` vectors.
    fn load_strip(
        &self,
        width: usize,
        height: usize,
        first: usize,
        words: &mut [Lanes],
        out: &mut [StripColumn],
    ) {
        for g in 0..GROUPS {
            let first = first + g * LANES;
            match self {
                Pixels::Rgb(rgb) => rgb_lanes(
                    strip_rows(rgb, 3 * width, 3 * width, first, height),
                    width,
                    words,
                    out,
                    g,
                ),
                Pixels::Luma(luma) => {
                    // Transposed into contiguous lane vectors first: the compiler vectorizes that, and not a
                    // transpose into every fourth vector.
                    let lanes = &mut words[..width];
                    interleave(strip_rows(luma, width, width, first, height), lanes);
                    for (o, lanes) in out.iter_mut().zip(lanes.iter()) {
                        o[g] = *lanes;
                    }
                }
            }
        }
    }
}

/// The `LANES` rows of a group starting at row `first`, clamped to the last row, `len` values each, row `r`
/// starting at `r * stride`.
fn strip_rows<T>(
    data: &[T],
    stride: usize,
    len: usize,
    first: usize,
    height: usize,
) -> [&[T]; LANES] {
    std::array::from_fn(|l| {
        let row = (first + l).min(height - 1);
        &data[row * stride..][..len]
    })
}

/// `out[j] = [rows[0][j], rows[1][j], rows[2][j], rows[3][j]]`: a transpose written as a plain loop, which the
/// compiler turns into vector loads and register shuffles.
fn interleave<T: Copy>(rows: [&[T]; LANES], out: &mut [[T; LANES]]) {
    let [r0, r1, r2, r3] = rows;
    for (o, (((&a, &b), &c), &d)) in out.iter_mut().zip(r0.iter().zip(r1).zip(r2).zip(r3)) {
        *o = [a, b, c, d];
    }
}

/// The luma of four pixels of four rows, from the rows' three little-endian words that hold them
/// (`R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3`, one such triple per row in each lane).
///
/// This is the reference's value (see [`crate::luma`]) computed another way: `(299 R + 587 G + 114 B) / 1000`
/// with the integer sum exact and one correctly rounded division. The `f64` expression is within `2^-42` of that
/// exact quotient, and a quotient of an integer by 1000 is either exactly representable or at least `2^-38`
/// (relative) away from any rounding boundary of `f32`, so both round to the same `f32`; a test checks all
/// 2^24 colours. Integer lanes and shifts replace the byte shuffles that separating R, G and B would need.
#[inline(always)]
fn luma_quad(words: &[WordLanes; 3]) -> [Lanes; 4] {
    let [w0, w1, w2] = *words;
    let byte = |w: WordLanes, shift: u32| -> WordLanes { w.map(|v| (v >> shift) & 0xFF) };
    let pixel = |r: WordLanes, g: WordLanes, b: WordLanes| -> Lanes {
        std::array::from_fn(|l| (299 * r[l] + 587 * g[l] + 114 * b[l]) as f32 / 1000.0)
    };
    [
        pixel(byte(w0, 0), byte(w0, 8), byte(w0, 16)),
        pixel(byte(w0, 24), byte(w1, 0), byte(w1, 8)),
        pixel(byte(w1, 16), byte(w1, 24), byte(w2, 0)),
        pixel(byte(w2, 8), byte(w2, 16), byte(w2, 24)),
    ]
}

/// Converts `LANES` RGB rows (`3 * width` bytes each) to luma lane vectors, one per column, into group `g` of
/// `out`. `words` is scratch space for `3 * width / 4` word vectors.
///
/// Kept out of line so that its loops are compiled on their own, the same way wherever it is called.
#[inline(never)]
fn rgb_lanes(
    rows: [&[u8]; LANES],
    width: usize,
    words: &mut [Lanes],
    out: &mut [StripColumn],
    g: usize,
) {
    let out = &mut out[..width];
    let quads = width / 4;
    let words = &mut words[..3 * quads];
    transpose_words(rows, words);
    let (out_quads, out_tail) = out.as_chunks_mut::<4>();
    for (o, w) in out_quads.iter_mut().zip(words.as_chunks::<3>().0) {
        // The barrier keeps the loop vectorizer from spreading one vector across four quads (which costs a
        // gather and a transpose); each quad is then computed with its four rows in one vector, as intended.
        let w = std::hint::black_box(w);
        let w: [WordLanes; 3] = [
            w[0].map(f32::to_bits),
            w[1].map(f32::to_bits),
            w[2].map(f32::to_bits),
        ];
        let quad = luma_quad(&w);
        for (o, lanes) in o.iter_mut().zip(quad) {
            o[g] = lanes;
        }
    }
    for (c, o) in out_tail.iter_mut().enumerate() {
        let j = 3 * (4 * quads + c);
        o[g] =
            std::array::from_fn(|l| crate::luma::luma(rows[l][j], rows[l][j + 1], rows[l][j + 2]));
    }
}

/// The little-endian words of `LANES` RGB rows, transposed: `words[k][l]` is word `k` of row `l`, as the bits of
/// an `f32`. The words travel as floats because a float that is only moved keeps its bits, and the compiler
/// turns a transpose of floats into register shuffles where for integers it falls back to one move per word.
#[inline(never)]
fn transpose_words(rows: [&[u8]; LANES], words: &mut [Lanes]) {
    let len = words.len();
    let word = |row: &[u8], at: usize| {
        f32::from_bits(u32::from_le_bytes([
            row[at],
            row[at + 1],
            row[at + 2],
            row[at + 3],
        ]))
    };
    let blocks: [&[[u8; 16]]; LANES] = rows.map(|row| row[..4 * len].as_chunks::<16>().0);
    let [r0, r1, r2, r3] = blocks;
    let (word_blocks, word_tail) = words.as_chunks_mut::<4>();
    for (o, (((a, b), c), d)) in word_blocks
        .iter_mut()
        .zip(r0.iter().zip(r1).zip(r2).zip(r3))
    {
        let [a, b, c, d] =
            [a, b, c, d].map(|block| -> Lanes { std::array::from_fn(|k| word(block, 4 * k)) });
        *o = [
            [a[0], b[0], c[0], d[0]],
            [a[1], b[1], c[1], d[1]],
            [a[2], b[2], c[2], d[2]],
            [a[3], b[3], c[3], d[3]],
        ];
    }
    let done = 4 * word_blocks.len();
    for (k, o) in word_tail.iter_mut().enumerate() {
        *o = rows.map(|row| word(row, 4 * (done + k)));
    }
}

/// One box filter's shape along an axis of length `len`.
#[derive(Clone, Copy, Debug)]
struct BoxWindow {
    /// Axis length.
    len: usize,
    /// Full window.
    full: usize,
    /// Steps between the first add and the first output: `(full + 2) / 2 - 1`.
    lag: usize,
}

impl BoxWindow {
    fn new(len: usize) -> BoxWindow {
        let full = window_size(len);
        BoxWindow {
            len,
            full,
            lag: (full + 2) / 2 - 1,
        }
    }

    /// The number of values in the window when output `step - lag` is written at step `step`.
    fn count(&self, step: usize) -> usize {
        (step + 1).min(self.len) - (step + 1).saturating_sub(self.full)
    }

    /// Total steps: one per input value added, then `lag` more that only subtract.
    fn steps(&self) -> usize {
        self.len + self.lag
    }
}

/// Sums of `GROUPS` lane vectors at one step.
type GroupSums = [Lanes; GROUPS];

/// Adds a strip column's lane vectors to the running sums, group by group.
#[inline(always)]
fn add_groups(sums: &mut GroupSums, values: &StripColumn) {
    for (sum, value) in sums.iter_mut().zip(values) {
        *sum = add_lanes(sum, value);
    }
}

/// Subtracts a strip column's lane vectors from the running sums, group by group.
#[inline(always)]
fn sub_groups(sums: &mut GroupSums, values: &StripColumn) {
    for (sum, value) in sums.iter_mut().zip(values) {
        *sum = sub_lanes(sum, value);
    }
}

/// The first row pass over a strip: the reference's running-sum box filter along every row, all `GROUPS`
/// groups advancing together (which keeps the adder busy while each sum waits for its previous step), every
/// output divided and written.
///
/// At step `k` a row filter adds `input[k]` (if `k < len`), then subtracts `input[k - full]` (if `k >= full`),
/// then emits output `k - lag` (if `k >= lag`); this is the reference's four phases written as one rule. Both
/// row passes run their steps through [`row_passes`].
struct FirstRowPass<'a> {
    /// The strip's luma, column by column.
    input: &'a [StripColumn],
    /// The filter's output, column by column.
    out: &'a mut [StripColumn],
    sums: GroupSums,
}

impl FirstRowPass<'_> {
    #[inline(always)]
    fn edge_step(&mut self, k: usize, window: BoxWindow, divisors: &[Divisor]) {
        let BoxWindow { len, full, lag } = window;
        if k < len {
            add_groups(&mut self.sums, &self.input[k]);
        }
        if k >= full {
            sub_groups(&mut self.sums, &self.input[k - full]);
        }
        if k >= lag {
            let divisor = divisors[window.count(k)];
            self.out[k - lag] = self.sums.map(|sum| divisor.divide_lanes(&sum));
        }
    }
}

/// The second row pass over a strip: as the first, but only the 64 sampled columns are divided and written,
/// as `out[i]` for position `columns[i]`, every lane of the strip (the caller keeps the lanes that hold rows).
struct SecondRowPass<'a> {
    /// The strip's groups, one lane vector per column each.
    input: [&'a [Lanes]; GROUPS],
    columns: &'a [usize; SIDE],
    /// The next sampled column to write.
    next: usize,
    out: &'a mut [[f32; STRIP]; SIDE],
    sums: GroupSums,
}

impl SecondRowPass<'_> {
    #[inline(always)]
    fn edge_step(&mut self, k: usize, window: BoxWindow, divisors: &[Divisor]) {
        let BoxWindow { len, full, lag } = window;
        for (sum, group) in self.sums.iter_mut().zip(&self.input) {
            if k < len {
                *sum = add_lanes(sum, &group[k]);
            }
            if k >= full {
                *sum = sub_lanes(sum, &group[k - full]);
            }
        }
        if k >= lag {
            self.write(k - lag, divisors[window.count(k)]);
        }
    }

    /// Writes every sampled column equal to `position` (the samples of a narrow image repeat columns).
    #[inline(always)]
    fn write(&mut self, position: usize, divisor: Divisor) {
        while self.next < SIDE && self.columns[self.next] == position {
            let quotients = self.sums.map(|sum| divisor.divide_lanes(&sum));
            self.out[self.next] = std::array::from_fn(|i| quotients[i / LANES][i % LANES]);
            self.next += 1;
        }
    }

    /// The step of the next sampled column, if it is in the middle of the row (`full..len`).
    #[inline(always)]
    fn next_target(&self, window: BoxWindow) -> Option<usize> {
        let position = *self.columns.get(self.next)?;
        Some(position + window.lag).filter(|&step| step < window.len)
    }
}

/// Runs the first row pass over one strip and the second row pass over another (either may be absent), their
/// steps interleaved: each pass on its own waits on the latency of its running sums, and together they keep the
/// adder twice as busy. Kept out of line, so that the running sums stay in registers.
#[inline(never)]
fn row_passes(
    mut first: Option<FirstRowPass<'_>>,
    mut second: Option<SecondRowPass<'_>>,
    window: BoxWindow,
    divisors: &[Divisor],
) {
    let BoxWindow { len, full, lag } = window;
    for k in 0..full {
        if let Some(pass) = &mut first {
            pass.edge_step(k, window, divisors);
        }
        if let Some(pass) = &mut second {
            pass.edge_step(k, window, divisors);
        }
    }
    // The middle, where every window is full, in stretches that end at the second pass's sampled columns.
    let mut step = full;
    loop {
        let next = second.as_ref().and_then(|pass| pass.next_target(window));
        let end = next.map_or(len, |target| target + 1);
        if end > step {
            // One copy of the loop per kind of divisor, so that the choice is made once, not at every step.
            // Odd groups divide through the reciprocal, even ones with the divider, which works apart from the
            // other arithmetic units.
            let by_division = ByDivision(full as f32);
            match (&mut first, &mut second, divisors[full]) {
                (Some(first), Some(second), Divisor::Exact(m)) => full_steps_both(
                    first,
                    second,
                    full,
                    lag,
                    step..end,
                    (ByPowerOfTwo(m), ByPowerOfTwo(m)),
                ),
                (Some(first), Some(second), Divisor::Rounded(r)) => full_steps_both(
                    first,
                    second,
                    full,
                    lag,
                    step..end,
                    (by_division, ByReciprocal(r)),
                ),
                (Some(first), None, Divisor::Exact(m)) => full_steps_first(
                    first,
                    full,
                    lag,
                    step..end,
                    (ByPowerOfTwo(m), ByPowerOfTwo(m)),
                ),
                (Some(first), None, Divisor::Rounded(r)) => {
                    full_steps_first(first, full, lag, step..end, (by_division, ByReciprocal(r)))
                }
                (None, Some(second), _) => full_steps_second(second, full, step..end),
                (None, None, _) => {}
            }
            step = end;
        }
        let (Some(target), Some(pass)) = (next, &mut second) else {
            break;
        };
        pass.write(target - lag, divisors[full]);
    }
    for k in len..len + lag {
        if let Some(pass) = &mut first {
            pass.edge_step(k, window, divisors);
        }
        if let Some(pass) = &mut second {
            pass.edge_step(k, window, divisors);
        }
    }
}

/// The quotients of the groups' sums, even groups divided by `divisors.0` and odd ones by `divisors.1`.
#[inline(always)]
fn divide_alternately(sums: &GroupSums, divisors: (impl Divide, impl Divide)) -> StripColumn {
    let (even, odd) = divisors;
    std::array::from_fn(|g| {
        if g % 2 == 0 {
            even.divide_lanes(&sums[g])
        } else {
            odd.divide_lanes(&sums[g])
        }
    })
}

/// Middle steps `steps` of the first row pass: add the entering values, subtract the leaving ones (`full`
/// columns back), write the quotients (`lag` columns back).
#[inline(always)]
fn full_steps_first(
    pass: &mut FirstRowPass<'_>,
    full: usize,
    lag: usize,
    steps: std::ops::Range<usize>,
    divisors: (impl Divide, impl Divide),
) {
    let entering = &pass.input[steps.clone()];
    let leaving = &pass.input[steps.start - full..steps.end - full];
    let out = &mut pass.out[steps.start - lag..steps.end - lag];
    let mut sums = pass.sums;
    for ((e, l), o) in entering.iter().zip(leaving).zip(out) {
        add_groups(&mut sums, e);
        sub_groups(&mut sums, l);
        *o = divide_alternately(&sums, divisors);
    }
    pass.sums = sums;
}

/// Middle steps `steps` of the second row pass, which write nothing.
#[inline(always)]
fn full_steps_second(pass: &mut SecondRowPass<'_>, full: usize, steps: std::ops::Range<usize>) {
    let [i0, i1, i2, i3] = pass.input;
    let entering = steps.clone();
    let leaving = steps.start - full..steps.end - full;
    let (e0, e1, e2, e3) = (
        &i0[entering.clone()],
        &i1[entering.clone()],
        &i2[entering.clone()],
        &i3[entering],
    );
    let (l0, l1, l2, l3) = (
        &i0[leaving.clone()],
        &i1[leaving.clone()],
        &i2[leaving.clone()],
        &i3[leaving],
    );
    let [mut s0, mut s1, mut s2, mut s3] = pass.sums;
    for k in 0..e0.len() {
        s0 = sub_lanes(&add_lanes(&s0, &e0[k]), &l0[k]);
        s1 = sub_lanes(&add_lanes(&s1, &e1[k]), &l1[k]);
        s2 = sub_lanes(&add_lanes(&s2, &e2[k]), &l2[k]);
        s3 = sub_lanes(&add_lanes(&s3, &e3[k]), &l3[k]);
    }
    pass.sums = [s0, s1, s2, s3];
}

/// Middle steps `steps` of both row passes, interleaved.
#[inline(always)]
fn full_steps_both(
    first: &mut FirstRowPass<'_>,
    second: &mut SecondRowPass<'_>,
    full: usize,
    lag: usize,
    steps: std::ops::Range<usize>,
    divisors: (impl Divide, impl Divide),
) {
    let entering = &first.input[steps.clone()];
    let leaving = &first.input[steps.start - full..steps.end - full];
    let out = &mut first.out[steps.start - lag..steps.end - lag];
    let n = entering.len();
    let [i0, i1, i2, i3] = second.input;
    let second_entering = steps.clone();
    let second_leaving = steps.start - full..steps.end - full;
    let (e0, e1, e2, e3) = (
        &i0[second_entering.clone()],
        &i1[second_entering.clone()],
        &i2[second_entering.clone()],
        &i3[second_entering],
    );
    let (l0, l1, l2, l3) = (
        &i0[second_leaving.clone()],
        &i1[second_leaving.clone()],
        &i2[second_leaving.clone()],
        &i3[second_leaving],
    );
    let (e0, e1, e2, e3) = (&e0[..n], &e1[..n], &e2[..n], &e3[..n]);
    let (l0, l1, l2, l3) = (&l0[..n], &l1[..n], &l2[..n], &l3[..n]);
    let (leaving, out) = (&leaving[..n], &mut out[..n]);
    let mut sums = first.sums;
    let [mut s0, mut s1, mut s2, mut s3] = second.sums;
    for k in 0..n {
        add_groups(&mut sums, &entering[k]);
        s0 = add_lanes(&s0, &e0[k]);
        s1 = add_lanes(&s1, &e1[k]);
        s2 = add_lanes(&s2, &e2[k]);
        s3 = add_lanes(&s3, &e3[k]);
        sub_groups(&mut sums, &leaving[k]);
        s0 = sub_lanes(&s0, &l0[k]);
        s1 = sub_lanes(&s1, &l1[k]);
        s2 = sub_lanes(&s2, &l2[k]);
        s3 = sub_lanes(&s3, &l3[k]);
        out[k] = divide_alternately(&sums, divisors);
    }
    first.sums = sums;
    second.sums = [s0, s1, s2, s3];
}

/// The second column pass, run as the second row pass delivers rows: only the 64 sampled columns exist, and
/// only the 64 sampled rows are kept.
struct SampledColumnPass {
    sums: [f32; SIDE],
    /// The next step to run.
    step: usize,
    /// The next sampled row to write.
    next: usize,
    out: Image64,
}

impl SampledColumnPass {
    /// Runs the steps before `until`, reading the second row pass's rows from the ring `rows` (row `r` in slot
    /// `r % rows.len()`), which must still hold every row from `step - full` on.
    fn advance(
        &mut self,
        rows: &[[f32; SIDE]],
        until: usize,
        window: BoxWindow,
        sampled_rows: &[usize; SIDE],
        divisors: &[Divisor],
    ) {
        let BoxWindow { len, full, lag } = window;
        let ring = rows.len();
        // Ring slots of the entering and leaving rows, advanced without a division per step.
        let mut entering_slot = self.step % ring;
        let mut leaving_slot = (self.step + ring - full % ring) % ring;
        while self.step < until {
            let step = self.step;
            if step < len {
                let entering = &rows[entering_slot];
                self.sums = std::array::from_fn(|j| self.sums[j] + entering[j]);
            }
            if step >= full {
                let leaving = &rows[leaving_slot];
                self.sums = std::array::from_fn(|j| self.sums[j] - leaving[j]);
            }
            entering_slot = if entering_slot + 1 == ring {
                0
            } else {
                entering_slot + 1
            };
            leaving_slot = if leaving_slot + 1 == ring {
                0
            } else {
                leaving_slot + 1
            };
            if step >= lag {
                let divisor = divisors[window.count(step)];
                while self.next < SIDE && sampled_rows[self.next] == step - lag {
                    self.out[self.next] = std::array::from_fn(|j| divisor.divide(self.sums[j]));
                    self.next += 1;
                }
            }
            self.step += 1;
        }
    }
}

/// Four rows by four columns of a row-major image, row by row: `tile[l]` is four columns of row `l`. The
/// column passes keep their rows in tiles, so that turning a strip's lane vectors into rows and back is a 4x4
/// transpose from one 64-byte block to another, which the compiler does in registers.
type Tile = [Lanes; LANES];

/// `m` transposed: `out[i][j] = m[j][i]`.
#[inline(always)]
fn transpose(m: &Tile) -> Tile {
    [
        [m[0][0], m[1][0], m[2][0], m[3][0]],
        [m[0][1], m[1][1], m[2][1], m[3][1]],
        [m[0][2], m[1][2], m[2][2], m[3][2]],
        [m[0][3], m[1][3], m[2][3], m[3][3]],
    ]
}

/// Transposes a strip (one lane vector per group and column, lanes a group's four rows) into tiles of its rows:
/// `tiles[g][c]` takes columns `4c..4c + 4` of group `g`. `strip` must hold `4 * c` columns for the `c` tiles of
/// each row of tiles.
#[inline(never)]
fn lanes_to_tiles(strip: &[StripColumn], tiles: [&mut [Tile]; GROUPS]) {
    let [t0, t1, t2, t3] = tiles;
    for ((((block, t0), t1), t2), t3) in strip
        .as_chunks::<LANES>()
        .0
        .iter()
        .zip(t0)
        .zip(t1)
        .zip(t2)
        .zip(t3)
    {
        let column = |g: usize| transpose(&[block[0][g], block[1][g], block[2][g], block[3][g]]);
        (*t0, *t1, *t2, *t3) = (column(0), column(1), column(2), column(3));
    }
}

/// The inverse of [`lanes_to_tiles`].
#[inline(never)]
fn tiles_to_lanes(tiles: &[Tile], lanes: &mut [Lanes]) {
    for (block, tile) in lanes.as_chunks_mut::<LANES>().0.iter_mut().zip(tiles) {
        *block = transpose(tile);
    }
}

/// What each of the four steps of a block of the first column pass does.
#[derive(Clone, Copy)]
struct StepBlock<D, E> {
    /// Whether step `l` adds its entering row.
    adds: [bool; LANES],
    /// Whether step `l` subtracts its leaving row.
    subtracts: [bool; LANES],
    /// The divisor of the outputs of steps 0 and 2.
    even: [D; 2],
    /// The divisor of the outputs of steps 1 and 3.
    odd: [E; 2],
}

/// Where a step's leaving row is: a row of tiles (all the columns) and the row within each tile.
type TileRow<'a> = (&'a [Tile], usize);

/// Four steps of the first column pass (steps `4b..4b + 4`) on every column, four columns at a time: each
/// four-column vector of running sums adds the entering row (`entering[c][l]` for step `l`), subtracts the
/// leaving row and divides, exactly as the reference's column filter does for each column, and stays in a
/// register for the four steps. The four outputs (rows `4b - lag..4b - lag + 4` of the filter's output) form
/// the tile `out[c]`.
///
/// `entering` is empty when no step of the block adds.
#[inline(always)]
fn column_block<D: Divide, E: Divide>(
    entering: &[Tile],
    leaving: [TileRow<'_>; LANES],
    sums: &mut [Lanes],
    out: &mut [Tile],
    steps: StepBlock<D, E>,
) {
    let chunks = sums.len();
    let out = &mut out[..chunks];
    let leaving = leaving.map(|(tiles, row)| (&tiles[..chunks], row));
    for (c, (sum, out)) in sums.iter_mut().zip(out.iter_mut()).enumerate() {
        let entering = entering.get(c);
        let mut s = *sum;
        let step = |l: usize, s: &mut Lanes| {
            if let (true, Some(rows)) = (steps.adds[l], entering) {
                *s = add_lanes(s, &rows[l]);
            }
            if steps.subtracts[l] {
                let (tiles, row) = leaving[l];
                *s = sub_lanes(s, &tiles[c][row]);
            }
        };
        step(0, &mut s);
        let out0 = steps.even[0].divide_lanes(&s);
        step(1, &mut s);
        let out1 = steps.odd[0].divide_lanes(&s);
        step(2, &mut s);
        let out2 = steps.even[1].divide_lanes(&s);
        step(3, &mut s);
        let out3 = steps.odd[1].divide_lanes(&s);
        *sum = s;
        *out = [out0, out1, out2, out3];
    }
}

/// [`column_block`] in the middle of the image, where every step adds, subtracts and divides by the full
/// window. The even steps divide with `even`, the odd ones with `odd`: two ways to the same quotient, which
/// share the work between the divider and the other arithmetic units.
#[inline(never)]
fn column_block_full<D: Divide, E: Divide>(
    entering: &[Tile],
    leaving: [TileRow<'_>; LANES],
    sums: &mut [Lanes],
    out: &mut [Tile],
    even: D,
    odd: E,
) {
    let steps = StepBlock {
        adds: [true; LANES],
        subtracts: [true; LANES],
        even: [even; 2],
        odd: [odd; 2],
    };
    column_block(entering, leaving, sums, out, steps);
}

/// [`column_block`] at the top or bottom of the image, where steps differ.
#[inline(never)]
fn column_block_edge(
    entering: &[Tile],
    leaving: [TileRow<'_>; LANES],
    sums: &mut [Lanes],
    out: &mut [Tile],
    steps: StepBlock<Divisor, Divisor>,
) {
    column_block(entering, leaving, sums, out, steps);
}

/// Scratch space for [`Downscaler::run`], kept between images so that hashing many images does not allocate
/// once the largest size has been seen.
#[derive(Default)]
pub(crate) struct Downscaler {
    /// The RGB bytes of a group of rows, as word vectors.
    words: Vec<Lanes>,
    /// A strip of input luma, transposed group by group: one lane vector per group and column.
    lanes_in: Vec<StripColumn>,
    /// The first row pass's output, transposed.
    lanes_out: Vec<StripColumn>,
    /// The first row pass's output in tiles, four rows to a row of tiles: the rows that the first column pass
    /// still needs, in a ring.
    row_tiles: Vec<Tile>,
    /// The first column pass's running sums, four columns to a vector.
    column_sums: Vec<Lanes>,
    /// The first column pass's output for a strip, in tiles.
    column_tiles: Vec<Tile>,
    /// The first column pass's output for a strip, transposed, for the second row pass.
    column_lanes: Vec<Lanes>,
    /// The second row pass's output at the 64 sampled columns: the rows that the second column pass still
    /// needs, in a ring.
    sampled_columns: Vec<[f32; SIDE]>,
    /// The divisor for every window count that can occur.
    divisors: Vec<Divisor>,
}

impl Downscaler {
    /// Blurs and decimates a `width` x `height` image to 64x64, as the reference's `jaroszFilterFloat` (two
    /// passes) followed by `decimateFloat`. Both sides must be at least 1 and at most [`MAX_SIDE`], and
    /// `pixels` must hold exactly `width * height` pixels.
    ///
    /// The four passes run interleaved, four rows at a time. Block `b` is rows `4b..4b + 4` of the first row
    /// pass's output (computed a strip of `GROUPS` blocks at a time) and steps `4b..4b + 4` of the first column
    /// pass, whose outputs are rows `4b - lag..4b - lag + 4` of the column filter; the second row pass takes
    /// `GROUPS` such blocks at a time, and the second column pass follows it on the 64 sampled columns.
    pub(crate) fn run(&mut self, pixels: Pixels<'_>, width: usize, height: usize) -> Image64 {
        let along_rows = BoxWindow::new(width);
        let along_columns = BoxWindow::new(height);
        let sampled_columns = sample_positions(width);
        let sampled_rows = sample_positions(height);

        let max_count = along_rows.full.max(along_columns.full);
        self.divisors.clear();
        self.divisors.extend((0..=max_count).map(Divisor::new));

        // Columns come in chunks of four; the padding after the last column (at least three lane vectors) is
        // computed on whatever the buffers hold and never read back into a real column.
        let chunks = width.div_ceil(LANES);
        let lanes_stride = width + PAD_LANES;
        let tiles_stride = chunks + PAD_LANES / LANES;
        let BoxWindow { full, lag, .. } = along_columns;
        // The first column pass reads rows down to 4b - full while the strip's last block, b + GROUPS - 1, is
        // already stored.
        let ring = (GROUPS + full.div_ceil(LANES) + 1).next_multiple_of(GROUPS);
        self.words.resize(width, [0.0; LANES]);
        self.lanes_in.resize(lanes_stride, [[0.0; LANES]; GROUPS]);
        self.lanes_out.resize(lanes_stride, [[0.0; LANES]; GROUPS]);
        self.row_tiles
            .resize(ring * tiles_stride, [[0.0; LANES]; LANES]);
        self.column_sums.clear();
        self.column_sums.resize(chunks, [0.0; LANES]);
        self.column_tiles
            .resize(GROUPS * tiles_stride, [[0.0; LANES]; LANES]);
        self.column_lanes
            .resize(GROUPS * lanes_stride, [0.0; LANES]);
        // The second column pass subtracts row k - full at step k, and a strip's rows arrive at once.
        self.sampled_columns
            .resize(along_columns.full + STRIP, [0.0; SIDE]);

        let Downscaler {
            words,
            lanes_in,
            lanes_out,
            row_tiles,
            column_sums,
            column_tiles,
            column_lanes,
            sampled_columns: second_row_pass,
            divisors,
        } = self;

        let mut second_column_pass = SampledColumnPass {
            sums: [0.0; SIDE],
            step: 0,
            next: 0,
            out: [[0.0; SIDE]; SIDE],
        };
        let mut samples = [[0f32; STRIP]; SIDE];

        let steps = along_columns.steps();
        let blocks = steps.div_ceil(LANES);
        let tile_row = |row: usize| (row / LANES % ring) * tiles_stride;
        let divisors: &[Divisor] = divisors;

        // Four steps of the first column pass, from `first_step` on, into the tiles `out`.
        let column_pass_block = |row_tiles: &[Tile],
                                 column_sums: &mut [Lanes],
                                 out: &mut [Tile],
                                 first_step: usize| {
            let entering = if first_step < height {
                &row_tiles[tile_row(first_step)..][..chunks]
            } else {
                &[][..]
            };
            // Steps that do not subtract get a row anyway; it is not read.
            let leaving: [TileRow<'_>; LANES] = std::array::from_fn(|l| {
                let row = (first_step + l).saturating_sub(full);
                (&row_tiles[tile_row(row)..][..chunks], row % LANES)
            });
            if first_step >= full && first_step + LANES <= height {
                match divisors[full] {
                    Divisor::Exact(m) => column_block_full(
                        entering,
                        leaving,
                        column_sums,
                        out,
                        ByPowerOfTwo(m),
                        ByPowerOfTwo(m),
                    ),
                    Divisor::Rounded(r) => column_block_full(
                        entering,
                        leaving,
                        column_sums,
                        out,
                        ByDivision(full as f32),
                        ByReciprocal(r),
                    ),
                }
            } else {
                // Steps past the last one (at the end of the last block) do nothing that is read.
                let divisor = |l: usize| {
                    let step = first_step + l;
                    divisors[if step < steps {
                        along_columns.count(step)
                    } else {
                        1
                    }]
                };
                let step_block = StepBlock {
                    adds: std::array::from_fn(|l| first_step + l < height),
                    subtracts: std::array::from_fn(|l| (full..steps).contains(&(first_step + l))),
                    even: [divisor(0), divisor(2)],
                    odd: [divisor(1), divisor(3)],
                };
                column_block_edge(entering, leaving, column_sums, out, step_block);
            }
        };

        // Hands the second row pass's samples for the strip whose first step is `strip_step` (its `lanes`
        // that hold rows) to the second column pass, and runs that as far as they allow.
        let hand_over = |samples: &[[f32; STRIP]; SIDE],
                         strip_step: usize,
                         lanes: std::ops::Range<usize>,
                         second_row_pass: &mut [[f32; SIDE]],
                         second_column_pass: &mut SampledColumnPass| {
            let ring = second_row_pass.len();
            let end = strip_step + lanes.end - lag;
            for lane in lanes {
                let row = &mut second_row_pass[(strip_step + lane - lag) % ring];
                for (value, sample) in row.iter_mut().zip(samples) {
                    *value = sample[lane];
                }
            }
            second_column_pass.advance(
                second_row_pass,
                end,
                along_columns,
                &sampled_rows,
                divisors,
            );
        };

        // The second row pass of the strip before, once its input is ready: the blocks' first step and the
        // range of its lanes that hold rows of the column filter's output (the first `lag` steps and those past
        // `steps` have none).
        let mut pending: Option<(usize, std::ops::Range<usize>)> = None;
        for block in (0..blocks).step_by(GROUPS) {
            let first_step = LANES * block;
            // The first row pass on this strip (if it has rows) and the second on the strip before (if any).
            let first = (first_step < height).then(|| {
                pixels.load_strip(width, height, first_step, words, lanes_in);
                FirstRowPass {
                    input: lanes_in,
                    out: lanes_out,
                    sums: [[0.0; LANES]; GROUPS],
                }
            });
            let second = pending.as_ref().map(|_| SecondRowPass {
                input: std::array::from_fn(|g| &column_lanes[g * lanes_stride..][..width]),
                columns: &sampled_columns,
                next: 0,
                out: &mut samples,
                sums: [[0.0; LANES]; GROUPS],
            });
            let has_first = first.is_some();
            row_passes(first, second, along_rows, divisors);
            if let Some((strip_step, lanes)) = pending.take() {
                hand_over(
                    &samples,
                    strip_step,
                    lanes,
                    second_row_pass,
                    &mut second_column_pass,
                );
            }
            if has_first {
                // The strip's four rows of tiles are consecutive in the ring (which holds whole strips).
                let start = tile_row(first_step);
                let mut rows =
                    row_tiles[start..][..GROUPS * tiles_stride].chunks_exact_mut(tiles_stride);
                let tiles = std::array::from_fn(|_| {
                    rows.next().map_or(&mut [][..], |row| &mut row[..chunks])
                });
                lanes_to_tiles(lanes_out, tiles);
            }

            // The first column pass, four steps at a time, on the strip's blocks.
            let strip_blocks = GROUPS.min(blocks - block);
            for group in 0..strip_blocks {
                let first_step = LANES * (block + group);
                column_pass_block(
                    row_tiles,
                    column_sums,
                    &mut column_tiles[group * tiles_stride..][..chunks],
                    first_step,
                );
            }
            let end_step = (first_step + LANES * strip_blocks).min(steps);
            let start_step = first_step.max(lag);
            if start_step < end_step {
                for (tiles, lanes) in column_tiles
                    .chunks_exact(tiles_stride)
                    .zip(column_lanes.chunks_exact_mut(lanes_stride))
                    .take(strip_blocks)
                {
                    tiles_to_lanes(&tiles[..chunks], lanes);
                }
                pending = Some((first_step, start_step - first_step..end_step - first_step));
            }
        }
        if let Some((strip_step, lanes)) = pending.take() {
            let second = SecondRowPass {
                input: std::array::from_fn(|g| &column_lanes[g * lanes_stride..][..width]),
                columns: &sampled_columns,
                next: 0,
                out: &mut samples,
                sums: [[0.0; LANES]; GROUPS],
            };
            row_passes(None, Some(second), along_rows, divisors);
            hand_over(
                &samples,
                strip_step,
                lanes,
                second_row_pass,
                &mut second_column_pass,
            );
        }

        second_column_pass.advance(
            second_row_pass,
            along_columns.steps(),
            along_columns,
            &sampled_rows,
            divisors,
        );
        second_column_pass.out
    }
}

#[cfg(test)]
pub(crate) mod reference {
    //! A plain transcription of the reference's downscaling, to check the fast version against.

    use super::*;

    /// The reference's one-dimensional box filter, with its four phases.
    fn box_1d(input: &[f32], output: &mut [f32], len: usize, stride: usize, full: usize) {
        let half = (full + 2) / 2;
        let (mut sum, mut count) = (0f32, 0usize);
        let (mut li, mut ri, mut oi) = (0, 0, 0);
        for _ in 0..half - 1 {
            sum += input[ri];
            count += 1;
            ri += stride;
        }
        for _ in 0..full - half + 1 {
            sum += input[ri];
            count += 1;
            output[oi] = sum / count as f32;
            ri += stride;
            oi += stride;
        }
        for _ in 0..len - full {
            sum += input[ri];
            sum -= input[li];
            output[oi] = sum / count as f32;
            li += stride;
            ri += stride;
            oi += stride;
        }
        for _ in 0..half - 1 {
            sum -= input[li];
            count -= 1;
            output[oi] = sum / count as f32;
            li += stride;
            oi += stride;
        }
    }

    /// Two passes of rows-then-columns box filters, then decimation, on a row-major luma image.
    pub(crate) fn downscale(luma: &[f32], width: usize, height: usize) -> Image64 {
        let mut buffer1 = luma.to_vec();
        let mut buffer2 = vec![0f32; luma.len()];
        let (along_rows, along_columns) = (window_size(width), window_size(height));
        for _ in 0..2 {
            for i in 0..height {
                box_1d(
                    &buffer1[i * width..],
                    &mut buffer2[i * width..],
                    width,
                    1,
                    along_rows,
                );
            }
            for j in 0..width {
                box_1d(
                    &buffer2[j..],
                    &mut buffer1[j..],
                    height,
                    width,
                    along_columns,
                );
            }
        }
        let rows = sample_positions(height);
        let columns = sample_positions(width);
        std::array::from_fn(|i| std::array::from_fn(|j| buffer1[rows[i] * width + columns[j]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random_luma(width: usize, height: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..width * height)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                crate::luma::luma((state >> 24) as u8, (state >> 16) as u8, (state >> 8) as u8)
            })
            .collect()
    }

    fn assert_same(width: usize, height: usize, seed: u32) {
        let luma = pseudo_random_luma(width, height, seed);
        let fast = Downscaler::default().run(Pixels::Luma(&luma), width, height);
        let slow = reference::downscale(&luma, width, height);
        for i in 0..SIDE {
            for j in 0..SIDE {
                assert_eq!(
                    fast[i][j].to_bits(),
                    slow[i][j].to_bits(),
                    "{width}x{height} seed {seed}: output ({i}, {j}) is {} here, {} in the reference",
                    fast[i][j],
                    slow[i][j]
                );
            }
        }
    }

    #[test]
    fn matches_reference_on_many_sizes() {
        let sizes = [
            (1, 1),
            (1, 7),
            (7, 1),
            (5, 5),
            (8, 8),
            (9, 17),
            (63, 65),
            (64, 64),
            (127, 128),
            (129, 130),
            (255, 257),
            (300, 200),
            (517, 389),
            (1024, 768),
            (9, 3000),
            (3000, 9),
        ];
        for (seed, &(width, height)) in sizes.iter().enumerate() {
            assert_same(width, height, seed as u32);
        }
    }

    fn pseudo_random_rgb(width: usize, height: usize, seed: u32) -> Vec<u8> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..width * height * 3)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                // Mostly smooth with noise, and some saturated values.
                ((i / 3 % 251) as u32 + (state >> 28)).min(255) as u8
            })
            .collect()
    }

    #[test]
    fn rgb_input_matches_reference_on_many_sizes() {
        for (seed, &(width, height)) in [
            (1, 1),
            (5, 17),
            (15, 16),
            (16, 16),
            (17, 33),
            (33, 5),
            (48, 64),
            (100, 37),
            (257, 250),
            (1024, 768),
            (9, 3000),
            (3000, 9),
        ]
        .iter()
        .enumerate()
        {
            let rgb = pseudo_random_rgb(width, height, seed as u32);
            let luma: Vec<f32> = rgb
                .chunks_exact(3)
                .map(|p| crate::luma::luma(p[0], p[1], p[2]))
                .collect();
            let fast = Downscaler::default().run(Pixels::Rgb(&rgb), width, height);
            assert_eq!(
                fast,
                reference::downscale(&luma, width, height),
                "{width}x{height}"
            );
        }
    }

    #[test]
    fn luma_quad_equals_the_reference_luma_for_every_colour() {
        // Lane l of pixel p holds colour (r, g, 4 * l + p + 16 * high): every blue value once per (r, g).
        for r in 0..=255u8 {
            for g in 0..=255u8 {
                for high in 0..16u8 {
                    let blue = |l: usize, p: usize| (4 * l + p) as u8 + 16 * high;
                    let words: [WordLanes; 3] = std::array::from_fn(|k| {
                        std::array::from_fn(|l| {
                            let mut row = [0u8; 12];
                            for p in 0..4 {
                                row[3 * p..3 * p + 3].copy_from_slice(&[r, g, blue(l, p)]);
                            }
                            u32::from_le_bytes([
                                row[4 * k],
                                row[4 * k + 1],
                                row[4 * k + 2],
                                row[4 * k + 3],
                            ])
                        })
                    });
                    for (p, lanes) in luma_quad(&words).iter().enumerate() {
                        for (l, &y) in lanes.iter().enumerate() {
                            let b = blue(l, p);
                            assert_eq!(
                                y.to_bits(),
                                crate::luma::luma(r, g, b).to_bits(),
                                "{r} {g} {b}"
                            );
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// Random sizes reach every combination of row and column windows, strip and block boundaries and
        /// padding that the fixed lists above might miss; one downscaler serves them all, as in a long run.
        #[test]
        fn matches_reference_on_random_sizes(
            width in 1usize..400,
            height in 1usize..400,
            seed in proptest::prelude::any::<u32>(),
            rgb in proptest::prelude::any::<bool>(),
        ) {
            thread_local! {
                static DOWNSCALER: std::cell::RefCell<Downscaler> = Default::default();
            }
            let (fast, luma) = if rgb {
                let rgb = pseudo_random_rgb(width, height, seed);
                let luma: Vec<f32> = rgb
                    .chunks_exact(3)
                    .map(|p| crate::luma::luma(p[0], p[1], p[2]))
                    .collect();
                let fast = DOWNSCALER.with_borrow_mut(|d| d.run(Pixels::Rgb(&rgb), width, height));
                (fast, luma)
            } else {
                let luma = pseudo_random_luma(width, height, seed);
                let fast = DOWNSCALER.with_borrow_mut(|d| d.run(Pixels::Luma(&luma), width, height));
                (fast, luma)
            };
            let slow = reference::downscale(&luma, width, height);
            let bits = |image: &Image64| image.map(|row| row.map(f32::to_bits));
            proptest::prop_assert_eq!(bits(&fast), bits(&slow), "{}x{} seed {}", width, height, seed);
        }
    }

    #[test]
    fn scratch_reuse_across_sizes_gives_the_same_result() {
        let mut downscaler = Downscaler::default();
        for &(width, height, seed) in &[(600, 500, 1), (70, 900, 2), (600, 500, 1), (3, 2, 4)] {
            let luma = pseudo_random_luma(width, height, seed);
            let reused = downscaler.run(Pixels::Luma(&luma), width, height);
            assert_eq!(
                reused,
                reference::downscale(&luma, width, height),
                "{width}x{height}"
            );
        }
    }

    #[test]
    fn window_and_samples_follow_the_reference_formulas() {
        assert_eq!(window_size(1), 1);
        assert_eq!(window_size(128), 1);
        assert_eq!(window_size(129), 2);
        assert_eq!(window_size(1024), 8);
        assert_eq!(window_size(768), 6);
        let samples = sample_positions(1024);
        assert_eq!((samples[0], samples[1], samples[63]), (8, 24, 1016));
        let samples = sample_positions(34);
        assert_eq!(
            (samples[0], samples[1], samples[2], samples[63]),
            (0, 0, 1, 33)
        );
    }

    #[test]
    fn divisor_divides_exactly() {
        // Every f32 significand in one binade; scaling by powers of two does not change the rounding.
        for n in [
            1u32, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15, 16, 24, 31, 64, 100, 129, 1000,
        ] {
            let divisor = Divisor::new(n as usize);
            let nf = n as f32;
            for m in (0u32..1 << 23).step_by(if n < 16 { 1 } else { 7 }) {
                let x = f32::from_bits(127 << 23 | m);
                assert_eq!(divisor.divide(x).to_bits(), (x / nf).to_bits(), "{x} / {n}");
            }
        }
    }
}
