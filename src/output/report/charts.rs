//! The board paper's charts, drawn with `plotters` into SVG text: pure functions from numbers to
//! markup, which the page inlines (no files, no network). Text stays text (`<text>` elements), so
//! it prints sharply and a screen reader can reach the figure's description through its
//! caption.
//!
//! Colours are the Okabe-Ito palette (its yellow replaced by a dark wine, for contrast on white),
//! which readers with the common colour-vision deficiencies can tell apart. Lines and points
//! also differ by marker shape, so no series is told by colour alone; bars keep the legend's
//! order within each group, and every chart has its data table.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Width and height of every chart, in CSS pixels at 100% (the page scales them to its column).
const SIZE: (u32, u32) = (760, 380);
/// Room on the right for the legend.
const LEGEND: u32 = 200;

const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermilion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 0, 0),       // black
    RGBColor(136, 34, 85),   // wine (Tol's; in place of Okabe-Ito's yellow, too faint on white)
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A named series of `(x, y)` points, drawn in palette colour `colour` (so that a scenario keeps
/// its colour from chart to chart).
pub struct Series {
    pub name: String,
    pub colour: usize,
    pub points: Vec<(f64, f64)>,
}

/// The palette index of the baseline (black) and of policy `i` (the others, in order).
pub fn baseline_colour() -> usize {
    6
}

/// See [`baseline_colour`].
pub fn policy_colour(i: usize) -> usize {
    [0, 1, 2, 3, 4, 5, 7][i % 7]
}

type Result = std::result::Result<String, String>;

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

/// Draws with `f` on a fresh SVG canvas and returns the markup.
fn svg(
    f: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> std::result::Result<(), String>,
) -> Result {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        f(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The range `[lo, hi]` of `values` widened by a twentieth on each side, always including 0,
/// and never empty.
fn span(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let pad = ((hi - lo) / 20.0)
        .max(hi.abs().max(lo.abs()) * 1e-3)
        .max(1e-9);
    (lo - pad, hi + pad)
}

fn label_style() -> TextStyle<'static> {
    ("sans-serif", 14).into_font().color(&BLACK)
}

/// How a series is marked in the legend: a bar, a line with its points' marker, a dashed line,
/// or a marker alone.
#[derive(Clone, Copy)]
enum Mark {
    Bar,
    Line(usize),
    Dashed,
    Dot(usize),
}

/// Marker shape `k`: circle, square, triangle, diamond, cross, in turn.
fn marker<'a, DB: DrawingBackend + 'a>(
    (x, y): (i32, i32),
    k: usize,
    c: RGBColor,
) -> DynElement<'a, DB, (i32, i32)> {
    let style = c.filled();
    match k % 5 {
        0 => Circle::new((x, y), 4, style).into_dyn(),
        1 => Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], style).into_dyn(),
        2 => Polygon::new(vec![(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)], style).into_dyn(),
        3 => Polygon::new(vec![(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)], style).into_dyn(),
        _ => Cross::new((x, y), 4, c.stroke_width(2)).into_dyn(),
    }
}

/// Draws the legend in the right margin, on the canvas (the chart's own legend is drawn inside
/// the plotting area, which would hide it or cover data).
fn legend(
    root: &DrawingArea<SVGBackend, Shift>,
    entries: &[(String, Mark, RGBColor)],
) -> std::result::Result<(), String> {
    let x = (SIZE.0 - LEGEND + 16) as i32;
    for (k, (name, mark, c)) in entries.iter().enumerate() {
        let y = 24 + 20 * k as i32;
        match mark {
            Mark::Bar => root.draw(&Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled())),
            Mark::Line(k) => root
                .draw(&PathElement::new(
                    vec![(x, y), (x + 18, y)],
                    c.stroke_width(2),
                ))
                .and_then(|_| root.draw(&marker((x + 9, y), *k, *c))),
            Mark::Dashed => root
                .draw(&PathElement::new(
                    vec![(x, y), (x + 5, y)],
                    c.stroke_width(1),
                ))
                .and_then(|_| {
                    root.draw(&PathElement::new(
                        vec![(x + 9, y), (x + 14, y)],
                        c.stroke_width(1),
                    ))
                }),
            Mark::Dot(k) => root.draw(&marker((x + 7, y), *k, *c)),
        }
        .map_err(err)?;
        root.draw(&Text::new(
            name.clone(),
            (x + 20, y),
            label_style().pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// An axis label: the shortest decimal at six significant places, with thousands separators
/// from 1,000 ("450", "2.5", "12,000").
fn tick(x: &f64) -> String {
    if x.abs() >= 1000.0 {
        crate::economics::investment::thousands(*x)
    } else {
        let r = (x * 1e6).round() / 1e6;
        format!("{}", r + 0.0)
    }
}

/// The plotting area with room for the axes' labels and, right of it, the legend.
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    x: (f64, f64),
    y: (f64, f64),
    x_label_area: u32,
) -> std::result::Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    ChartBuilder::on(root)
        .margin(12)
        .margin_right(LEGEND)
        .x_label_area_size(x_label_area)
        .y_label_area_size(80)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(err)
}

/// The points of a series that can be drawn.
fn finite(points: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
}

/// Draws `points` (data coordinates) with marker shape `k` in colour `c`, as [`marker`] draws it
/// in the legend. (A macro: each shape is its own element type.)
macro_rules! markers {
    ($chart:expr, $points:expr, $k:expr, $c:expr) => {{
        let c: RGBColor = $c;
        let pts: Vec<(f64, f64)> = $points;
        match $k % 5 {
            0 => $chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map(|_| ()),
            1 => {
                $chart
                    .draw_series(pts.iter().map(|&p| {
                        EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], c.filled())
                    }))
                    .map(|_| ())
            }
            2 => $chart
                .draw_series(pts.iter().map(|&p| {
                    EmptyElement::at(p) + Polygon::new(vec![(0, -5), (5, 4), (-5, 4)], c.filled())
                }))
                .map(|_| ()),
            3 => $chart
                .draw_series(pts.iter().map(|&p| {
                    EmptyElement::at(p)
                        + Polygon::new(vec![(0, -5), (5, 0), (0, 5), (-5, 0)], c.filled())
                }))
                .map(|_| ()),
            _ => $chart
                .draw_series(pts.iter().map(|&p| Cross::new(p, 4, c.stroke_width(2))))
                .map(|_| ()),
        }
        .map_err(err)
    }};
}

/// Grouped bars: one group per `groups` entry, one bar in each group per series (`series[i]
/// .points[g].1` is series i's value in group g). For costs by payer, the groups are payers and
/// the series policies.
pub fn grouped_bars(groups: &[String], series: &[Series], y_desc: &str) -> Result {
    svg(|root| {
        let (lo, hi) = span(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            true,
        );
        let n = groups.len().max(1) as f64;
        let mut chart = axes(root, (0.0, n), (lo, hi), 56)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&tick)
            .y_desc(y_desc)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (n, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        let k = series.len().max(1) as f64;
        let width = 0.8 / k;
        for (i, s) in series.iter().enumerate() {
            let c = colour(s.colour);
            chart
                // A missing value draws no bar (not a bar of zero); the table says "-".
                .draw_series(
                    s.points
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.1.is_finite())
                        .map(|(g, &(_, y))| {
                            let x0 = g as f64 + 0.1 + i as f64 * width;
                            Rectangle::new([(x0, 0.0), (x0 + width * 0.9, y)], c.filled())
                        }),
                )
                .map_err(err)?;
        }
        // Group names under the axis, centred on their group.
        for (g, name) in groups.iter().enumerate() {
            let (px, _) = chart.backend_coord(&(g as f64 + 0.5, lo));
            root.draw(&Text::new(
                name.clone(),
                (px, SIZE.1 as i32 - 50),
                label_style().pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                )),
            ))
            .map_err(err)?;
        }
        let entries: Vec<_> = series
            .iter()
            .map(|s| (s.name.clone(), Mark::Bar, colour(s.colour)))
            .collect();
        legend(root, &entries)
    })
}

/// Lines through each series' points, with a marker at each point; `x_int` labels the x axis
/// with whole numbers (years); `y_range` fixes the y axis (a probability's 0 to 1).
pub fn lines(
    series: &[Series],
    x_desc: &str,
    y_desc: &str,
    x_int: bool,
    y_range: Option<(f64, f64)>,
) -> Result {
    svg(|root| {
        let (xlo, xhi) = span(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            false,
        );
        let (ylo, yhi) = y_range.unwrap_or_else(|| {
            span(
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                true,
            )
        });
        let mut chart = axes(root, (xlo, xhi), (ylo, yhi), 48)?;
        let whole = |x: &f64| {
            if x.fract().abs() < 1e-9 {
                format!("{x:.0}")
            } else {
                String::new()
            }
        };
        let plain = tick;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(x_desc)
            .y_desc(y_desc)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(label_style())
            .axis_desc_style(label_style())
            .y_label_formatter(&plain);
        if x_int {
            mesh.x_label_formatter(&whole);
        } else {
            mesh.x_label_formatter(&plain);
        }
        mesh.draw().map_err(err)?;
        for s in series {
            let c = colour(s.colour);
            let points: Vec<(f64, f64)> = finite(&s.points).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(err)?;
            markers!(chart, points, s.colour, c)?;
        }
        let entries: Vec<_> = series
            .iter()
            .map(|s| (s.name.clone(), Mark::Line(s.colour), colour(s.colour)))
            .collect();
        legend(root, &entries)
    })
}

/// A scatter of each series' points (the cost-effectiveness plane: ΔQALYs across, Δcost up),
/// with axes through zero and dashed lines at each willingness to pay in `wtp` (£ per QALY, the
/// y values in £ million).
pub fn plane(series: &[Series], wtp: &[f64], x_desc: &str, y_desc: &str) -> Result {
    svg(|root| {
        let (xlo, xhi) = span(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            true,
        );
        let (ylo, yhi) = span(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            true,
        );
        let mut chart = axes(root, (xlo, xhi), (ylo, yhi), 48)?;
        let plain = tick;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .light_line_style(RGBColor(235, 235, 235))
            .y_desc(y_desc)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(label_style())
            .axis_desc_style(label_style())
            .x_label_formatter(&plain)
            .y_label_formatter(&plain)
            .draw()
            .map_err(err)?;
        chart
            .draw_series([
                PathElement::new(vec![(xlo, 0.0), (xhi, 0.0)], BLACK.stroke_width(1)),
                PathElement::new(vec![(0.0, ylo), (0.0, yhi)], BLACK.stroke_width(1)),
            ])
            .map_err(err)?;
        let grey = RGBColor(90, 90, 90);
        for (k, &w) in wtp.iter().enumerate() {
            // y in £m = w × x / 1e6, clipped to the plot.
            let m = w / 1e6;
            let pts: Vec<(f64, f64)> = [xlo, xhi]
                .iter()
                .map(|&x| (x, (m * x).clamp(ylo, yhi)))
                .map(|(x, y)| (if m != 0.0 { y / m } else { x }, y))
                .collect();
            let dash = 4 + 4 * k as u32;
            chart
                .draw_series(DashedLineSeries::new(pts, dash, 4, grey.stroke_width(1)))
                .map_err(err)?;
        }
        for s in series {
            let c = colour(s.colour);
            markers!(chart, finite(&s.points).collect(), s.colour, c)?;
        }
        let mut entries: Vec<_> = wtp
            .iter()
            .map(|w| {
                (
                    format!("£{} per QALY", crate::economics::investment::thousands(*w)),
                    Mark::Dashed,
                    grey,
                )
            })
            .collect();
        entries.extend(
            series
                .iter()
                .map(|s| (s.name.clone(), Mark::Dot(s.colour), colour(s.colour))),
        );
        legend(root, &entries)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<Series> {
        vec![
            Series {
                name: "a <&> b".into(),
                colour: 0,
                points: vec![(1.0, 2.0), (2.0, -1.0)],
            },
            Series {
                name: "c".into(),
                colour: 1,
                points: vec![(1.0, 0.5), (2.0, f64::NAN)],
            },
        ]
    }

    #[test]
    fn charts_are_svg_with_their_names_escaped() {
        for s in [
            grouped_bars(&["x".into(), "y".into()], &two(), "£m").unwrap(),
            lines(&two(), "year", "£m", true, None).unwrap(),
            plane(&two(), &[20_000.0], "QALYs", "£m").unwrap(),
        ] {
            assert!(s.starts_with("<svg"), "{}", &s[..40]);
            assert!(s.trim_end().ends_with("</svg>"));
            assert!(s.contains("a &lt;&amp;&gt; b"), "series names are escaped");
            assert!(!s.contains("NaN"), "no NaN reaches the markup");
        }
    }
}
