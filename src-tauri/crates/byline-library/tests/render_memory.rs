//! Rendering Markdown (Preview, HTML export) in bounded memory, counted by an allocator that records the
//! peak, whatever the article holds: a 10 MB table of one-character cells used to take 1.9 GB and 11 s.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use byline_library::export::{MAX_FORMATTED, markdown_to_safe_html};

struct PeakCounting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed straight to the system allocator; only the byte counts are added.
#[allow(unsafe_code)] // a global allocator is unsafe by definition; this one only counts
unsafe impl GlobalAlloc for PeakCounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PeakCounting = PeakCounting;

/// Bytes allocated at the peak of `render`, above what was allocated before it.
fn peak_of(render: impl FnOnce()) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    render();
    PEAK.load(Ordering::Relaxed) - base
}

fn table(bytes: usize, columns: usize) -> String {
    let row = format!("|{}\n", "x|".repeat(columns));
    let mut md = format!("{row}|{}\n", "-|".repeat(columns));
    while md.len() + row.len() <= bytes {
        md.push_str(&row);
    }
    md
}

/// One test, so that nothing else allocates while it measures.
#[test]
fn huge_articles_render_in_bounded_memory() {
    const MB: usize = 1 << 20;
    let cases = [
        ("10 MB table of one-character cells", table(10 * MB, 20)),
        ("table of one-character cells just under the formatting limit", table(MAX_FORMATTED - 100, 20)),
        ("700 KB table with a 100,000-column header", table(MAX_FORMATTED * 2 / 3, 100_000)),
        ("one paragraph of 250,000 emphasised words", "*a* ".repeat((MAX_FORMATTED - 100) / 4)),
        ("a list of 250,000 items", "- a\n".repeat((MAX_FORMATTED - 100) / 4)),
        ("links nested in quotations", "> > [a](https://a.example) **b**\n".repeat((MAX_FORMATTED - 100) / 33)),
    ];
    for (i, (name, md)) in cases.into_iter().enumerate() {
        assert!(i == 0 || md.len() <= MAX_FORMATTED, "{name} is formatted, not shown as text");
        let mut out = 0;
        let peak = peak_of(|| out = markdown_to_safe_html(&md).len());
        eprintln!("{name}: {} KB of Markdown, {out} bytes of HTML, peak {} MB", md.len() >> 10, peak / MB);
        // The output itself is a few times the input; the rest is the parser and one piece in the sanitiser.
        assert!(peak < 120 * MB, "{name}: {} MB at the peak", peak / MB);
    }
}
