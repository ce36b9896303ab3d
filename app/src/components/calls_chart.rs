//! Calls per day as an SVG bar chart, drawn on the server; each bar names its day and count.

use leptos::prelude::*;

use crate::api::tokens::DayCount;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;
const AXIS: f64 = 16.0;

#[component]
pub fn CallsChart(days: Vec<DayCount>) -> impl IntoView {
    let total: u64 = days.iter().map(|d| d.calls).sum();
    let peak = days.iter().map(|d| d.calls).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / days.len().max(1) as f64;
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    let label = format!("Calls per day from {first} to {last}: {total} in all, at most {} in one day.", peak as u64 * (total > 0) as u64);
    let bars = days
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let h = if d.calls == 0 { 1.0 } else { (d.calls as f64 / peak * (HEIGHT - AXIS - 4.0)).max(2.0) };
            let class = if d.calls == 0 { "bar empty" } else { "bar" };
            let title = format!("{}: {} call{}", d.day, d.calls, if d.calls == 1 { "" } else { "s" });
            view! {
                <rect class=class x=format!("{:.1}", i as f64 * slot + 1.0) y=format!("{:.1}", HEIGHT - AXIS - h)
                    width=format!("{:.1}", (slot - 2.0).max(1.0)) height=format!("{h:.1}")>
                    <title>{title}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label.clone()>
                {bars}
                <text x="0" y=HEIGHT - 2.0 class="axis">{first.clone()}</text>
                <text x=WIDTH y=HEIGHT - 2.0 class="axis" text-anchor="end">{last.clone()}</text>
            </svg>
            <figcaption>{label}</figcaption>
        </figure>
    }
}
