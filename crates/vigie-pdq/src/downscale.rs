//! Blur and decimate a full-size luma image to 64x64, bit-for-bit as the reference does, only faster.
//!
//! The reference runs a Jarosz tent filter: a box filter along every row, then along every column, twice over,
//! each box filter a running sum in `f32` (add the entering value, subtract the leaving one, divide by the
//! window's count). Then it keeps one pixel in each 64th of each axis. Float addition is not associative, so the
//! running sums must add and subtract exactly the same values in exactly the same order. Within that rule we are
//! free to:
//!
//! - run many independent running sums side by side (sixteen rows at once along the rows, every column at once
//!   down the columns), which is what lets the compiler use vector instructions without any `unsafe`;
//! - stream: each stage consumes rows as the previous one produces them, so the working set stays in cache
//!   instead of four full-size float buffers;
//! - skip work whose result is never read: the second row pass only has to write the 64 columns that are
//!   sampled, and the second column pass only has to visit those 64 columns and write the 64 sampled rows;
//! - compute a value another way when the result is provably the same: see [`Divisor`] and [`luma_quad`].
//!
//! Along rows, four rows form a group that is transposed, so that their four running sums sit in one `[f32; 4]`
//! (one vector register) that moves along the row as a unit; four groups advance together. For RGB input the
//! transpose happens on 4-byte words, and shifts then separate the red, green and blue bytes.

use crate::dct::{Image64, SIDE};

/// Rows in one lane vector: one SSE register of `f32`.
const LANES: usize = 4;
/// Lane vectors processed side by side along the rows, so that their running sums overlap in time.
const GROUPS: usize = 4;
/// Rows in a strip.
const STRIP: usize = LANES * GROUPS;
/// One value from each of the `LANES` rows of a group, at one column.
type Lanes = [f32; LANES];
/// One 4-byte word from each of the `LANES` rows of a group, at one offset.
type WordLanes = [u32; LANES];

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

/// Division by a window count, rounded to `f32` exactly as the reference's `f32` division rounds it, without the
/// slow vector division instruction.
///
/// A power of two is a multiplication by its exact reciprocal: the same exact value, rounded once. Any other
/// count `n` goes through `f64`: the product of the sum and `1 / n` (rounded to `f64`) is within a relative
/// `2^-52` of the true quotient, and a true quotient `x / n` of an `f32` by an integer `n < 2^24` is never
/// closer than a relative `2^-26 / n` to a point halfway between two `f32` values (nor ever exactly on one), so
/// rounding the product to `f32` lands where rounding the true quotient does. A test checks every `f32`
/// significand for a range of counts. (Results in the subnormal range, far below any luma value, are not covered
/// by the argument.) The divider is left to the luma conversion, which keeps it busy.
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
    /// Writes the luma of rows `first..first + STRIP` into `out`, group-major: group `g` (rows
    /// `first + 4g..first + 4g + 4`) takes `out[g * width..(g + 1) * width]`, one lane vector per column. Rows
    /// below the image repeat its last row; their lanes are computed and ignored.
    fn load_strip(
        &self,
        width: usize,
        height: usize,
        first: usize,
        words: &mut [WordLanes],
        out: &mut [Lanes],
    ) {
        for (g, out) in out.chunks_exact_mut(width).enumerate() {
            let first = first + g * LANES;
            match self {
                Pixels::Rgb(rgb) => {
                    rgb_lanes(strip_rows(rgb, 3 * width, first, height), width, words, out)
                }
                Pixels::Luma(luma) => interleave(strip_rows(luma, width, first, height), out),
            }
        }
    }
}

/// The `LANES` rows of a group starting at row `first`, clamped to the last row.
fn strip_rows<T>(data: &[T], row_len: usize, first: usize, height: usize) -> [&[T]; LANES] {
    std::array::from_fn(|l| {
        let row = (first + l).min(height - 1);
        &data[row * row_len..(row + 1) * row_len]
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

/// The inverse of [`interleave`]: `rows[l][j] = input[j][l]`.
fn deinterleave(input: &[Lanes], rows: [&mut [f32]; LANES]) {
    let [r0, r1, r2, r3] = rows;
    for ((((v, a), b), c), d) in input
        .iter()
        .zip(r0.iter_mut())
        .zip(r1.iter_mut())
        .zip(r2.iter_mut())
        .zip(r3.iter_mut())
    {
        [*a, *b, *c, *d] = *v;
    }
}

/// Splits `LANES` consecutive rows of `width` values off the front of `rows`.
fn split_rows(rows: &mut [f32], width: usize) -> [&mut [f32]; LANES] {
    let (r0, rest) = rows.split_at_mut(width);
    let (r1, rest) = rest.split_at_mut(width);
    let (r2, rest) = rest.split_at_mut(width);
    [r0, r1, r2, &mut rest[..width]]
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

/// Converts `LANES` RGB rows (`3 * width` bytes each) to luma lane vectors, one per column. `words` is scratch
/// space for `3 * width / 4` word vectors.
fn rgb_lanes(rows: [&[u8]; LANES], width: usize, words: &mut [WordLanes], out: &mut [Lanes]) {
    debug_assert_eq!(out.len(), width);
    let quads = width / 4;
    let words = &mut words[..3 * quads];
    // Four words of each row at a time: a 4x4 transpose of 32-bit values.
    let row_blocks: [&[[u8; 16]]; LANES] = rows.map(|row| row[..12 * quads].as_chunks::<16>().0);
    let [r0, r1, r2, r3] = row_blocks;
    let (word_blocks, word_tail) = words.as_chunks_mut::<4>();
    for (o, (((a, b), c), d)) in word_blocks
        .iter_mut()
        .zip(r0.iter().zip(r1).zip(r2).zip(r3))
    {
        let m: [WordLanes; LANES] = [a, b, c, d].map(|block| {
            std::array::from_fn(|k| {
                u32::from_le_bytes([
                    block[4 * k],
                    block[4 * k + 1],
                    block[4 * k + 2],
                    block[4 * k + 3],
                ])
            })
        });
        *o = std::array::from_fn(|k| std::array::from_fn(|l| m[l][k]));
    }
    let done = 4 * word_blocks.len();
    for (k, o) in word_tail.iter_mut().enumerate() {
        let at = 4 * (done + k);
        *o = rows.map(|row| u32::from_le_bytes([row[at], row[at + 1], row[at + 2], row[at + 3]]));
    }
    let (out_quads, out_tail) = out.as_chunks_mut::<4>();
    for (o, w) in out_quads.iter_mut().zip(words.as_chunks::<3>().0) {
        // The barrier keeps the loop vectorizer from spreading one vector across four quads (which costs a
        // gather and a transpose); each quad is then computed with its four rows in one vector, as intended.
        *o = luma_quad(std::hint::black_box(w));
    }
    for (c, lanes) in out_tail.iter_mut().enumerate() {
        let j = 3 * (4 * quads + c);
        *lanes =
            std::array::from_fn(|l| crate::luma::luma(rows[l][j], rows[l][j + 1], rows[l][j + 2]));
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

/// What a row pass does with each output position: receives the undivided sums of every group and the divisor
/// to apply. Generic over the divisor's kind, so that the loop over full windows is compiled once per kind.
trait Emit {
    fn emit<D: Divide>(&mut self, position: usize, sums: &GroupSums, divisor: D);
}

/// Runs the reference's running-sum box filter along the rows of a strip: `input` holds `GROUPS` groups of
/// `len` lane vectors (group-major), and each group's running sums advance together with the others', which
/// keeps the adder busy while each sum waits for its previous step. Hands each output position and the (not
/// yet divided) sums of all groups to `emit`, in order.
///
/// At step `k` the filter adds `input[k]` (if `k < len`), then subtracts `input[k - full]` (if `k >= full`),
/// then emits output `k - lag` (if `k >= lag`); this is the reference's four phases written as one rule.
#[inline(always)]
fn box_strip(input: &[Lanes], window: BoxWindow, divisors: &[Divisor], emit: &mut impl Emit) {
    let BoxWindow { len, full, lag } = window;
    let groups: [&[Lanes]; GROUPS] = std::array::from_fn(|g| &input[g * len..(g + 1) * len]);
    let mut sums = [[0f32; LANES]; GROUPS];
    for k in 0..full {
        for (sum, group) in sums.iter_mut().zip(&groups) {
            *sum = add_lanes(sum, &group[k]);
        }
        if k >= lag {
            emit.emit(k - lag, &sums, divisors[k + 1]);
        }
    }
    let entering: [&[Lanes]; GROUPS] = groups.map(|group| &group[full..len]);
    let leaving: [&[Lanes]; GROUPS] = groups.map(|group| &group[..len - full]);
    // One copy of the loop per kind of divisor, so that the choice is made once, not at every step.
    match divisors[full] {
        Divisor::Exact(m) => full_windows(
            &mut sums,
            entering,
            leaving,
            full - lag,
            ByPowerOfTwo(m),
            emit,
        ),
        Divisor::Rounded(r) => full_windows(
            &mut sums,
            entering,
            leaving,
            full - lag,
            ByReciprocal(r),
            emit,
        ),
    }
    for k in len..len + lag {
        for (sum, group) in sums.iter_mut().zip(&groups) {
            *sum = sub_lanes(sum, &group[k - full]);
        }
        emit.emit(k - lag, &sums, divisors[window.count(k)]);
    }
}

/// The middle of [`box_strip`], where every window is full: add the entering values, subtract the leaving
/// ones, emit positions `first_position..`.
#[inline(always)]
fn full_windows(
    sums: &mut GroupSums,
    entering: [&[Lanes]; GROUPS],
    leaving: [&[Lanes]; GROUPS],
    first_position: usize,
    divisor: impl Divide,
    emit: &mut impl Emit,
) {
    let steps = entering[0].len();
    for k in 0..steps {
        for g in 0..GROUPS {
            sums[g] = add_lanes(&sums[g], &entering[g][k]);
            sums[g] = sub_lanes(&sums[g], &leaving[g][k]);
        }
        emit.emit(first_position + k, sums, divisor);
    }
}

/// The first row pass's output: every position, divided, group-major like the input.
struct AllPositions<'a> {
    out: &'a mut [Lanes],
    width: usize,
}

impl Emit for AllPositions<'_> {
    #[inline(always)]
    fn emit<D: Divide>(&mut self, position: usize, sums: &GroupSums, divisor: D) {
        for (g, sum) in sums.iter().enumerate() {
            self.out[g * self.width + position] = divisor.divide_lanes(sum);
        }
    }
}

/// The second row pass's output: only the sampled columns, for the first `count` rows of the strip, into the
/// ring `out` at `slots`.
struct SampledPositions<'a> {
    out: &'a mut [[f32; SIDE]],
    columns: &'a [usize; SIDE],
    next: usize,
    slots: [usize; STRIP],
    count: usize,
}

impl SampledPositions<'_> {
    /// Writes the sampled column `self.next`. Kept out of line: it runs for 64 positions out of `width`, and
    /// inlining it would make the compiler keep the running sums in memory for the whole row.
    #[inline(never)]
    fn write(&mut self, sums: GroupSums, divisor: impl Divide) {
        for (&slot, &v) in self.slots.iter().zip(sums.as_flattened()).take(self.count) {
            self.out[slot][self.next] = divisor.divide(v);
        }
        self.next += 1;
    }
}

impl Emit for SampledPositions<'_> {
    #[inline(always)]
    fn emit<D: Divide>(&mut self, position: usize, sums: &GroupSums, divisor: D) {
        while self.next < SIDE && self.columns[self.next] == position {
            self.write(*sums, divisor);
        }
    }
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

/// One step of the first column pass over a whole row: every column's running sum adds its `entering` value
/// (unless `entering` is empty), subtracts its `leaving` value (unless that is empty), and writes its quotient
/// to `out`.
#[inline(always)]
fn column_row(
    sums: &mut [f32],
    out: &mut [f32],
    entering: &[f32],
    leaving: &[f32],
    divisor: impl Divide,
) {
    match (entering.is_empty(), leaving.is_empty()) {
        (false, true) => {
            for ((s, o), &e) in sums.iter_mut().zip(out.iter_mut()).zip(entering) {
                *s += e;
                *o = divisor.divide(*s);
            }
        }
        (false, false) => {
            for (((s, o), &e), &l) in sums
                .iter_mut()
                .zip(out.iter_mut())
                .zip(entering)
                .zip(leaving)
            {
                *s += e;
                *s -= l;
                *o = divisor.divide(*s);
            }
        }
        (true, false) => {
            for ((s, o), &l) in sums.iter_mut().zip(out.iter_mut()).zip(leaving) {
                *s -= l;
                *o = divisor.divide(*s);
            }
        }
        (true, true) => {}
    }
}

/// Scratch space for [`Downscaler::run`], kept between images so that hashing many images does not allocate
/// once the largest size has been seen.
#[derive(Default)]
pub(crate) struct Downscaler {
    /// The RGB bytes of a group of rows, as word vectors.
    words: Vec<WordLanes>,
    /// A strip of input luma, transposed group by group: one lane vector per column.
    lanes_in: Vec<Lanes>,
    /// The first row pass's output, transposed.
    lanes_out: Vec<Lanes>,
    /// A strip of the first column pass's output, transposed, for the second row pass.
    column_lanes: Vec<Lanes>,
    /// The last rows of the first row pass's output, in whole strips, as the first column pass needs them.
    row_pass_strips: Vec<f32>,
    /// The first column pass's running sums, one per column.
    column_sums: Vec<f32>,
    /// The first column pass's output rows waiting for the second row pass, row-major.
    column_strip: Vec<f32>,
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
    pub(crate) fn run(&mut self, pixels: Pixels<'_>, width: usize, height: usize) -> Image64 {
        let along_rows = BoxWindow::new(width);
        let along_columns = BoxWindow::new(height);
        let sampled_columns = sample_positions(width);
        let sampled_rows = sample_positions(height);

        let max_count = along_rows.full.max(along_columns.full);
        self.divisors.clear();
        self.divisors.extend((0..=max_count).map(Divisor::new));

        // Whole strips of the first row pass's output, as many as the first column pass can still need: it
        // subtracts row k - full at step k, so `full` rows back plus the strip being filled.
        let ring_strips = along_columns.full.div_ceil(STRIP) + 1;
        let strip_len = STRIP * width;
        self.words.resize(3 * width / 4, [0; LANES]);
        self.lanes_in.resize(GROUPS * width, [0.0; LANES]);
        self.lanes_out.resize(GROUPS * width, [0.0; LANES]);
        self.column_lanes.resize(GROUPS * width, [0.0; LANES]);
        self.row_pass_strips.resize(ring_strips * strip_len, 0.0);
        self.column_sums.clear();
        self.column_sums.resize(width, 0.0);
        self.column_strip.resize(strip_len, 0.0);
        // The second column pass subtracts row k - full at step k, and a strip's rows arrive at once.
        self.sampled_columns
            .resize(along_columns.full + STRIP, [0.0; SIDE]);

        let Downscaler {
            words,
            lanes_in,
            lanes_out,
            column_lanes,
            row_pass_strips,
            column_sums,
            column_strip,
            sampled_columns: second_row_pass,
            divisors,
        } = self;
        let mut column_rows_pending = 0;
        let mut column_rows_done = 0;

        let mut second_column_pass = SampledColumnPass {
            sums: [0.0; SIDE],
            step: 0,
            next: 0,
            out: [[0.0; SIDE]; SIDE],
        };

        // The second row pass over the first `count` rows of `column_strip`, which are rows `first..`, then the
        // second column pass as far as those rows allow.
        let mut second_passes = |column_strip: &[f32], first: usize, count: usize| {
            for (g, lanes) in column_lanes.chunks_exact_mut(width).enumerate() {
                interleave(strip_rows(column_strip, width, g * LANES, count), lanes);
            }
            let ring = second_row_pass.len();
            let mut emit = SampledPositions {
                out: second_row_pass,
                columns: &sampled_columns,
                next: 0,
                slots: std::array::from_fn(|row| (first + row) % ring),
                count,
            };
            box_strip(column_lanes, along_rows, divisors, &mut emit);
            second_column_pass.advance(
                second_row_pass,
                first + count,
                along_columns,
                &sampled_rows,
                divisors,
            );
        };

        // The first column pass, one step: add row `step` of the first row pass (if any), subtract the row
        // that leaves the window (if any), and write the output row into `column_strip`.
        let mut column_step = |row_pass_strips: &[f32], column_strip: &mut [f32], step: usize| {
            let row_at = |row: usize| {
                let start = (row / STRIP % ring_strips) * strip_len + (row % STRIP) * width;
                start..start + width
            };
            let adds = step < height;
            let subtracts = step >= along_columns.full;
            if step < along_columns.lag {
                let entering = &row_pass_strips[row_at(step)];
                for (s, &e) in column_sums.iter_mut().zip(entering) {
                    *s += e;
                }
                return;
            }
            let out_row = step - along_columns.lag;
            let out = &mut column_strip[(out_row % STRIP) * width..][..width];
            let entering = if adds {
                &row_pass_strips[row_at(step)]
            } else {
                &[][..]
            };
            let leaving = if subtracts {
                &row_pass_strips[row_at(step - along_columns.full)]
            } else {
                &[][..]
            };
            // One copy of each loop per kind of divisor, so that the choice is made once per row.
            match divisors[along_columns.count(step)] {
                Divisor::Exact(m) => {
                    column_row(column_sums, out, entering, leaving, ByPowerOfTwo(m))
                }
                Divisor::Rounded(r) => {
                    column_row(column_sums, out, entering, leaving, ByReciprocal(r))
                }
            }
        };

        let mut flush = |column_strip: &mut [f32], pending: &mut usize, done: &mut usize| {
            second_passes(column_strip, *done, *pending);
            *done += *pending;
            *pending = 0;
        };

        for first in (0..height).step_by(STRIP) {
            let count = STRIP.min(height - first);
            pixels.load_strip(width, height, first, words, lanes_in);
            box_strip(
                lanes_in,
                along_rows,
                divisors,
                &mut AllPositions {
                    out: lanes_out,
                    width,
                },
            );
            let ring_slot = first / STRIP % ring_strips;
            let strip = &mut row_pass_strips[ring_slot * strip_len..][..strip_len];
            for (lanes, rows) in lanes_out
                .chunks_exact(width)
                .zip(strip.chunks_exact_mut(LANES * width))
            {
                deinterleave(lanes, split_rows(rows, width));
            }
            for step in first..first + count {
                column_step(row_pass_strips, column_strip, step);
                if step >= along_columns.lag {
                    column_rows_pending += 1;
                    if column_rows_pending == STRIP {
                        flush(
                            column_strip,
                            &mut column_rows_pending,
                            &mut column_rows_done,
                        );
                    }
                }
            }
        }
        for step in height..along_columns.steps() {
            column_step(row_pass_strips, column_strip, step);
            column_rows_pending += 1;
            if column_rows_pending == STRIP {
                flush(
                    column_strip,
                    &mut column_rows_pending,
                    &mut column_rows_done,
                );
            }
        }
        if column_rows_pending > 0 {
            flush(
                column_strip,
                &mut column_rows_pending,
                &mut column_rows_done,
            );
        }
        debug_assert_eq!(column_rows_done, height);

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
