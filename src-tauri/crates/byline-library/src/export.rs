//! Article export: Markdown with front matter that the importer reads back unchanged, and a
//! standalone, sanitised HTML page that is safe to open in any browser.
use ammonia::Builder;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::model::Article;

/// Front matter keys, in the order a reader expects them. Empty fields are left out.
#[derive(Serialize, ts_rs::TS)]
struct FrontMatter<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dek: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byline: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outlet: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<&'a str>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The article as Markdown with YAML front matter. The YAML serialiser quotes whatever needs
/// it (colons, quotes, `#`, values that look like numbers), so every title round-trips.
pub fn to_markdown(article: &Article) -> String {
    let f = &article.fields;
    let front = FrontMatter {
        title: f.title.trim(),
        dek: non_empty(&f.dek),
        byline: non_empty(&f.byline),
        outlet: non_empty(&f.outlet),
        section: non_empty(&f.section),
        tags: &f.tags,
        url: non_empty(&f.url),
        language: non_empty(&f.language),
        published: non_empty(&f.published),
    };
    // Serialising a struct of strings cannot fail; an empty block is still valid front matter.
    let yaml = serde_yaml_ng::to_string(&front).unwrap_or_default();
    let yaml = if yaml.trim() == "{}" { String::new() } else { yaml };
    format!("---\n{yaml}---\n\n{}\n", f.body.trim_end())
}

/// Past this much Markdown, Preview and HTML export show the text as it is (escaped, paragraph by paragraph)
/// instead of formatting it. The Markdown parser keeps its whole tree, about 50 bytes per table cell, so a
/// 10 MB table of short cells took 1.9 GB to render; a 1 MiB article is a book chapter.
pub const MAX_FORMATTED: usize = 1 << 20;
/// HTML is sanitised in pieces of about this size, so the sanitiser's document tree (some 400 bytes per
/// element) stays small whatever the article holds.
const PIECE: usize = 64 << 10;
/// Tables wider than this are shown as text.
const MAX_COLUMNS: usize = 1000;
/// A table continued in the next piece repeats a header of up to this many events (about 80 columns).
const MAX_REPEATED_HEAD: usize = 256;

/// Renders Markdown to HTML and sanitises it: no scripts, no event handlers, only web and mail
/// links, and every link opened without giving the target page a handle on ours. Angle-bracket text that
/// is not an allowed HTML tag (wire copy's `<Sedio N.V.>`, `<IBM.N>`) is shown as text, never dropped.
///
/// Time and memory are linear in the input and bounded: past [`MAX_FORMATTED`] the text is shown
/// unformatted, and below it a long table, list or quotation is sanitised a piece at a time (the table is
/// closed after a row and opened again with its header, the list after an item), so no piece of HTML the
/// sanitiser holds is much larger than [`PIECE`].
pub fn markdown_to_safe_html(markdown: &str) -> String {
    if markdown.len() > MAX_FORMATTED {
        return plain_text_html(markdown);
    }
    let markdown = crate::import::nesting::limit_quote_depth(markdown);
    let mut events =
        Parser::new_ext(&markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).into_offset_iter();
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    let mut piece: Vec<Event> = Vec::new();
    let mut piece_bytes = 0;
    // Open containers, outermost first, with what reopening each needs: a table's header events, an
    // ordered list's next number.
    let mut open: Vec<Tag> = Vec::new();
    let mut heads: Vec<Vec<Event>> = Vec::new();
    let mut in_head = false;
    while let Some((event, range)) = events.next() {
        let event = match event {
            Event::Html(raw) => Event::Html(keep_allowed_tags(&raw).into()),
            Event::InlineHtml(raw) => Event::InlineHtml(keep_allowed_tags(&raw).into()),
            Event::Start(Tag::Table(columns)) if too_wide(columns.len(), &markdown[range.clone()]) => {
                // Shown as the text it is: one row of it could not be cut into pieces.
                for (inner, _) in events.by_ref() {
                    if matches!(inner, Event::End(TagEnd::Table)) {
                        break;
                    }
                }
                let text = Event::Text(markdown[range].trim_end().to_string().into());
                piece_bytes += 16 + event_text_len(&text);
                piece.extend([Event::Start(Tag::Paragraph), text, Event::End(TagEnd::Paragraph)]);
                continue;
            }
            other => other,
        };
        piece_bytes += 16 + event_text_len(&event);
        match &event {
            Event::Start(tag) => {
                if matches!(tag, Tag::TableHead) {
                    in_head = true;
                    heads.last_mut().map(Vec::clear);
                }
                if matches!(tag, Tag::Table(_)) {
                    heads.push(Vec::new());
                }
                open.push(tag.clone());
            }
            Event::End(end) => {
                open.pop();
                match end {
                    TagEnd::Table => {
                        heads.pop();
                    }
                    TagEnd::Item => {
                        if let Some(Tag::List(Some(n))) = open.last_mut() {
                            *n += 1;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if in_head && let Some(head) = heads.last_mut() {
            head.push(event.clone());
        }
        if matches!(event, Event::End(TagEnd::TableHead)) {
            in_head = false;
        }
        let cut_here = piece_bytes >= PIECE && matches!(event, Event::End(_)) && can_cut(&open, &event);
        piece.push(event);
        if cut_here {
            piece.extend(open.iter().rev().map(|tag| Event::End(tag.to_end())));
            sanitise_into(&mut out, std::mem::take(&mut piece));
            piece_bytes = 0;
            let mut tables = heads.iter();
            for tag in &open {
                piece.push(Event::Start(tag.clone()));
                if let Tag::Table(_) = tag {
                    // The header again, unless it is so wide that repeating it would cost more than the rows.
                    match tables.next() {
                        Some(head) if head.len() <= MAX_REPEATED_HEAD => piece.extend(head.iter().cloned()),
                        _ => piece.extend([Event::Start(Tag::TableHead), Event::End(TagEnd::TableHead)]),
                    }
                }
            }
        }
    }
    sanitise_into(&mut out, piece);
    out
}

/// Whether a table is too wide to render in pieces: a row is the smallest piece a table can be cut into.
fn too_wide(columns: usize, source: &str) -> bool {
    columns > MAX_COLUMNS || source.lines().any(|line| line.len() > PIECE / 4)
}

/// Whether every open container can be closed after `last` and opened again without changing what the
/// text says (at most, a very long paragraph gains a break): quotations, lists between items, tables
/// between body rows, paragraphs, headings, emphasis and links.
fn can_cut(open: &[Tag], last: &Event) -> bool {
    let reopenable = open.iter().all(|tag| {
        matches!(
            tag,
            Tag::BlockQuote(_)
                | Tag::List(_)
                | Tag::Item
                | Tag::Table(_)
                | Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
        )
    });
    let between_children = match open.last() {
        Some(Tag::Table(_)) => matches!(last, Event::End(TagEnd::TableRow)),
        Some(Tag::List(_)) => matches!(last, Event::End(TagEnd::Item)),
        _ => true,
    };
    reopenable && between_children
}

fn event_text_len(event: &Event) -> usize {
    match event {
        Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => t.len(),
        Event::Start(Tag::Link { dest_url, title, .. } | Tag::Image { dest_url, title, .. }) => {
            dest_url.len() + title.len()
        }
        _ => 0,
    }
}

/// Writes one balanced piece of events as HTML and appends it sanitised.
fn sanitise_into(out: &mut String, piece: Vec<Event>) {
    if piece.is_empty() {
        return;
    }
    let mut raw = String::new();
    html::push_html(&mut raw, piece.into_iter());
    // Raw HTML in the body may nest deeply too; the sanitiser's parser is html5ever.
    let raw = crate::import::nesting::limit_html_depth(&raw);
    let clean = Builder::default()
        // `byline:` links open another article inside the app's Preview; exports rewrite them first
        // (`Library::for_export`), so none reaches a page that leaves the app.
        .url_schemes(["http", "https", "mailto", "byline"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string();
    out.push_str(&clean);
}

/// Text too long to format, shown as it is: escaped, a paragraph per blank-line-separated block.
fn plain_text_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        out.push_str("<p>");
        out.push_str(&escape(block).replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
    out
}

const STYLE: &str = "body{font:17px/1.6 Georgia,'Noto Serif','Songti SC',serif;max-width:40em;margin:2em auto;\
padding:0 1em;color:#111}h1{font-size:1.9em;line-height:1.2;margin-bottom:.3em}.dek{font-size:1.2em;color:#444}\
.meta{color:#555;font-size:.9em}.tags{padding:0;color:#555;font-size:.85em}.tags li{display:inline;margin-right:.8em}\
blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1em;color:#333}img{max-width:100%}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}pre{white-space:pre-wrap}\
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit}}";

/// A complete HTML5 page for the article, with a Content-Security-Policy that forbids scripts
/// and remote loads other than https images, so even a hostile body stays inert.
pub fn to_html(article: &Article) -> String {
    let f = &article.fields;
    let lang = f
        .language
        .as_deref()
        .map(|l| l.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "und".into());
    let title = escape(f.title.trim());
    let mut out = String::with_capacity(f.body.len() * 2 + 2048);
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&format!("<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"));
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data: https:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<article>\n<header>\n"));
    out.push_str(&format!("<h1>{title}</h1>\n"));
    if let Some(dek) = non_empty(&f.dek) {
        out.push_str(&format!("<p class=\"dek\">{}</p>\n", escape(dek)));
    }
    let meta: Vec<String> = [
        non_empty(&f.byline).map(|b| format!("By {}", escape(b))),
        non_empty(&f.outlet).map(escape),
        non_empty(&f.published).map(|d| format!("<time datetime=\"{0}\">{0}</time>", escape(d))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !meta.is_empty() {
        out.push_str(&format!("<p class=\"meta\">{}</p>\n", meta.join(" · ")));
    }
    if !f.tags.is_empty() {
        let items: Vec<String> = f.tags.iter().map(|t| format!("<li>{}</li>", escape(t))).collect();
        out.push_str(&format!("<ul class=\"tags\">{}</ul>\n", items.join("")));
    }
    out.push_str("</header>\n");
    out.push_str(&markdown_to_safe_html(&f.body));
    if let Some(url) = non_empty(&f.url).filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        let url = escape(url);
        out.push_str(&format!(
            "<p class=\"meta\">Source: <a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a></p>\n"
        ));
    }
    out.push_str("</article>\n</body>\n</html>\n");
    out
}

/// Tags a reporter may write in Markdown and that the sanitiser keeps (its default set). Lower case only:
/// wire copy writes tickers and company names in capitals (`<B>`, `<IBM>`), HTML authors in lower case.
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];
/// A tag longer than this is text: it also bounds the look-ahead, so the scan stays linear.
const MAX_TAG_LEN: usize = 1024;

/// Raw HTML from the Markdown parser with every `<…>` that is not an allowed tag (or a comment) escaped, so
/// the sanitiser shows it as text instead of removing it as an unknown element.
fn keep_allowed_tags(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut rest = raw;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let window = &candidate[..floor_char_boundary(candidate, MAX_TAG_LEN)];
        let tag_len = window.find('>').filter(|&end| !window[1..end].contains('<')).map(|end| end + 1);
        match tag_len {
            Some(len) if is_allowed_tag(&candidate[..len]) => {
                out.push_str(&candidate[..len]);
                rest = &candidate[len..];
            }
            Some(len) => {
                out.push_str(&escape(&candidate[..len]));
                rest = &candidate[len..];
            }
            None => {
                out.push_str("&lt;");
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn floor_char_boundary(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

/// `<name …>`, `</name>` or `<name/>` with an allowed name, or an HTML comment.
fn is_allowed_tag(tag: &str) -> bool {
    if tag.starts_with("<!--") && tag.ends_with("-->") {
        return true;
    }
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let name_len = inner.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).count();
    let (name, attributes) = inner.split_at(name_len);
    ALLOWED_TAGS.contains(&name) && (attributes.is_empty() || attributes.starts_with(char::is_whitespace))
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_file;
    use crate::model::ArticleFields;
    use std::path::Path;

    fn article(fields: ArticleFields) -> Article {
        Article {
            id: 1,
            fields,
            source_path: None,
            content_hash: String::new(),
            created_at: "2024-01-01T00:00:00Z".into(),
            updated_at: "2024-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn angle_bracket_text_of_wire_copy_survives_preview_and_html() {
        let body = "The stake was sold to <Sedio N.V.> of Lugano; <IBM.N> rose and <B> fell.\n\n\
                    <div>Held by <Sedio N.V.> too</div>\n\n<b>bold</b> <script>alert(1)</script> <!-- note -->";
        let html = markdown_to_safe_html(body);
        assert!(html.contains("to &lt;Sedio N.V.&gt; of Lugano"), "{html}");
        assert!(html.contains("&lt;IBM.N&gt; rose and &lt;B&gt; fell"), "{html}");
        assert!(html.contains("Held by &lt;Sedio N.V.&gt; too"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
        // A script is shown as text and never becomes an element.
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        let page = to_html(&article(ArticleFields { title: "Deal".into(), body: body.into(), ..Default::default() }));
        assert!(page.contains("to &lt;Sedio N.V.&gt; of Lugano"), "{page}");
        let md = to_markdown(&article(ArticleFields { title: "Deal".into(), body: body.into(), ..Default::default() }));
        assert!(md.contains("to <Sedio N.V.> of Lugano"), "{md}");
    }

    #[test]
    fn a_long_run_of_unclosed_brackets_stays_linear() {
        // Each `<` looks ahead a bounded distance for its `>`, so 200,000 of them cost no more than one pass each.
        let raw = "<span ".repeat(200_000);
        let kept = keep_allowed_tags(&raw);
        assert_eq!(kept.matches("&lt;").count(), 200_000);
        assert_eq!(keep_allowed_tags("<span class=\"x\">a</span>"), "<span class=\"x\">a</span>");
    }

    fn tricky() -> ArticleFields {
        ArticleFields {
            title: "Budget: \"yes\" — 预算 #1 'ok' & <b>".into(),
            body: "First paragraph with *emphasis*.\n\n## 小标题\n\n- one\n- two\n\n---\n\nEnd.".into(),
            dek: Some("A dek: with colon".into()),
            byline: Some("Ann Lee, 李明".into()),
            outlet: Some("The Ledger".into()),
            section: Some("City".into()),
            tags: vec!["budget".into(), "2024".into(), "yes".into(), "经济".into()],
            url: Some("https://ledger.example/a?b=c#d".into()),
            language: Some("zh".into()),
            published: Some("2024-03-05T09:00:00+08:00".into()),
        }
    }

    #[test]
    fn markdown_round_trips_through_the_importer() {
        for fields in [
            tricky(),
            ArticleFields {
                title: "123".into(),
                body: "Just a body.".into(),
                language: Some("en".into()),
                ..Default::default()
            },
        ] {
            let md = to_markdown(&article(fields.clone()));
            let mut records = parse_file(Path::new("x.md"), md.as_bytes()).expect("parse");
            let back = records.remove(0).result.expect("record");
            assert_eq!(back, fields, "\n{md}");
        }
    }

    #[test]
    fn markdown_omits_empty_fields() {
        let md = to_markdown(&article(ArticleFields {
            title: "T".into(),
            body: "B\n\n".into(),
            dek: Some(" ".into()),
            ..Default::default()
        }));
        assert_eq!(md, "---\ntitle: T\n---\n\nB\n");
    }

    #[test]
    fn safe_html_strips_active_content() {
        let md = "Hi <script>alert(1)</script> <img src=x onerror=alert(1)> \
                  [click](javascript:alert(1)) [ok](https://a.example)\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |";
        let html = markdown_to_safe_html(md);
        for bad in ["<script", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains(r#"<a href="https://a.example" rel="noopener noreferrer">ok</a>"#), "{html}");
        assert!(html.contains("<table>") && html.contains("<del>2</del>"), "{html}");
    }

    /// Cell texts in order, from rendered HTML.
    fn cells(html: &str) -> Vec<&str> {
        html.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or_default()).collect()
    }

    #[test]
    fn long_tables_and_lists_are_sanitised_in_pieces_without_losing_anything() {
        // 4,000 rows: well past one piece, well under the formatting limit.
        let mut md = String::from("| Ward | Votes |\n|:--|--:|\n");
        for i in 0..4000 {
            md.push_str(&format!("| Ward {i} <script>x</script> | {} |\n", i * 7));
        }
        md.push_str("\nAfter the table.\n\n");
        for i in 1..=3000 {
            md.push_str(&format!("{i}. item {i}\n"));
        }
        assert!(md.len() > 2 * PIECE && md.len() < MAX_FORMATTED);
        let html = markdown_to_safe_html(&md);
        // The script is text here (it is not an allowed tag), shown and inert.
        let want: Vec<String> =
            (0..4000).flat_map(|i| [format!("Ward {i} &lt;script&gt;x&lt;/script&gt;"), (i * 7).to_string()]).collect();
        assert_eq!(cells(&html), want, "every cell, in order, once");
        let tables = html.matches("<table>").count();
        assert!(tables > 1, "the table was cut into pieces");
        // Each piece repeats the header.
        assert_eq!(html.matches("<th>Ward</th><th>Votes</th>").count(), tables);
        assert!(!html.contains("<script"));
        assert!(html.contains("<p>After the table.</p>"));
        // The list goes on numbering where the last piece stopped.
        assert_eq!(html.matches("<li>").count(), 3000);
        let starts: Vec<usize> = html
            .split("<ol start=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().and_then(|n| n.parse().ok()).expect("a start number"))
            .collect();
        assert!(!starts.is_empty());
        for start in starts {
            assert!(html.contains(&format!("<li>item {start}</li>")), "list piece starting at {start}");
            let before = html.split(&format!("<ol start=\"{start}\">")).next().unwrap_or_default();
            assert_eq!(before.matches("<li>").count(), start - 1, "items before the piece starting at {start}");
        }
    }

    #[test]
    fn a_table_too_wide_to_cut_is_shown_as_its_text() {
        let wide =
            format!("Before.\n\n|{}\n|{}\n|{}\n\nAfter.", "h|".repeat(1001), "-|".repeat(1001), "*c*|".repeat(1001));
        let html = markdown_to_safe_html(&wide);
        assert!(!html.contains("<table") && !html.contains("<em>"), "{}", &html[..200]);
        assert!(html.starts_with("<p>Before.</p>\n<p>|h|h|"));
        assert!(html.ends_with("*c*|</p>\n<p>After.</p>\n"));
        let narrow = markdown_to_safe_html("|h|h|\n|-|-|\n|*c*|d|\n");
        assert!(narrow.contains("<td><em>c</em></td>"), "{narrow}");
    }

    #[test]
    fn text_past_the_formatting_limit_is_shown_plain() {
        let row = "|<script>alert(1)</script>|*b*|\n";
        let md = format!("| a | b |\n|---|---|\n{}", row.repeat(MAX_FORMATTED / row.len() + 1));
        let html = markdown_to_safe_html(&md);
        assert!(html.starts_with("<p>| a | b |<br>\n|---|---|<br>\n|&lt;script&gt;alert(1)&lt;/script&gt;|*b*|<br>"));
        assert!(!html.contains("<script") && !html.contains("<table"));
        assert_eq!(html.matches("&lt;script&gt;").count(), MAX_FORMATTED / row.len() + 1);
    }

    #[test]
    fn html_page_is_standalone_and_escaped() {
        let mut fields = tricky();
        fields.body.push_str("\n\n<script>alert(1)</script>");
        let page = to_html(&article(fields));
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh\">"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("default-src 'none'; style-src 'unsafe-inline'; img-src data: https:"));
        let title = "Budget: &quot;yes&quot; — 预算 #1 &#39;ok&#39; &amp; &lt;b&gt;";
        assert!(page.contains(&format!("<title>{title}</title>")));
        assert!(page.contains(&format!("<h1>{title}</h1>")));
        assert!(page.contains("By Ann Lee, 李明 · The Ledger · <time"));
        assert!(page.contains("<li>经济</li>"));
        assert!(page.contains("<h2>小标题</h2>"));
        assert!(!page.contains("<script") && !page.contains("<b>"));
    }
}
