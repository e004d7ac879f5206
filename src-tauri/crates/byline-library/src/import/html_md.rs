//! HTML → Markdown for article bodies.
//!
//! Only text and a small set of structures survive. Every `<` that came from text is
//! backslash-escaped, and nothing is ever copied from the HTML as markup, so the Markdown
//! cannot smuggle raw HTML (scripts, event handlers) into whatever renders it later.
use scraper::{ElementRef, Node};

/// Elements whose content is never article text.
#[rustfmt::skip]
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "iframe", "object", "embed", "form", "nav", "header", "footer",
    "aside", "svg", "button", "template", "head", "title", "meta", "link", "select", "textarea",
    "input", "canvas", "audio", "video", "map",
];

#[rustfmt::skip]
const BLOCKS: &[&str] = &[
    "p", "div", "section", "article", "main", "body", "html", "figure", "figcaption", "address",
    "details", "summary", "center", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "ul",
    "ol", "li", "blockquote", "pre", "hr", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
];

/// Pages nested deeper than this are flattened to text: recursion must not exhaust the stack
/// of whichever thread imports a hostile file.
const MAX_DEPTH: usize = 200;

pub(crate) fn render_root(root: ElementRef) -> String {
    blocks(root, 0).join("\n\n")
}

/// Drops backslash escapes so an escaped heading can be compared with a plain title.
pub(crate) fn unescape_for_compare(s: &str) -> String {
    s.replace('\\', "")
}

fn is_skipped(el: ElementRef) -> bool {
    let v = el.value();
    SKIPPED.contains(&v.name()) || v.attr("hidden").is_some()
}

/// Renders the children of `el` as Markdown blocks. Text and inline elements between block
/// children are gathered into paragraphs, as browsers do with bare text in a `<div>`.
fn blocks(el: ElementRef, depth: usize) -> Vec<String> {
    if depth > MAX_DEPTH {
        return vec![paragraph(&flat_text(el))];
    }
    let mut out = Vec::new();
    let mut inline = String::new();
    for child in el.children() {
        match child.value() {
            Node::Text(t) => inline.push_str(&text(t)),
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if is_skipped(child) {
                    continue;
                }
                if BLOCKS.contains(&e.name()) {
                    flush(&mut inline, &mut out);
                    out.extend(block(child, depth + 1));
                } else {
                    inline.push_str(&inline_element(child, depth + 1));
                }
            }
            _ => {}
        }
    }
    flush(&mut inline, &mut out);
    out
}

fn flush(inline: &mut String, out: &mut Vec<String>) {
    let para = paragraph(inline);
    if !para.is_empty() {
        out.push(para);
    }
    inline.clear();
}

/// Tidies gathered inline text into a paragraph: single spaces, no spaces at line ends
/// (other than the hard-break backslash), and line starts that Markdown would otherwise
/// read as headings, quotes or list items escaped.
fn paragraph(raw: &str) -> String {
    let mut lines = Vec::new();
    for line in raw.split('\n') {
        let line = line.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            lines.push(escape_line_start(&line));
        }
    }
    let mut para = lines.join("\n");
    while para.ends_with('\\') {
        para.pop();
        para = para.trim_end().to_string();
    }
    para
}

fn escape_line_start(line: &str) -> String {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let after_digits = line[digits..].chars().next();
    let list_number = digits > 0 && matches!(after_digits, Some('.' | ')'));
    let marker = line.starts_with(['#', '>', '-', '+', '=']);
    if list_number {
        format!("{}\\{}", &line[..digits], &line[digits..])
    } else if marker {
        format!("\\{line}")
    } else {
        line.to_string()
    }
}

fn block(el: ElementRef, depth: usize) -> Vec<String> {
    let name = el.value().name();
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = usize::from(name.as_bytes()[1] - b'0');
            let text = one_line(&inlines(el, depth));
            if text.is_empty() { vec![] } else { vec![format!("{} {text}", "#".repeat(level))] }
        }
        "ul" | "ol" => list(el, name == "ol", depth),
        "blockquote" => {
            let inner = blocks(el, depth).join("\n\n");
            if inner.is_empty() {
                return vec![];
            }
            let quoted = inner.lines().map(|l| if l.is_empty() { ">".to_string() } else { format!("> {l}") });
            vec![quoted.collect::<Vec<_>>().join("\n")]
        }
        "pre" => {
            let code: String = el.text().collect();
            let code = code.trim_matches('\n');
            if code.trim().is_empty() {
                return vec![];
            }
            let fence = "`".repeat(3.max(longest_run(code, '`') + 1));
            vec![format!("{fence}\n{code}\n{fence}")]
        }
        "hr" => vec!["* * *".to_string()],
        "table" => table(el, depth).into_iter().collect(),
        _ => blocks(el, depth),
    }
}

fn list(el: ElementRef, ordered: bool, depth: usize) -> Vec<String> {
    let mut number: usize = el.value().attr("start").and_then(|s| s.trim().parse().ok()).unwrap_or(1);
    let mut items = Vec::new();
    for item in el.child_elements().filter(|c| !is_skipped(*c)) {
        let content = blocks(item, depth + 1).join("\n\n");
        if content.is_empty() {
            continue;
        }
        let marker = if ordered { format!("{number}. ") } else { "- ".to_string() };
        number += 1;
        let indent = " ".repeat(marker.len());
        let mut lines = content.lines();
        let mut rendered = format!("{marker}{}", lines.next().unwrap_or_default());
        for line in lines {
            rendered.push('\n');
            if !line.is_empty() {
                rendered.push_str(&indent);
                rendered.push_str(line);
            }
        }
        items.push(rendered);
    }
    if items.is_empty() { vec![] } else { vec![items.join("\n")] }
}

fn table(el: ElementRef, depth: usize) -> Option<String> {
    let rows: Vec<Vec<String>> = el
        .descendent_elements()
        .filter(|e| e.value().name() == "tr")
        .map(|tr| {
            tr.child_elements()
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .map(|c| one_line(&inlines(c, depth + 1)).replace('|', "\\|"))
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect();
    let width = rows.iter().map(Vec::len).max()?;
    let line = |cells: &[String]| {
        let mut padded = cells.to_vec();
        padded.resize(width, String::new());
        format!("| {} |", padded.join(" | "))
    };
    let mut out = vec![line(&rows[0]), line(&vec!["---".to_string(); width])];
    out.extend(rows[1..].iter().map(|r| line(r)));
    Some(out.join("\n"))
}

/// Inline Markdown for an element; block children inside inline context are flattened.
fn inlines(el: ElementRef, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return flat_text(el);
    }
    let mut inner = String::new();
    for child in el.children() {
        match child.value() {
            Node::Text(t) => inner.push_str(&text(t)),
            Node::Element(_) => {
                if let Some(c) = ElementRef::wrap(child).filter(|c| !is_skipped(*c)) {
                    inner.push_str(&inline_element(c, depth + 1));
                }
            }
            _ => {}
        }
    }
    inner
}

fn inline_element(el: ElementRef, depth: usize) -> String {
    match el.value().name() {
        "br" => "\\\n".to_string(),
        "strong" | "b" => wrap("**", &inlines(el, depth)),
        "em" | "i" | "cite" => wrap("*", &inlines(el, depth)),
        "del" | "s" | "strike" => wrap("~~", &inlines(el, depth)),
        "code" | "kbd" | "samp" | "tt" => code_span(&el.text().collect::<String>()),
        "a" => {
            let label = inlines(el, depth);
            match el.value().attr("href").and_then(safe_url) {
                Some(href) if !label.trim().is_empty() => {
                    let (lead, core, trail) = split_space(&label);
                    format!("{lead}[{core}]({href}){trail}")
                }
                _ => label,
            }
        }
        "img" => {
            let alt = text(el.value().attr("alt").unwrap_or_default());
            match el.value().attr("src").and_then(safe_url).filter(|u| u.starts_with("http")) {
                Some(src) => format!("![{}]({src})", alt.trim()),
                None => alt,
            }
        }
        name if BLOCKS.contains(&name) => format!(" {} ", inlines(el, depth)),
        _ => inlines(el, depth),
    }
}

fn split_space(s: &str) -> (&str, &str, &str) {
    let core = s.trim();
    let lead = &s[..s.len() - s.trim_start().len()];
    let trail = &s[s.trim_end().len()..];
    (lead, core, trail)
}

/// Emphasis markers must hug the text, so surrounding spaces move outside them.
fn wrap(marker: &str, inner: &str) -> String {
    let (lead, core, trail) = split_space(inner);
    if core.is_empty() { inner.to_string() } else { format!("{lead}{marker}{core}{marker}{trail}") }
}

fn code_span(code: &str) -> String {
    let code = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if code.is_empty() {
        return String::new();
    }
    let ticks = "`".repeat(longest_run(&code, '`') + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{code}{pad}{ticks}")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Only web and mail links are kept; `javascript:`, `data:` and relative links are dropped
/// because they either run code or point nowhere once the article leaves its site.
fn safe_url(href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")) {
        return None;
    }
    let mut out = String::with_capacity(href.len());
    for c in href.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            c if c.is_whitespace() || c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

fn flat_text(el: ElementRef) -> String {
    text(&el.text().collect::<String>())
}

fn one_line(s: &str) -> String {
    s.replace("\\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text so Markdown shows it literally. HTML whitespace collapses to single spaces.
fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let chars: Vec<char> = raw.chars().collect();
    let mut last_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '~' => true,
            // snake_case stays readable; only underscores that could open or close emphasis.
            '_' => {
                let word = |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(|c| c.is_alphanumeric());
                !(word(i.checked_sub(1)) && word(Some(i + 1)))
            }
            // "&amp;" in text must stay five characters, not become an entity.
            '&' => {
                chars[i + 1..].iter().take(32).take_while(|c| c.is_alphanumeric() || **c == '#').count() > 0
                    && chars[i + 1..].iter().take(33).any(|c| *c == ';')
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
